"""Daily volume of one event: rows loaded, quarantined (with the top reasons), duplicates.

What the event page's chart shows. Every count comes from the warehouse, so it agrees
with what an analyst queries:

- ``loaded``: rows of the event in its tables (``name``, ``name_v2``, ...) by **event
  date** (``client_ts`` in UTC), filtered on ``event_name`` so a table shared by name
  cannot mix events;
- ``quarantined``: rows of ``events_quarantine`` for the event by the UTC day they were
  **received** (a broken event may have no usable timestamp of its own);
- ``natural_duplicates`` / ``synthetic_duplicates``: from ``_loam.load_counts`` by the UTC
  day they were **loaded** (the loader counts them per table, not per event date).

Only what the loader committed is counted; events still on the bus or in the lake show
up once loaded (``/api/events/stats`` gives the lag).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from loam.core.errors import InvalidInput, NotFound
from loam.core.warehouse import Warehouse
from loam.events.pipeline.loader import QUARANTINE_TABLE, q
from loam.events.pipeline.runtime import PipelineRuntime

MAX_DAYS = 90
TOP_REASONS = 3
LOAD_COUNTS = "_loam.load_counts"


class EventHasNoVolume(NotFound):
    code = "event_not_found"


@dataclass
class DayVolume:
    day: date
    loaded: int = 0
    quarantined: int = 0
    natural_duplicates: int = 0
    synthetic_duplicates: int = 0
    reasons: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "loaded": self.loaded,
            "quarantined": self.quarantined,
            "natural_duplicates": self.natural_duplicates,
            "synthetic_duplicates": self.synthetic_duplicates,
            "reasons": self.reasons,
        }


def event_tables(warehouse: Warehouse, name: str) -> list[str]:
    """The warehouse tables holding ``name``: ``name`` (MODEL 1) and ``name_vN`` (MODEL N)."""
    own = re.compile(re.escape(name) + r"(_v[2-9]|_v[1-9][0-9]+)?")
    return [t for t in warehouse.tables() if own.fullmatch(t)]


def event_volume(
    runtime: PipelineRuntime, name: str, days: int, *, today: date | None = None
) -> dict[str, Any]:
    """Per-day counts of ``name`` for the ``days`` UTC days ending ``today`` (oldest first).

    Raises ``EventHasNoVolume`` (404) when neither a schema source nor the warehouse
    knows the event.
    """
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(
            f"days must be between 1 and {MAX_DAYS}, got {days}",
            details=[{"where": "days", "problem": "out of range", "value": days}],
        )
    wh = runtime.workspace.warehouse
    tables = event_tables(wh, name)
    all_tables = set(wh.tables())
    if not tables and not _known(runtime, name):
        raise EventHasNoVolume(
            f"no event '{name}': it has no schema and nothing was collected for it",
            details=[{"where": "name", "problem": "unknown event", "value": name}],
        )
    last = today or datetime.now(UTC).date()
    first = last - timedelta(days=days - 1)
    start = datetime.combine(first, time.min, UTC)
    end = datetime.combine(last + timedelta(days=1), time.min, UTC)
    series = {first + timedelta(days=i): DayVolume(first + timedelta(days=i)) for i in range(days)}

    for day, n in _loaded_by_day(wh, tables, name, start, end):
        series[day].loaded = n
    reasons: dict[str, int] = {}
    replayed = 0
    if QUARANTINE_TABLE in all_tables:
        replayed = _quarantined_by_day(wh, name, start, end, series, reasons)
    if LOAD_COUNTS in all_tables and tables:
        _duplicates_by_day(wh, tables, start, end, series)

    rows = [series[d] for d in sorted(series)]
    return {
        "event": name,
        "days": days,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "tables": tables,
        "series": [r.as_dict() for r in rows],
        "totals": {
            "loaded": sum(r.loaded for r in rows),
            "quarantined": sum(r.quarantined for r in rows),
            "replayed": replayed,
            "natural_duplicates": sum(r.natural_duplicates for r in rows),
            "synthetic_duplicates": sum(r.synthetic_duplicates for r in rows),
            "reasons": _top(reasons, limit=5),
        },
    }


def _known(runtime: PipelineRuntime, name: str) -> bool:
    # Ask past the cache: an event registered a second ago must not answer 404.
    source = runtime.schemas.inner
    return source.active(name) is not None


def _loaded_by_day(
    wh: Warehouse, tables: list[str], name: str, start: datetime, end: datetime
) -> list[tuple[date, int]]:
    if not tables:
        return []
    # timezone('UTC', ts) gives the wall-clock time in UTC whatever the session's zone.
    parts = [
        f"SELECT timezone('UTC', client_ts)::DATE AS day FROM {q(t)} "
        "WHERE event_name = ? AND client_ts >= ? AND client_ts < ?"
        for t in tables
    ]
    params: list[Any] = []
    for _ in tables:
        params.extend([name, start, end])
    rows = wh.query(
        f"SELECT day, count(*) AS n FROM ({' UNION ALL '.join(parts)}) GROUP BY day", params
    ).to_pylist()
    return [(r["day"], int(r["n"])) for r in rows]


def _quarantined_by_day(
    wh: Warehouse,
    name: str,
    start: datetime,
    end: datetime,
    series: dict[date, DayVolume],
    reasons: dict[str, int],
) -> int:
    rows = wh.query(
        "SELECT timezone('UTC', received_at)::DATE AS day, rule, count(*) AS n, "
        f"count(replayed_at) AS replayed FROM {q(QUARANTINE_TABLE)} "
        "WHERE event_name = ? AND received_at >= ? AND received_at < ? GROUP BY 1, 2",
        [name, start, end],
    ).to_pylist()
    per_day: dict[date, dict[str, int]] = {}
    replayed = 0
    for r in rows:
        n = int(r["n"])
        rule = str(r["rule"])
        series[r["day"]].quarantined += n
        per_day.setdefault(r["day"], {})[rule] = n
        reasons[rule] = reasons.get(rule, 0) + n
        replayed += int(r["replayed"])
    for day, by_rule in per_day.items():
        series[day].reasons = _top(by_rule, limit=TOP_REASONS)
    return replayed


def _duplicates_by_day(
    wh: Warehouse, tables: list[str], start: datetime, end: datetime, series: dict[date, DayVolume]
) -> None:
    marks = ", ".join("?" for _ in tables)
    rows = wh.query(
        "SELECT timezone('UTC', loaded_at)::DATE AS day, "
        "sum(natural_duplicates)::BIGINT AS natural, sum(synthetic_duplicates)::BIGINT AS synthetic "
        f"FROM {LOAD_COUNTS} WHERE table_name IN ({marks}) AND loaded_at >= ? AND loaded_at < ? "
        "GROUP BY 1",
        [*tables, start, end],
    ).to_pylist()
    for r in rows:
        series[r["day"]].natural_duplicates = int(r["natural"] or 0)
        series[r["day"]].synthetic_duplicates = int(r["synthetic"] or 0)


def _top(counts: dict[str, int], *, limit: int) -> list[dict[str, Any]]:
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return [{"rule": rule, "count": n} for rule, n in ranked]
