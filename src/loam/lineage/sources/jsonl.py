"""A generic JSON-lines query log: one object per line with the SQL and, optionally,
who ran it and when.

Fields: ``sql`` (or ``query``), ``id``, ``timestamp`` (or ``created_at``),
``user``, ``dialect``, ``default_db``, ``default_schema``, ``destination``.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from loam.lineage.errors import QueryLogError
from loam.lineage.sources.base import (
    LoggedQuery,
    QueryLogBatch,
    ReadReport,
    as_utc,
    dedupe,
    parse_time,
)

SOURCE = "jsonl"


def read_query_log(
    path: str | Path, since: datetime | None = None, dialect: str | None = None
) -> QueryLogBatch:
    """Queries newer than ``since`` (records without a time are always kept), deduplicated."""
    path = Path(path)
    if not path.exists():
        raise QueryLogError(f"query log {path} does not exist")
    since = as_utc(since)
    report = ReadReport()
    kept: list[LoggedQuery] = []
    with path.open() as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise QueryLogError(f"{where}: not valid JSON: {error.msg}") from error
            if not isinstance(row, dict):
                raise QueryLogError(f"{where}: expected a JSON object per line")
            report.read += 1
            sql = row.get("sql", row.get("query"))
            if not isinstance(sql, str):
                raise QueryLogError(f"{where}: no 'sql' (or 'query') text field")
            created = parse_time(row.get("timestamp", row.get("created_at")), where)
            if created and (report.watermark is None or created > report.watermark):
                report.watermark = created
            if since is not None and created is not None and created <= since:
                report.skip("older than since")
                continue
            if not sql.strip():
                report.skip("no query text")
                continue
            kept.append(
                LoggedQuery(
                    query_id=str(row.get("id") or where),
                    sql=sql,
                    source=SOURCE,
                    created_at=created,
                    user=row.get("user"),
                    dialect=row.get("dialect") or dialect,
                    default_db=row.get("default_db"),
                    default_schema=row.get("default_schema"),
                    destination_table=row.get("destination"),
                )
            )
    return QueryLogBatch(dedupe(kept, report), report)
