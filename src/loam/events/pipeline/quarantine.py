"""Quarantined events: look at them, and replay them once their schema is fixed.

A replay re-checks each quarantined event against the *active* version of its event as
it is now (a version the event named is dropped: versions never change, so fixing a
schema means publishing a new one); those
that pass go to the bus like new events (same event_id, so a second replay cannot
land them twice) and are marked ``replayed_at``; the others stay quarantined.
Runs where the warehouse is writable: in ``loam up`` (the API) or ``loam events replay``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import orjson

from loam.events.pipeline.loader import QUARANTINE_TABLE, q
from loam.events.pipeline.runtime import PipelineRuntime

NOT_REPLAYABLE = ("malformed_json", "undecodable_message")
_KEY = ("_bus_topic", "_bus_partition", "_bus_offset", "_bus_index")


@dataclass
class ReplayReport:
    considered: int = 0
    replayed: int = 0
    still_invalid: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)


def quarantine_exists(runtime: PipelineRuntime) -> bool:
    return QUARANTINE_TABLE in runtime.workspace.warehouse.tables()


def replay(
    runtime: PipelineRuntime, event_name: str | None = None, limit: int = 100_000
) -> ReplayReport:
    report = ReplayReport()
    if not quarantine_exists(runtime):
        return report
    wh = runtime.workspace.warehouse
    sql = (
        f"SELECT source, raw, {', '.join(_KEY)} FROM {q(QUARANTINE_TABLE)} "
        f"WHERE replayed_at IS NULL AND rule NOT IN {NOT_REPLAYABLE!r}"
    )
    params: list[Any] = []
    if event_name:
        sql += " AND event_name = ?"
        params.append(event_name)
    rows = wh.query(sql + f" ORDER BY _bus_offset LIMIT {int(limit)}", params).to_pylist()
    report.considered = len(rows)
    runtime.schemas.forget()  # a fixed schema must be seen now, not after the cache TTL
    by_source: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_source[row["source"] or "replay"].append(row)
    done: list[tuple[Any, ...]] = []
    chunk = runtime.settings.max_batch_events
    for source, group in by_source.items():
        for start in range(0, len(group), chunk):
            part = group[start : start + chunk]
            events = [_unpinned(orjson.loads(r["raw"])) for r in part]
            result = runtime.collector.ingest_events(events, source, quarantine=False)
            bad = {d["index"] for d in result.quarantined}
            report.problems.extend(result.quarantined[: max(0, 20 - len(report.problems))])
            report.still_invalid += len(bad)
            report.replayed += len(part) - len(bad)
            done.extend(tuple(r[k] for k in _KEY) for i, r in enumerate(part) if i not in bad)
    if done:
        with runtime.loader.lock:
            _mark_replayed(wh, done)
    return report


def _mark_replayed(wh: Any, done: list[tuple[Any, ...]]) -> None:
    if done:
        cur = wh.conn.cursor()
        try:
            cur.execute("CREATE TEMP TABLE _replayed (t VARCHAR, p INTEGER, o BIGINT, i INTEGER)")
            cur.executemany("INSERT INTO _replayed VALUES (?, ?, ?, ?)", [list(d) for d in done])
            cur.execute(
                f"UPDATE {q(QUARANTINE_TABLE)} SET replayed_at = now() FROM _replayed r "
                "WHERE _bus_topic = r.t AND _bus_partition = r.p AND _bus_offset = r.o AND _bus_index = r.i"
            )
            cur.execute("DROP TABLE _replayed")
        finally:
            cur.close()


def _unpinned(ev: Any) -> Any:
    if isinstance(ev, dict):
        ev.pop("schema_version", None)
    return ev
