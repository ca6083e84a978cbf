"""What the pipeline did: accepted, quarantined by reason, duplicates, lag, rows loaded.

Counts come from the warehouse (what the loader committed) and the bus (what is still
on its way), so they agree with the tables an analyst queries.
"""

from __future__ import annotations

from typing import Any

from loam.events.pipeline.loader import QUARANTINE_TABLE, q
from loam.events.pipeline.runtime import PipelineRuntime


def pipeline_stats(runtime: PipelineRuntime) -> dict[str, Any]:
    ws = runtime.workspace
    settings = runtime.settings
    wh = ws.warehouse
    tables = set(wh.tables())
    by_table: dict[str, int] = {}
    natural = synthetic = 0
    if "_loam.load_counts" in tables:
        for row in wh.query(
            "SELECT table_name, sum(loaded)::BIGINT AS loaded, sum(natural_duplicates)::BIGINT AS n, "
            "sum(synthetic_duplicates)::BIGINT AS s FROM _loam.load_counts GROUP BY 1 ORDER BY 1"
        ).to_pylist():
            by_table[row["table_name"]] = int(row["loaded"])
            natural += int(row["n"])
            synthetic += int(row["s"])
    by_rule: dict[str, int] = {}
    replayed = 0
    if QUARANTINE_TABLE in tables:
        for row in wh.query(
            f"SELECT rule, count(*) AS n, count(replayed_at) AS r FROM {q(QUARANTINE_TABLE)} "
            "GROUP BY 1 ORDER BY 2 DESC"
        ).to_pylist():
            by_rule[row["rule"]] = int(row["n"])
            replayed += int(row["r"])
    lag = {}
    for name, topic in (("events", settings.topic), ("quarantine", settings.quarantine_topic)):
        try:
            ws.bus.create_topic(topic)
            lag[name] = {str(p): n for p, n in sorted(ws.bus.lag(settings.group, topic).items())}
        except Exception as exc:  # the bus being down must not hide the rest
            lag[name] = {"error": str(exc).splitlines()[0]}
    pending_files = len(runtime.loader.pending("events")) + len(
        runtime.loader.pending("quarantine")
    )
    loaded = sum(by_table.values())
    lag_total = sum(v for part in lag.values() for v in part.values() if isinstance(v, int))
    return {
        "accepted": loaded + natural + synthetic,
        "loaded": {"total": loaded, "by_table": by_table},
        "duplicates": {"natural": natural, "synthetic": synthetic},
        "quarantined": {"total": sum(by_rule.values()), "by_rule": by_rule, "replayed": replayed},
        "lag": {"total": lag_total, "by_topic": lag},
        "files_waiting": pending_files,
    }
