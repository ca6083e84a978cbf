"""Make one parsed statement ready for the lineage walk.

Steps, each small: fold identifier case for the dialect, give every real table
its canonical name (one quoted identifier, the alias keeping the name as
written), turn ``table.column.field`` chains into struct access, then let
sqlglot's ``qualify_columns`` tie every column to a source and expand stars
from the known schemas.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import OptimizeError
from sqlglot.optimizer.normalize_identifiers import normalize_identifiers
from sqlglot.optimizer.qualify_columns import qualify_columns
from sqlglot.optimizer.qualify_tables import qualify_tables
from sqlglot.schema import MappingSchema

from loam.lineage.names import Defaults, SchemaCatalog, canonical_parts

EXPRESSION_NAME = "loam_expression_text"


@dataclass(slots=True)
class PreparedStatement:
    expression: exp.Expr
    tables: list[exp.Table] = field(default_factory=list)
    """Real tables of the statement, each renamed to its canonical name."""
    qualified: bool = True
    """False when sqlglot could not qualify every column (they stay as written)."""


def cte_names(expression: exp.Expr) -> set[str]:
    return {cte.alias for cte in expression.find_all(exp.CTE) if cte.alias}


def canonicalize_tables(
    expression: exp.Expr, defaults: Defaults, ctes: set[str]
) -> tuple[list[exp.Table], dict[str, str]]:
    """Rename real tables in place. Returns them and a map from every name a query may
    use to reach a table (alias, name as written, full dotted name) to its alias."""
    tables: list[exp.Table] = []
    reach: dict[str, str] = {}
    for table in list(expression.find_all(exp.Table)):
        if not isinstance(table.this, exp.Identifier):
            continue
        parts = [p.name for p in table.parts]
        if len(parts) == 1 and parts[0] in ctes:
            reach[parts[0]] = table.alias or parts[0]
            if table.alias:
                reach[table.alias] = table.alias
            continue
        written = parts[-1]
        alias = table.alias or written
        canonical = ".".join(canonical_parts(parts, defaults))
        new_table = exp.Table(this=exp.to_identifier(canonical, quoted=True))
        for key in ("alias", "joins", "laterals", "pivots", "sample", "hints", "version"):
            value = table.args.get(key)
            if value:
                new_table.set(key, value)
        if not table.alias and not _is_target(table):
            new_table.set("alias", exp.TableAlias(this=exp.to_identifier(written)))
        new_table.meta["written"] = ".".join(parts)
        table.replace(new_table)
        tables.append(new_table)
        reach[alias] = alias
        reach.setdefault(written, alias)
        reach.setdefault(".".join(parts), alias)
    for node in expression.find_all(exp.Subquery, exp.CTE, exp.Unnest, exp.Lateral):
        if node.alias:
            reach.setdefault(node.alias, node.alias)
    return tables, reach


def _is_target(table: exp.Table) -> bool:
    parent = table.parent
    if isinstance(parent, exp.Schema):
        parent = parent.parent
    return isinstance(parent, (exp.Insert, exp.Create, exp.Drop, exp.Alter)) and (
        parent.this is table or parent.this is table.parent
    )


def split_struct_columns(expression: exp.Expr, reach: dict[str, str]) -> None:
    """``t.col.field`` / ``db.t.col`` / ``col.field``: find which leading parts name a
    table and which name a column and its struct path."""
    for column in list(expression.find_all(exp.Column)):
        if not column.args.get("table"):
            continue
        parts = column.parts
        names = [p.name for p in parts]
        if len(names) == 2 and names[0] in reach and reach[names[0]] == names[0]:
            continue
        qualifier: str | None = None
        start = 0
        for k in range(len(names) - 1, 0, -1):
            prefix = ".".join(names[:k])
            if prefix in reach:
                qualifier, start = reach[prefix], k
                break
        head = exp.Column(this=parts[start])
        if qualifier:
            head.set("table", exp.to_identifier(qualifier))
        rest = parts[start + 1 :]
        new: exp.Expr = exp.Dot.build([head, *rest]) if rest else head
        column.replace(new)


def match_schema_case(
    expression: exp.Expr, tables: list[exp.Table], catalog: SchemaCatalog
) -> None:
    """Columns written in another case than the schema spells them resolve to the schema's name."""
    spelled: dict[str, str] = {}
    exact: set[str] = set()
    for table in tables:
        for column in catalog.columns(table.name) or ():
            exact.add(column)
            spelled.setdefault(column.lower(), column)
    if not spelled:
        return
    for node in expression.find_all(exp.Column):
        name = node.name
        if name not in exact and name.lower() in spelled:
            node.set("this", exp.to_identifier(spelled[name.lower()], quoted=True))


def mark_expression_names(expression: exp.Expr, dialect: Dialect) -> None:
    """Remember how unaliased projections were written, to name their output column."""
    selects = [expression] if isinstance(expression, exp.Select) else []
    if isinstance(expression, exp.SetOperation):
        left: exp.Expr = expression
        while isinstance(left, exp.SetOperation):
            left = left.left
        while isinstance(left, exp.Subquery):
            left = left.this
        selects = [left] if isinstance(left, exp.Select) else []
    for select in selects:
        for projection in select.expressions:
            if isinstance(projection, (exp.Alias, exp.Column, exp.Star)):
                continue
            if not projection.output_name:
                projection.meta[EXPRESSION_NAME] = projection.sql(dialect=dialect)


def prepare(
    expression: exp.Expr,
    dialect: Dialect,
    defaults: Defaults,
    catalog: SchemaCatalog,
) -> PreparedStatement:
    expression = normalize_identifiers(expression, dialect=dialect)
    ctes = cte_names(expression)
    tables, reach = canonicalize_tables(expression, defaults, ctes)
    split_struct_columns(expression, reach)
    match_schema_case(expression, tables, catalog)
    mapping = {
        table.name: catalog.tables[key]
        for table in tables
        if (key := catalog.resolve(table.name)) is not None
    }
    schema = MappingSchema(
        {k: {c: "UNKNOWN" for c in v} for k, v in mapping.items()},
        dialect=dialect,
        normalize=False,
    )
    qualified = True
    try:
        qualify_tables(expression, dialect=dialect)
        qualify_columns(
            expression,
            schema,
            expand_alias_refs=True,
            expand_stars=True,
            allow_partial_qualification=True,
            dialect=dialect,
        )
    except OptimizeError:
        qualified = False
    return PreparedStatement(expression=expression, tables=tables, qualified=qualified)
