"""SQL across engines: parse in one dialect, write in another, with sqlglot.

>>> transpile("SELECT SAFE_DIVIDE(a, b) FROM t", "bigquery", "duckdb")
'SELECT CASE WHEN b <> 0 THEN a / b ELSE NULL END FROM t'
"""

from __future__ import annotations

import functools

import sqlglot
from sqlglot.errors import ParseError

from loam.core.errors import InvalidInput


@functools.lru_cache(maxsize=2048)
def transpile(sql: str, source: str, target: str) -> str:
    """One or more statements from ``source`` to ``target`` dialect; same dialect is a no-op."""
    if source == target:
        return sql
    try:
        return ";\n".join(sqlglot.transpile(sql, read=source, write=target))
    except ParseError as exc:
        raise InvalidInput(f"SQL does not parse as {source}: {exc}") from exc


def quote_identifier(name: str, dialect: str) -> str:
    return sqlglot.exp.to_identifier(name, quoted=True).sql(dialect=dialect)


def quote_text(text: str) -> str:
    """A SQL string literal (standard quoting, as DuckDB, PostgreSQL and SQLite read it):
    for values SQL cannot take as parameters, such as file paths in ``read_parquet``.

    >>> quote_text("it's")
    "'it''s'"
    """
    return "'" + text.replace("'", "''") + "'"
