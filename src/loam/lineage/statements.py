"""From one parsed statement to its StatementLineage.

Each statement kind is reduced to one shape, "a query whose outputs land in
these columns of this table": INSERT and CREATE as written, UPDATE and MERGE by
building the SELECT their SET / INSERT clauses imply. The walk then runs once
over that query's scopes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.optimizer.scope import Scope, build_scope

from loam.lineage.model import ColumnEdge, ColumnRef, EdgeSubkind, StatementLineage, StatementType
from loam.lineage.names import Defaults, SchemaCatalog, canonical_parts, normalized
from loam.lineage.prepare import EXPRESSION_NAME, mark_expression_names, prepare
from loam.lineage.walk import Lineage, Walker, scope_outputs

MAX_EXPRESSION_TEXT = 500
_INFLUENCES = (EdgeSubkind.JOIN, EdgeSubkind.FILTER, EdgeSubkind.GROUP_BY)


@dataclass(slots=True)
class Job:
    """One query and where its outputs go."""

    query: exp.Expr
    target: exp.Table | None = None
    columns: list[str] | None = None
    """Target columns in output order, when the statement names them."""
    skip_columns: set[str] = field(default_factory=set)
    """Target columns filled by the statement itself (static partitions)."""


@dataclass(slots=True)
class Context:
    dialect: Dialect
    defaults: Defaults
    catalog: SchemaCatalog
    destination: exp.Table | None = None
    """Where a plain SELECT's rows go (a BigQuery job's destination, a dbt model)."""


def target_name(table: exp.Table, context: Context) -> str:
    parts = [
        p.name if p.args.get("quoted") else normalized(p.name, context.dialect) for p in table.parts
    ]
    return ".".join(canonical_parts(parts, context.defaults))


def _target_and_columns(node: exp.Expr) -> tuple[exp.Table | None, list[str] | None]:
    if isinstance(node, exp.Schema):
        columns = [
            c.name
            for c in node.expressions
            if isinstance(c, (exp.Identifier, exp.ColumnDef, exp.Column))
        ]
        table = node.this if isinstance(node.this, exp.Table) else None
        return table, columns or None
    return (node if isinstance(node, exp.Table) else None), None


def _move_with(statement: exp.Expr, query: exp.Expr) -> None:
    with_ = statement.args.get("with_")
    if with_ is not None and isinstance(query, exp.Query) and not query.args.get("with_"):
        statement.set("with_", None)
        query.set("with_", with_)


def _unwrap(query: exp.Expr | None) -> exp.Expr | None:
    while isinstance(query, exp.Subquery) and not query.alias:
        query = query.this
    return query


def plan(
    statement: exp.Expr, destination: exp.Table | None = None
) -> tuple[StatementType, list[Job], list[exp.Table]]:
    """The statement's type, its query jobs, and tables it writes without a query."""
    if isinstance(statement, exp.Query):
        leftmost: exp.Expr = statement
        while isinstance(leftmost, exp.SetOperation):
            leftmost = _unwrap(leftmost.left) or leftmost.left
        into = leftmost.args.get("into")
        if isinstance(into, exp.Into) and isinstance(into.this, exp.Table):
            into_table: exp.Table = into.this
            leftmost.set("into", None)
            return StatementType.CREATE_TABLE_AS, [Job(statement, into_table)], []
        if destination is not None:
            return StatementType.SELECT, [Job(statement, destination.copy())], []
        return StatementType.SELECT, [Job(statement)], []
    if isinstance(statement, exp.Insert):
        target, columns = _target_and_columns(statement.this)
        query = _unwrap(statement.expression)
        skip: set[str] = set()
        if target is not None and isinstance(target.args.get("partition"), exp.Partition):
            for part in target.args["partition"].expressions:
                if isinstance(part, exp.EQ) and isinstance(part.this, exp.Column):
                    skip.add(part.this.name)
        if isinstance(query, exp.Query):
            _move_with(statement, query)
            return StatementType.INSERT, [Job(query, target, columns, skip)], []
        return StatementType.INSERT, [], [target] if target is not None else []
    if isinstance(statement, exp.Create):
        target, columns = _target_and_columns(statement.this)
        kind = (statement.args.get("kind") or "").upper()
        query = _unwrap(statement.expression)
        if isinstance(query, exp.Query):
            _move_with(statement, query)
            stype = StatementType.CREATE_VIEW if kind == "VIEW" else StatementType.CREATE_TABLE_AS
            return stype, [Job(query, target, columns)], []
        stype = StatementType.CREATE_VIEW if kind == "VIEW" else StatementType.CREATE_TABLE
        if kind in ("TABLE", "VIEW") and target is not None:
            return stype, [], [target]
        return StatementType.OTHER, [], []
    if isinstance(statement, exp.Update):
        return StatementType.UPDATE, _update_jobs(statement), []
    if isinstance(statement, exp.Merge):
        jobs = _merge_jobs(statement)
        target = statement.this if isinstance(statement.this, exp.Table) else None
        return StatementType.MERGE, jobs, [target] if target is not None and not jobs else []
    if isinstance(statement, exp.Delete):
        target = statement.this if isinstance(statement.this, exp.Table) else None
        return StatementType.DELETE, [], [target] if target is not None else []
    if isinstance(statement, (exp.Drop, exp.Alter)):
        kind = (statement.args.get("kind") or "").upper()
        target = statement.this if isinstance(statement.this, exp.Table) else None
        stype = StatementType.DROP if isinstance(statement, exp.Drop) else StatementType.ALTER
        writes = [target] if target is not None and kind in ("TABLE", "VIEW", "") else []
        return stype, [], writes
    return StatementType.OTHER, [], []


