"""Public entry: ``extract(sql, ...)`` -> the lineage of every statement in a SQL text.

Never raises for bad SQL: a statement that cannot be parsed or analysed comes
back with ``error`` set. A query that runs past ``timeout`` seconds is stopped
(on the main thread, where a timer signal can interrupt it).
"""

from __future__ import annotations

import logging
import re
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ParseError, TokenError

from loam.lineage.errors import LineageInputError
from loam.lineage.model import QueryLineage, StatementLineage, StatementType
from loam.lineage.names import Defaults, SchemaCatalog, SchemaInput
from loam.lineage.statements import Context, analyse

DEFAULT_TIMEOUT = 10.0

# sqlglot logs a warning for every statement it keeps as a raw Command; in a query log
# (procedures, SET, DECLARE, ...) that is normal, and the result says what was skipped.
logging.getLogger("sqlglot").setLevel(logging.ERROR)

# sqlfluff / vendor spellings of dialects that sqlglot names differently
_DIALECT_ALIASES = {
    "ansi": "",
    "sparksql": "spark",
    "sqlserver": "tsql",
    "mssql": "tsql",
    "postgresql": "postgres",
    "googlesql": "bigquery",
    "db2": "",
    "impala": "hive",
    "greenplum": "postgres",
    "vertica": "postgres",
    "mariadb": "mysql",
}

_BODY_RE = re.compile(
    r"\bBEGIN\b(?P<body>.*?)(?:\bEND\b\s*;?\s*/?\s*)?$", re.IGNORECASE | re.DOTALL
)


class QueryTimeout(Exception):
    """Raised inside a query that ran past its time limit."""


_DIALECTS: dict[str, Dialect] = {}


def resolve_dialect(dialect: str | Dialect | None) -> Dialect:
    """A sqlglot dialect by name (sqlglot's or sqlfluff's spelling), kept for reuse."""
    if isinstance(dialect, Dialect):
        return dialect
    name = (dialect or "").lower()
    name = _DIALECT_ALIASES.get(name, name)
    cached = _DIALECTS.get(name)
    if cached is not None:
        return cached
    try:
        instance = Dialect.get_or_raise(name or None)
    except ValueError as error:
        raise LineageInputError(f"unknown SQL dialect {dialect!r}: {error}") from error
    # Lineage needs no column types; typing every scope (BigQuery's default) doubles the cost.
    instance.ANNOTATE_ALL_SCOPES = False
    _DIALECTS[name] = instance
    return instance


_CATALOGS: dict[tuple[int, int, str, Defaults], tuple[object, SchemaCatalog]] = {}
_MAX_CACHED_CATALOGS = 16


def catalog_for(schema: SchemaInput | None, dialect: Dialect, defaults: Defaults) -> SchemaCatalog:
    """A private copy of the catalog for ``schema``; building it once per schema object
    matters when the same schema serves thousands of queries."""
    if not schema:
        return SchemaCatalog(None, dialect, defaults)
    # Keyed by identity (and size, to notice added tables): treat a schema mapping as
    # read-only while queries are being extracted against it.
    key = (id(schema), len(schema), type(dialect).__name__, defaults)
    hit = _CATALOGS.get(key)
    if hit is None or hit[0] is not schema:
        if len(_CATALOGS) >= _MAX_CACHED_CATALOGS:
            _CATALOGS.clear()
        hit = (schema, SchemaCatalog(schema, dialect, defaults))
        _CATALOGS[key] = hit
    return hit[1].fork()


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    usable = (
        seconds is not None
        and seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def on_alarm(signum: int, frame: object) -> None:
        raise QueryTimeout

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)  # type: ignore[arg-type]
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


MAX_RECURSION = 6000


@contextmanager
def _deep_recursion() -> Iterator[None]:
    """Long chains of CTEs or nested subqueries recurse deeply in the walk."""
    previous = sys.getrecursionlimit()
    if previous >= MAX_RECURSION:
        yield
        return
    sys.setrecursionlimit(MAX_RECURSION)
    try:
        yield
    finally:
        sys.setrecursionlimit(previous)


