"""The lineage walk: from a qualified query's scopes to base-table columns.

One pass over sqlglot's scope tree, memoised per (scope, column): each output
column maps to the base columns it is computed from, each with the role it
plays (copied, transformed, aggregated, or only used in a window or condition)
and how sure the resolution is.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp
from sqlglot.optimizer.scope import Scope

from loam.lineage.model import ColumnRef, EdgeKind, EdgeSubkind

Role = EdgeSubkind
Lineage = dict[ColumnRef, tuple[Role, float]]
"""Upstream column -> (strongest role, confidence of the resolution)."""

_RANK = {
    EdgeSubkind.IDENTITY: 0,
    EdgeSubkind.TRANSFORMATION: 1,
    EdgeSubkind.AGGREGATION: 2,
}

SURE = 1.0
NO_SCHEMA = 0.9
THROUGH_STAR = 0.6
UNRESOLVED = 0.3


def combine(outer: Role, inner: Role) -> Role:
    """The role of an upstream seen through an outer expression."""
    if outer.kind is EdgeKind.INDIRECT:
        return outer
    if inner.kind is EdgeKind.INDIRECT:
        return inner
    return outer if _RANK[outer] >= _RANK[inner] else inner


def add(out: Lineage, ref: ColumnRef, role: Role, confidence: float) -> None:
    """Keep one role per upstream: a flowing value beats an influence, then the stronger one."""
    seen = out.get(ref)
    if seen is None:
        out[ref] = (role, confidence)
        return
    old_role, old_conf = seen
    conf = max(old_conf, confidence)
    if (old_role.kind is EdgeKind.INDIRECT and role.kind is EdgeKind.DIRECT) or (
        old_role.kind is role.kind
        and role.kind is EdgeKind.DIRECT
        and _RANK[role] > _RANK[old_role]
    ):
        out[ref] = (role, conf)
    else:
        out[ref] = (old_role, conf)


def with_path(ref: ColumnRef, path: str) -> ColumnRef:
    return ColumnRef(ref.table, f"{ref.column}.{path}") if path and ref.column != "*" else ref


@dataclass(slots=True)
class Output:
    name: str
    expression: exp.Expr


def scope_outputs(scope: Scope) -> list[Output]:
    expression = scope.expression
    while isinstance(expression, exp.SetOperation):
        expression = expression.left
        while isinstance(expression, exp.Subquery):
            expression = expression.this
    if isinstance(scope.expression, exp.SetOperation):
        return [Output(o.name, o.expression) for o in _select_outputs(expression)]
    return _select_outputs(expression)


def _select_outputs(expression: exp.Expr) -> list[Output]:
    if not isinstance(expression, exp.Select):
        return []
    outputs = []
    for projection in expression.expressions:
        if isinstance(projection, exp.Star) or (
            isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star)
        ):
            outputs.append(Output("*", projection))
        else:
            outputs.append(Output(projection.alias_or_name, projection))
    return outputs


def _element_selector(
    unnest: exp.Unnest, scope: Scope, value_names: set[str]
) -> tuple[str, str] | None:
    """``WHERE key = 'page'`` over ``UNNEST(params)`` picks one keyed element (GA4 event
    parameters): its fields are then ``params[key=page].value``, so lineage starts at the
    parameter rather than the whole array."""
    where = scope.expression.args.get("where") if isinstance(scope.expression, exp.Select) else None
    if where is None or len(scope.selected_sources) != 1:
        return None
    condition = where.this
    terms = list(condition.flatten()) if isinstance(condition, exp.And) else [condition]
    qualifiers = {"", *value_names}
    for term in terms:
        if not isinstance(term, exp.EQ):
            continue
        column, literal = term.this, term.expression
        if isinstance(column, exp.Literal):
            column, literal = literal, column
        if (  # element.key where the element itself is named (BigQuery: UNNEST(a) AS e)
            isinstance(column, exp.Dot)
            and isinstance(column.this, exp.Column)
            and column.this.name in value_names
            and isinstance(literal, exp.Literal)
            and literal.is_string
        ):
            return column.expression.name, literal.this
        if (
            isinstance(column, exp.Column)
            and isinstance(literal, exp.Literal)
            and literal.is_string
            and column.table in qualifiers | set(scope.selected_sources)
        ):
            return column.name, literal.this
    return None


class Walker:
    """Resolves output columns of scopes to base-table columns."""

    def __init__(self, known_tables: dict[str, set[str]]) -> None:
        self.known_tables = known_tables
        self._memo: dict[tuple[int, str], Lineage] = {}
        self._active: set[tuple[int, str]] = set()
        self._unnesting: set[int] = set()

    # -- outputs of a scope ---------------------------------------------------
    def output_lineage(self, scope: Scope, name: str, index: int | None = None) -> Lineage:
        key = (id(scope), name if index is None else f"#{index}:{name}")
        if key in self._memo:
            return self._memo[key]
        if key in self._active:  # a recursive CTE refers to itself
            return {}
        self._active.add(key)
        try:
            result = self._output_lineage(scope, name, index)
        finally:
            self._active.discard(key)
        self._memo[key] = result
        return result

    def _output_lineage(self, scope: Scope, name: str, index: int | None) -> Lineage:
        out: Lineage = {}
        if isinstance(scope.expression, exp.SetOperation):
            if index is None:
                names = [o.name for o in scope_outputs(scope)]
                index = names.index(name) if name in names else None
            for position, branch in enumerate(scope.set_operation_scopes):
                # the first branch names the columns; later ones line up by position
                at = index if position > 0 else None
                for ref, (role, conf) in self.output_lineage(branch, name, at).items():
                    add(out, ref, role, conf)
            return out
        outputs = _select_outputs(scope.expression)
        chosen: list[Output] = []
        stars = [o for o in outputs if o.name == "*"]
        if index is not None and name != "*":
            if any(o.name == "*" for o in outputs[: index + 1]) or index >= len(outputs):
                return out  # which column sits at this position is unknown
            chosen = [outputs[index]]
        else:
            chosen = [o for o in outputs if o.name == name and name != "*"]
        if chosen:
            self.visit(chosen[0].expression, scope, EdgeSubkind.IDENTITY, out, top=True)
            return out
        for star in stars:
            self._through_star(star.expression, scope, name, out)
        return out

    def _through_star(self, star: exp.Expr, scope: Scope, name: str, out: Lineage) -> None:
        qualifier = star.table if isinstance(star, exp.Column) else ""
        sources: list[exp.Table | Scope] = (
            [scope.sources[qualifier]] if qualifier in scope.sources else []
        )
        if not qualifier:
            sources = [source for _, source in scope.selected_sources.values()]
        for source in sources:
            if isinstance(source, exp.Table):
                conf = SURE if name == "*" else THROUGH_STAR
                add(out, ColumnRef(source.name, name), EdgeSubkind.IDENTITY, conf)
            elif isinstance(source, Scope) and not isinstance(source.expression, exp.UDTF):
                for ref, (role, conf) in self.output_lineage(source, name).items():
                    add(out, ref, role, min(conf, THROUGH_STAR) if name != "*" else conf)

    # -- expressions ---------------------------------------------------------
    def visit(
        self, node: exp.Expr, scope: Scope, role: Role, out: Lineage, top: bool = False
    ) -> None:
        if isinstance(node, exp.Alias):
            self.visit(node.this, scope, role, out, top=top)
            return
        if isinstance(node, exp.Paren):
            self.visit(node.this, scope, role, out, top=top)
            return
        if isinstance(node, exp.Column):
            if isinstance(node.this, exp.Star):
                self._star_refs(node, scope, role, out)
            else:
                self.resolve(node, scope, role, out, "")
            return
        if isinstance(node, exp.Dot):
            path: list[str] = []
            head: exp.Expr = node
            while isinstance(head, exp.Dot) and isinstance(head.expression, exp.Identifier):
                path.insert(0, head.expression.name)
                head = head.this
            if isinstance(head, exp.Column) and not isinstance(head.this, exp.Star):
                self.resolve(head, scope, role, out, ".".join(path))
                return
        if top:
            role = EdgeSubkind.TRANSFORMATION
        if isinstance(node, exp.Star):
            self._star_refs(node, scope, role, out)
            return
        if isinstance(node, (exp.Subquery, exp.Select, exp.SetOperation)):
            self._subquery(node, scope, role, out)
            return
        if isinstance(node, exp.Window):
            self.visit(node.this, scope, role, out)
            window_role = combine(role, EdgeSubkind.WINDOW)
            for part in node.args.get("partition_by") or []:
                self.visit(part, scope, window_role, out)
            order = node.args.get("order")
            if order is not None:
                self.visit(order, scope, window_role, out)
            return
        if isinstance(node, exp.AggFunc):
            role = combine(role, EdgeSubkind.AGGREGATION)
        elif isinstance(node, exp.Case):
            cond = combine(role, EdgeSubkind.CONDITIONAL)
            if node.this is not None:
                self.visit(node.this, scope, cond, out)
            for branch in node.args.get("ifs") or []:
                self.visit(branch.this, scope, cond, out)
                self.visit(branch.args["true"], scope, role, out)
            default = node.args.get("default")
            if default is not None:
                self.visit(default, scope, role, out)
            return
        elif isinstance(node, exp.If):
            self.visit(node.this, scope, combine(role, EdgeSubkind.CONDITIONAL), out)
            for key in ("true", "false"):
                value = node.args.get(key)
                if value is not None:
                    self.visit(value, scope, role, out)
            return
        for child in node.iter_expressions():
            self.visit(child, scope, role, out)

    def _subquery(self, node: exp.Expr, scope: Scope, role: Role, out: Lineage) -> None:
        target = node.this if isinstance(node, exp.Subquery) else node
        for child in scope.subquery_scopes:
            if child.expression is target or child.expression is node:
                for output in scope_outputs(child):
                    for ref, (inner, conf) in self.output_lineage(child, output.name).items():
                        add(out, ref, combine(role, inner), conf)
                return

    def _star_refs(self, star: exp.Expr, scope: Scope, role: Role, out: Lineage) -> None:
        before: Lineage = {}
        self._through_star(star, scope, "*", before)
        for ref, (inner, conf) in before.items():
            add(out, ref, combine(role, inner), conf)

    # -- columns -------------------------------------------------------------
    def resolve(
        self, column: exp.Column, scope: Scope, role: Role, out: Lineage, path: str
    ) -> None:
        table = column.table
        name = column.name
        source = None
        owner: Scope | None = scope
        while owner is not None:
            source = owner.sources.get(table) if table else None
            if source is not None or not table:
                break
            owner = owner.parent
        if source is None and not table:
            source, guessed = self._guess_source(name, scope)
            # correlated: a scope whose only sources are the UNNESTs being expanded (or
            # none) reads the column from the enclosing query
            while source is None and not self._open_sources(scope) and scope.parent is not None:
                scope = scope.parent
                owner = scope
                source, guessed = self._guess_source(name, scope)
            if source is not None:
                inner: Lineage = {}
                self._from_source(source, column, owner or scope, name, role, inner, path)
                for ref, (r, conf) in inner.items():
                    add(out, ref, r, min(conf, guessed))
                return
        if source is None:
            if self._lateral_alias(column, scope, role, out, path):
                return
            add(out, ColumnRef(None, f"{name}.{path}" if path else name), role, UNRESOLVED)
            return
        self._from_source(source, column, owner or scope, name, role, out, path)

    def _from_source(
        self,
        source: exp.Table | Scope,
        column: exp.Column,
        owner: Scope,
        name: str,
        role: Role,
        out: Lineage,
        path: str,
    ) -> None:
        if isinstance(source, exp.Table):
            conf = SURE if source.name in self.known_tables else NO_SCHEMA
            add(out, ColumnRef(source.name, f"{name}.{path}" if path else name), role, conf)
            return
        if isinstance(source.expression, exp.Unnest):
            self._unnest(source.expression, owner, name, role, out, path)
            return
        if isinstance(source.expression, exp.UDTF):
            if not source.subquery_scopes:
                return
            source = source.subquery_scopes[0]
        for ref, (inner, conf) in self.output_lineage(source, name).items():
            add(out, with_path(ref, path), combine(role, inner), conf)

    def _open_sources(self, scope: Scope) -> list[exp.Table | Scope]:
        """Sources a bare column may come from: an UNNEST cannot feed its own argument."""
        return [
            source
            for _, source in scope.selected_sources.values()
            if not (isinstance(source, Scope) and id(source.expression) in self._unnesting)
        ]

    def _guess_source(self, name: str, scope: Scope) -> tuple[exp.Table | Scope | None, float]:
        """The one source an unqualified column can come from, when sqlglot could not say."""
        definite: list[exp.Table | Scope] = []
        maybe: list[exp.Table | Scope] = []
        for source in self._open_sources(scope):
            if isinstance(source, exp.Table):
                columns = self.known_tables.get(source.name)
                if columns is None:
                    maybe.append(source)
                elif name in columns:
                    definite.append(source)
                continue
            if isinstance(source.expression, exp.UDTF):
                maybe.append(source)
                continue
            names = [o.name for o in scope_outputs(source)]
            if name in names:
                definite.append(source)
            elif "*" in names:
                maybe.append(source)
        if len(definite) == 1 and not maybe:
            return definite[0], SURE
        if not definite and len(maybe) == 1:
            return maybe[0], NO_SCHEMA
        return None, UNRESOLVED

    def _has_unknown_source(self, scope: Scope) -> bool:
        for _, source in scope.selected_sources.values():
            if isinstance(source, exp.Table):
                if source.name not in self.known_tables:
                    return True
            elif isinstance(source.expression, exp.UDTF) or any(
                o.name == "*" for o in scope_outputs(source)
            ):
                return True
        return False

    def _unnest(
        self, unnest: exp.Unnest, scope: Scope, name: str, role: Role, out: Lineage, path: str
    ) -> None:
        alias = unnest.args.get("alias")
        value_names = {c.name for c in alias.columns} if alias else set()
        if alias and alias.this and not value_names:
            value_names = {alias.name}
        inner: Lineage = {}
        self._unnesting.add(id(unnest))
        try:
            for array in unnest.expressions:
                self.visit(array, scope, EdgeSubkind.IDENTITY, inner)
        finally:
            self._unnesting.discard(id(unnest))
        field = "" if name in value_names else name
        full = ".".join(p for p in (field, path) if p)
        selector = _element_selector(unnest, scope, value_names)
        for ref, (inner_role, conf) in inner.items():
            if selector and ref.column != "*" and not full.startswith(selector[0]):
                ref = ColumnRef(ref.table, f"{ref.column}[{selector[0]}={selector[1]}]")
            add(out, with_path(ref, full), combine(role, inner_role), conf)

    def _lateral_alias(
        self, column: exp.Column, scope: Scope, role: Role, out: Lineage, path: str
    ) -> bool:
        """An unqualified name that no source has but an earlier projection defines."""
        select = scope.expression
        if not isinstance(select, exp.Select) or column.table:
            return False
        if self._has_unknown_source(scope):  # a source of unknown columns might hold the name
            return False
        for projection in select.expressions:
            if projection is column or column in projection.find_all(exp.Column):
                return False
            if isinstance(projection, exp.Alias) and projection.alias == column.name:
                inner: Lineage = {}
                self.visit(projection.this, scope, EdgeSubkind.IDENTITY, inner)
                for ref, (inner_role, conf) in inner.items():
                    add(out, with_path(ref, path), combine(role, inner_role), conf)
                return True
        return False

    # -- query-level influences ---------------------------------------------
    def influences(self, root: Scope) -> dict[Role, Lineage]:
        """Columns used in joins, filters and groupings anywhere in the query."""
        found: dict[Role, Lineage] = {}
        for scope in root.traverse():
            select = scope.expression
            if not isinstance(select, exp.Select):
                continue
            parts: list[tuple[Role, exp.Expr | None]] = []
            for join in select.args.get("joins") or []:
                parts.append((EdgeSubkind.JOIN, join.args.get("on")))
                for using in join.args.get("using") or []:
                    parts.append(
                        (EdgeSubkind.JOIN, using if isinstance(using, exp.Column) else None)
                    )
            for key in ("where", "having", "qualify"):
                parts.append((EdgeSubkind.FILTER, select.args.get(key)))
            parts.append((EdgeSubkind.GROUP_BY, select.args.get("group")))
            for subkind, node in parts:
                if node is not None:
                    self.visit(node, scope, subkind, found.setdefault(subkind, {}))
        return found