def _assignments(node: exp.Expr) -> list[tuple[str, exp.Expr]]:
    pairs = []
    for eq in node.expressions:
        if isinstance(eq, exp.EQ) and isinstance(eq.this, exp.Column):
            pairs.append((eq.this.name, eq.expression))
    return pairs


def _synthetic_select(
    pairs: list[tuple[str, exp.Expr]],
    sources: list[exp.Expr],
    on: exp.Expr | None,
    where: exp.Expr | None,
) -> tuple[exp.Select, list[str]]:
    select = exp.Select(
        expressions=[exp.alias_(value.copy(), f"_loam_{i}") for i, (_, value) in enumerate(pairs)]
    )
    select.set("from_", exp.From(this=sources[0].copy()))
    joins = []
    for source in sources[1:]:
        joins.append(exp.Join(this=source.copy(), on=on.copy() if on is not None else None))
    if joins:
        select.set("joins", joins)
    if where is not None:
        select.set("where", exp.Where(this=where.copy()))
    return select, [name for name, _ in pairs]


def _update_jobs(update: exp.Update) -> list[Job]:
    target = update.this
    if not isinstance(target, exp.Table):
        return []
    sources: list[exp.Expr] = [target]
    joins: list[exp.Expr] = list(update.args.get("joins") or [])
    from_ = update.args.get("from_")
    if isinstance(from_, exp.From):
        first = from_.this.copy()
        joins.extend(first.args.get("joins") or [])
        first.set("joins", None)
        aliased = [first, *(j.this for j in joins)]
        # T-SQL: UPDATE t SET ... FROM tab AS t -- the target is named by its alias
        for candidate in aliased:
            if (
                isinstance(candidate, exp.Table)
                and not target.db
                and candidate.alias_or_name == target.name
                and candidate.name != target.name
            ):
                target = candidate.copy()
                target.set("alias", None)
                sources = []
                break
        sources.append(first)
    where = update.args.get("where")
    pairs = _assignments(update)
    if len(sources) > 1:
        # In UPDATE ... FROM, a bare column in SET values is the updated table's own.
        owner = target.alias_or_name
        for _, value in pairs:
            for column in value.find_all(exp.Column):
                if not column.table and column.find_ancestor(exp.Select) is None:
                    column.set("table", exp.to_identifier(owner))
    select, names = _synthetic_select(pairs, sources, None, where.this if where else None)
    if joins:
        select.set("joins", [*(select.args.get("joins") or []), *(j.copy() for j in joins)])
    if update.args.get("with_"):
        select.set("with_", update.args["with_"].copy())
    return [Job(select, target, names)]