def extract(
    sql: str,
    dialect: str | Dialect | None = None,
    default_db: str | None = None,
    default_schema: str | None = None,
    schema: SchemaInput | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    destination: str | None = None,
) -> QueryLineage:
    """Column lineage of every statement in ``sql``.

    ``schema`` maps table names to their columns (``{"db.t": ["a", "b"]}`` or with
    types); it expands ``SELECT *`` and settles ambiguous columns. ``destination``
    names the table a plain SELECT writes to (a BigQuery job's destination table, a
    dbt model's relation).

    >>> result = extract("INSERT INTO dst SELECT a, b + 1 AS c FROM src", dialect="duckdb")
    >>> [(str(e.downstream), [str(u) for u in e.upstreams], e.subkind.value) for e in result.edges]
    [('dst.a', ['src.a'], 'identity'), ('dst.c', ['src.b'], 'transformation')]
    """
    resolved = resolve_dialect(dialect)
    defaults = Defaults(db=_normal(default_db, resolved), schema=_normal(default_schema, resolved))
    catalog = catalog_for(schema, resolved, defaults)
    context = Context(resolved, defaults, catalog)
    if destination:
        try:
            context.destination = exp.to_table(destination, dialect=resolved)
        except (ParseError, TokenError) as error:
            raise LineageInputError(f"destination {destination!r} is not a table name") from error
    try:
        with time_limit(timeout), _deep_recursion():
            statements = _extract_script(sql, context)
    except QueryTimeout:
        return QueryLineage(sql=sql, error=f"timed out after {timeout:g}s")
    except RecursionError:
        return QueryLineage(sql=sql, error="query is nested too deeply to analyse")
    return QueryLineage(sql=sql, statements=tuple(statements))


def _normal(name: str | None, dialect: Dialect) -> str | None:
    if not name:
        return None
    return dialect.normalize_identifier(exp.to_identifier(name)).name


def _extract_script(sql: str, context: Context) -> list[StatementLineage]:
    try:
        parsed = sqlglot.parse(sql, dialect=context.dialect)
    except (ParseError, TokenError) as error:
        pieces = [p for p in re.split(r";\s*(?:\n|$)", sql) if p.strip()]
        if len(pieces) <= 1:
            return [_failed(sql, error)]
        results: list[StatementLineage] = []
        for piece in pieces:
            results.extend(_extract_script(piece, context))
        return results
    results = []
    single = sum(1 for s in parsed if s is not None) == 1
    for statement in _flatten(parsed):
        text = sql.strip() if single else _text_of(statement, context.dialect)
        body = _procedure_body(statement)
        if body is not None:
            # statements inside a procedure or block; its control flow is not lineage
            results.extend(
                s
                for s in _extract_script(body, context)
                if s.ok and s.statement_type not in (StatementType.OTHER, StatementType.UNKNOWN)
            )
            continue
        try:
            results.append(analyse(statement, text, context))
        except (QueryTimeout, RecursionError):
            raise
        except Exception as error:
            results.append(_failed(text, error))
    return results


def _flatten(statements: list[exp.Expr | None]) -> Iterator[exp.Expr]:
    """Statements of a script, with the statements of parsed blocks and procedures inlined."""
    for statement in statements:
        if statement is None:
            continue
        inner = statement
        if isinstance(statement, exp.Create) and isinstance(statement.expression, exp.Block):
            inner = statement.expression
        if isinstance(inner, exp.Block):
            yield from _flatten([_statement_or_block(e) for e in inner.expressions])
        else:
            yield statement


_WRITES = (exp.Insert, exp.Update, exp.Merge, exp.Delete, exp.Create)
_STATEMENTS = (exp.Query, exp.Block, *_WRITES)


def _statement_or_block(node: exp.Expr) -> exp.Expr:
    """Control flow (IF, WHILE, TRY) inside a procedure: the statements it holds."""
    if isinstance(node, _STATEMENTS):
        return node
    found = [
        n
        for n in node.find_all(*_WRITES)
        if not isinstance(n.parent, exp.When)
        and not any(isinstance(a, _WRITES) for a in _ancestors(n, node))
    ]
    return exp.Block(expressions=found) if found else node


def _ancestors(node: exp.Expr, stop: exp.Expr) -> Iterator[exp.Expr]:
    parent = node.parent
    while parent is not None and parent is not stop:
        yield parent
        parent = parent.parent


def _procedure_body(statement: exp.Expr) -> str | None:
    """The statements inside a CREATE PROCEDURE / BEGIN block, which sqlglot keeps as text."""
    command = statement
    if isinstance(statement, exp.Create) and str(statement.args.get("kind")).upper() in (
        "PROCEDURE",
        "FUNCTION",
    ):
        command = statement.expression
    if not isinstance(command, exp.Command):
        return None
    text = command.sql()
    if "BEGIN" not in text.upper():
        return None
    match = _BODY_RE.search(text)
    return match.group("body") if match else None


def _text_of(statement: exp.Expr, dialect: Dialect) -> str:
    try:
        return statement.sql(dialect=dialect)
    except Exception:
        return ""


def _failed(sql: str, error: Exception) -> StatementLineage:
    message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return StatementLineage(
        sql=sql, statement_type=StatementType.UNKNOWN, error=f"{type(error).__name__}: {message}"
    )
