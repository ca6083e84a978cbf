"""Table names: qualification with default db/schema, date shards, schemas by table.

Every real table of a statement gets one canonical name, ``catalog.db.table``
with the defaults filled in and BigQuery shards folded (``events_20240101``
and ``events_2024*`` both become ``events_yyyymmdd``), so that the same table
reached by different spellings is one node of the graph.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect

from loam.lineage.errors import LineageInputError

SHARD_SUFFIX = "yyyymmdd"
_SHARD_RE = re.compile(
    r"^(?P<prefix>.*?)(?P<date>(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))$"
)
_WILDCARD_RE = re.compile(r"^(?P<prefix>.*?)\d{0,8}\*$")

SchemaInput = Mapping[str, Mapping[str, str] | Iterable[str]]
"""Table schemas as given by a caller: ``{"db.table": {"col": "type"}}`` or ``{"db.table": ["col", ...]}``."""


def fold_shard(name: str) -> str:
    """Fold a date-sharded or partition-decorated table name onto its family name.

    >>> fold_shard("events_20240101"), fold_shard("events_2024*"), fold_shard("t$20240101")
    ('events_yyyymmdd', 'events_yyyymmdd', 't')
    """
    if "$" in name:
        name = name.split("$", 1)[0]
    wildcard = _WILDCARD_RE.match(name)
    if wildcard:
        return wildcard.group("prefix").rstrip("_") + "_" + SHARD_SUFFIX
    shard = _SHARD_RE.match(name)
    if shard:
        prefix = shard.group("prefix")
        if not prefix:
            return SHARD_SUFFIX
        if prefix.endswith("_"):
            return prefix + SHARD_SUFFIX
    return name


@dataclass(frozen=True, slots=True)
class Defaults:
    """The database (BigQuery project) and schema (BigQuery dataset) of unqualified tables."""

    db: str | None = None
    schema: str | None = None


def canonical_parts(parts: list[str], defaults: Defaults) -> list[str]:
    if len(parts) == 1:
        prefix = [p for p in (defaults.db, defaults.schema) if p]
        parts = prefix + parts
    elif len(parts) == 2 and defaults.db:
        parts = [defaults.db, *parts]
    parts = list(parts)
    parts[-1] = fold_shard(parts[-1])
    return parts


def normalized(name: str, dialect: Dialect) -> str:
    """One identifier as the dialect folds its case when it is not quoted."""
    return dialect.normalize_identifier(exp.to_identifier(name)).name


_QUOTES = frozenset("\"`[]'")


def table_name_parts(table: exp.Table) -> list[str]:
    return [part.name for part in table.parts]


class SchemaCatalog:
    """Known table schemas keyed by canonical table name (normalised for the dialect)."""

    def __init__(self, schema: SchemaInput | None, dialect: Dialect, defaults: Defaults) -> None:
        self.dialect = dialect
        self.tables: dict[str, dict[str, str]] = {}
        self._lower: dict[str, str] = {}
        self.defaults = defaults
        for table_name, columns in (schema or {}).items():
            self.add(table_name, columns)

    def fork(self) -> SchemaCatalog:
        """A copy that a script may extend without touching this one."""
        copy = SchemaCatalog(None, self.dialect, self.defaults)
        copy.tables = dict(self.tables)
        copy._lower = dict(self._lower)
        return copy

    def canonical(self, written: str) -> str:
        if not _QUOTES.intersection(written):
            parts = [normalized(p, self.dialect) for p in written.split(".")]
            return ".".join(canonical_parts(parts, self.defaults))
        try:
            table = exp.to_table(written, dialect=self.dialect)
        except Exception as error:  # sqlglot raises several error types for bad names
            raise LineageInputError(f"schema: {written!r} is not a table name: {error}") from error
        parts = [
            p.name if p.args.get("quoted") else normalized(p.name, self.dialect)
            for p in table.parts
        ]
        return ".".join(canonical_parts(parts, self.defaults))

    def add(self, table_name: str, columns: Mapping[str, str] | Iterable[str]) -> None:
        if isinstance(columns, str) or not isinstance(columns, Iterable):
            raise LineageInputError(
                f"schema: columns of {table_name!r} must be a mapping or a list of names"
            )
        pairs = columns.items() if isinstance(columns, Mapping) else ((c, "") for c in columns)
        cols: dict[str, str] = {}
        for column, type_ in pairs:
            top = str(column).split(".", 1)[0]
            cols.setdefault(normalized(top, self.dialect), str(type_ or "UNKNOWN"))
        key = self.canonical(table_name)
        self.tables[key] = cols
        self._lower[key.lower()] = key

    def set_columns(self, canonical: str, columns: Iterable[str]) -> None:
        """Record the columns of a table created by an earlier statement of a script."""
        cols = {c: "UNKNOWN" for c in columns if c != "*"}
        if cols:
            self.tables[canonical] = cols
            self._lower[canonical.lower()] = canonical

    def resolve(self, canonical: str) -> str | None:
        """The stored key for a table name, matching case-insensitively as a fallback."""
        if canonical in self.tables:
            return canonical
        return self._lower.get(canonical.lower())

    def columns(self, canonical: str) -> list[str] | None:
        key = self.resolve(canonical)
        return list(self.tables[key]) if key else None