def _merge_jobs(merge: exp.Merge) -> list[Job]:
    target = merge.this
    using = merge.args.get("using")
    if not isinstance(target, exp.Table) or using is None:
        return []
    on = merge.args.get("on")
    update_pairs: list[tuple[str, exp.Expr]] = []
    insert_pairs: list[tuple[str, exp.Expr]] = []
    whens = merge.args.get("whens")
    for when in whens.expressions if whens else []:
        then = when.args.get("then")
        if isinstance(then, exp.Update):
            update_pairs.extend(_assignments(then))
        elif isinstance(then, exp.Insert) and isinstance(then.expression, exp.Tuple):
            values = then.expression.expressions
            if isinstance(then.this, exp.Tuple):
                names = [c.name for c in then.this.expressions]
            else:  # no column list: the target's columns in order, unknown here
                names = [
                    v.name if isinstance(v, exp.Column) else f"_col_{i}"
                    for i, v in enumerate(values)
                ]
            insert_pairs.extend(zip(names, values, strict=False))
    jobs = []
    if update_pairs:
        select, names = _synthetic_select(update_pairs, [using, target], on, None)
        jobs.append(Job(select, target, names))
    if insert_pairs:
        select, names = _synthetic_select(insert_pairs, [using], None, None)
        jobs.append(Job(select, target, names))
    return jobs


def analyse(statement: exp.Expr, sql: str, context: Context) -> StatementLineage:
    stype, jobs, writes = plan(statement, context.destination)
    out_tables = [target_name(t, context) for t in writes]
    in_tables: list[str] = []
    edges: list[ColumnEdge] = []
    outputs: list[str] = []
    for job in jobs:
        target = target_name(job.target, context) if job.target is not None else None
        if target and target not in out_tables:
            out_tables.append(target)
        job_edges, job_inputs, job_outputs = _analyse_job(job, target, context)
        edges.extend(job_edges)
        outputs.extend(job_outputs)
        # a MERGE target is only matched against, not read for values
        skip = target if stype is StatementType.MERGE else None
        in_tables.extend(t for t in job_inputs if t not in in_tables and t != skip)
        creates = stype in (StatementType.CREATE_TABLE_AS, StatementType.CREATE_VIEW)
        learn = creates and job_outputs and "*" not in job_outputs
        if target is not None and learn and context.catalog.resolve(target) is None:
            context.catalog.set_columns(target, job_outputs)
    if not jobs and stype in (StatementType.INSERT, StatementType.DELETE, StatementType.MERGE):
        in_tables = _reads_without_query(statement, writes, context)
    edges = _merge_duplicates(edges)
    confidence = min((e.confidence for e in edges), default=1.0)
    return StatementLineage(
        sql=sql,
        statement_type=stype,
        in_tables=tuple(in_tables),
        out_tables=tuple(out_tables),
        edges=tuple(edges),
        output_columns=tuple(dict.fromkeys(outputs)),
        confidence=confidence,
    )


def _merge_duplicates(edges: list[ColumnEdge]) -> list[ColumnEdge]:
    """One edge per (downstream, subkind): a MERGE may set a column in two clauses."""
    merged: dict[tuple[ColumnRef, EdgeSubkind], ColumnEdge] = {}
    for edge in edges:
        key = (edge.downstream, edge.subkind)
        seen = merged.get(key)
        if seen is None:
            merged[key] = edge
            continue
        upstreams = tuple(sorted(set(seen.upstreams) | set(edge.upstreams), key=_ref_key))
        merged[key] = ColumnEdge(
            downstream=seen.downstream,
            upstreams=upstreams,
            subkind=seen.subkind,
            expression=seen.expression,
            confidence=min(seen.confidence, edge.confidence),
        )
    return list(merged.values())


def _ref_key(ref: ColumnRef) -> tuple[str, str]:
    return (ref.table or "", ref.column)


