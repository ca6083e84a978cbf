"""What every query-log reader produces, and the pieces they share."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from loam.lineage.errors import QueryLogError

_COMMENT_RE = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)
_SPACE_RE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class LoggedQuery:
    """One query as a log recorded it."""

    query_id: str
    sql: str
    source: str
    created_at: datetime | None = None
    user: str | None = None
    dialect: str | None = None
    default_db: str | None = None
    default_schema: str | None = None
    destination_table: str | None = None
    """Where a plain SELECT wrote its rows (BigQuery destination, dbt relation)."""
    statement_type: str | None = None
    referenced_tables: tuple[str, ...] = ()
    occurrences: int = 1

    @property
    def query_hash(self) -> str:
        return query_hash(self.sql)


@dataclass(slots=True)
class ReadReport:
    """How many records a reader saw, kept and skipped, and why."""

    read: int = 0
    kept: int = 0
    duplicates: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    watermark: datetime | None = None
    """The newest creation time seen: pass it as ``since`` next time."""

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


@dataclass(slots=True)
class QueryLogBatch:
    queries: list[LoggedQuery]
    report: ReadReport


def normalise_sql(sql: str) -> str:
    """Comments dropped, whitespace collapsed, trailing semicolons removed."""
    text = _COMMENT_RE.sub(" ", sql)
    return _SPACE_RE.sub(" ", text).strip().rstrip(";").strip()


def query_hash(sql: str) -> str:
    """Stable hash of a query's normalised text: reruns of one query share it.

    >>> query_hash("SELECT 1 -- first") == query_hash("select 1;".replace("select", "SELECT"))
    True
    """
    return hashlib.sha256(normalise_sql(sql).encode()).hexdigest()


def parse_time(value: object, where: str) -> datetime | None:
    """A creation time as BigQuery exports write it (ISO, ``... UTC``, or epoch seconds)."""
    if value in (None, ""):
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(float(value), tz=UTC)
    text = str(value).strip()
    if text.endswith(" UTC"):
        text = text[:-4] + "+00:00"
    text = text.replace("Z", "+00:00") if text.endswith("Z") else text
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise QueryLogError(f"{where}: {value!r} is not a timestamp") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def as_utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def dedupe(queries: Iterable[LoggedQuery], report: ReadReport) -> list[LoggedQuery]:
    """One record per normalised query text (the first seen), counting reruns."""
    kept: dict[str, LoggedQuery] = {}
    counts: dict[str, int] = {}
    for query in queries:
        key = query.query_hash
        if key in kept:
            report.duplicates += 1
            counts[key] += 1
            continue
        kept[key] = query
        counts[key] = 1
    result = [
        dataclasses.replace(query, occurrences=counts[key]) if counts[key] > 1 else query
        for key, query in kept.items()
    ]
    report.kept = len(result)
    return result