def _reads_without_query(
    statement: exp.Expr, writes: list[exp.Table], context: Context
) -> list[str]:
    """Tables a statement reads outside any query job (subqueries in VALUES or WHERE)."""
    ctes = {cte.alias for cte in statement.find_all(exp.CTE)}
    written = {id(t) for t in writes}
    reads: list[str] = []
    for table in statement.find_all(exp.Table):
        if id(table) in written or not isinstance(table.this, exp.Identifier):
            continue
        if not table.db and table.name in ctes:
            continue
        name = target_name(table, context)
        if name not in reads:
            reads.append(name)
    return reads


def _output_names(job: Job, target: str | None, names: list[str], context: Context) -> list[str]:
    if job.columns and len(job.columns) == len(names):
        return [normalized(c, context.dialect) for c in job.columns]
    if target and "*" not in names:
        known = context.catalog.columns(target)
        if known:
            by_lower = {c.lower(): c for c in known}
            if all(n.lower() in by_lower for n in names):
                return [by_lower[n.lower()] for n in names]
            known = [c for c in known if c not in job.skip_columns]
            if len(known) == len(names):
                return known
    return names


def _analyse_job(
    job: Job, target: str | None, context: Context
) -> tuple[list[ColumnEdge], list[str], list[str]]:
    dialect = context.dialect
    mark_expression_names(job.query, dialect)
    prepared = prepare(job.query, dialect, context.defaults, context.catalog)
    query = prepared.expression
    inputs = list(dict.fromkeys(t.name for t in prepared.tables if t.meta.get("written")))
    root = build_scope(query)
    if root is None:
        return [], inputs, []
    known = {
        t.name: set(cols)
        for t in prepared.tables
        if (cols := context.catalog.columns(t.name)) is not None
    }
    qualify_single_source(root, known)
    walker = Walker(known)
    outputs = scope_outputs(root)
    names = []
    for output in outputs:
        inner = (
            output.expression.this
            if isinstance(output.expression, exp.Alias)
            else output.expression
        )
        names.append(inner.meta.get(EXPRESSION_NAME) or output.name)
    downstream_names = _output_names(job, target, names, context)
    influences = walker.influences(root)
    edges: list[ColumnEdge] = []
    lineages = [walker.output_lineage(root, o.name, i) for i, o in enumerate(outputs)]
    # Text last, without copying: the tree is not walked again after this.
    for output, name, lineage in zip(outputs, downstream_names, lineages, strict=True):
        downstream = ColumnRef(target, name)
        shown = output.expression
        shown = shown.this if isinstance(shown, exp.Alias) else shown
        text = dialect.generate(shown, copy=False)[:MAX_EXPRESSION_TEXT]
        edges.extend(_edges(downstream, lineage, text))
        for subkind in _INFLUENCES:
            found = influences.get(subkind)
            if found:
                edges.extend(_edges(downstream, found, text, only=subkind))
    return edges, inputs, downstream_names


def qualify_single_source(root: Scope, known: dict[str, set[str]]) -> None:
    """In a scope reading one table of unknown columns, every bare column is that table's."""
    for scope in root.traverse():
        sources = scope.selected_sources
        if len(sources) != 1 or not isinstance(scope.expression, exp.Select):
            continue
        alias, (_, source) = next(iter(sources.items()))
        if not isinstance(source, exp.Table) or source.name in known:
            continue
        aliases = {s.alias for s in scope.expression.expressions if isinstance(s, exp.Alias)}
        for column in scope.columns:
            if not column.table and column.name not in aliases:
                column.set("table", exp.to_identifier(alias))


def _edges(
    downstream: ColumnRef, lineage: Lineage, text: str, only: EdgeSubkind | None = None
) -> list[ColumnEdge]:
    grouped: dict[EdgeSubkind, list[tuple[ColumnRef, float]]] = {}
    for ref, (role, conf) in lineage.items():
        grouped.setdefault(only or role, []).append((ref, conf))
    edges = []
    for subkind, refs in grouped.items():
        refs.sort(key=lambda rc: (rc[0].table or "", rc[0].column))
        edges.append(
            ColumnEdge(
                downstream=downstream,
                upstreams=tuple(r for r, _ in refs),
                subkind=subkind,
                expression=text,
                confidence=min(c for _, c in refs),
            )
        )
    return edges
