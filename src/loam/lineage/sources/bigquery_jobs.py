"""BigQuery ``INFORMATION_SCHEMA.JOBS`` exports, read offline.

An export is JSON lines (``bq query --format=json`` / ``EXPORT DATA ... FORMAT
JSON``) or CSV with the JOBS columns: ``job_id``, ``creation_time``, ``query``,
``state``, ``error_result``, ``statement_type``, ``destination_table``,
``referenced_tables``, ``project_id``, ``user_email``, ``parent_job_id``.

Kept: finished, successful query jobs newer than ``since``, one per normalised
query text. Skipped (and counted): failed jobs, unfinished jobs, SCRIPT parents
(their child jobs carry the statements), queries of INFORMATION_SCHEMA.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from loam.lineage.errors import QueryLogError
from loam.lineage.sources.base import (
    LoggedQuery,
    QueryLogBatch,
    ReadReport,
    as_utc,
    dedupe,
    parse_time,
)

_INFO_SCHEMA_RE = re.compile(r"\bINFORMATION_SCHEMA\b", re.IGNORECASE)
SOURCE = "bigquery_jobs"


def _records(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    if not path.exists():
        raise QueryLogError(f"query log {path} does not exist")
    if path.suffix.lower() == ".csv":
        with path.open(newline="") as handle:
            for number, row in enumerate(csv.DictReader(handle), start=2):
                yield f"{path}:{number}", dict(row)
        return
    with path.open() as handle:
        first = handle.read(1)
        handle.seek(0)
        if first == "[":  # a JSON array rather than JSON lines
            try:
                rows = json.load(handle)
            except json.JSONDecodeError as error:
                raise QueryLogError(f"{path}: not valid JSON: {error}") from error
            for number, row in enumerate(rows, start=1):
                yield f"{path}[{number}]", row
            return
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise QueryLogError(f"{path}:{number}: not valid JSON: {error.msg}") from error
            if not isinstance(row, dict):
                raise QueryLogError(f"{path}:{number}: expected a JSON object per line")
            yield f"{path}:{number}", row


def _json_field(value: Any) -> Any:
    """CSV exports hold records and arrays as JSON text."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def table_name(value: Any) -> str | None:
    """``{"project_id", "dataset_id", "table_id"}`` or ``"p.d.t"`` / ``"p:d.t"`` -> ``p.d.t``."""
    value = _json_field(value)
    if not value:
        return None
    if isinstance(value, dict):
        parts = [value.get("project_id"), value.get("dataset_id"), value.get("table_id")]
        return ".".join(str(p) for p in parts if p) or None
    return str(value).replace(":", ".")


def _failed(value: Any) -> bool:
    value = _json_field(value)
    if isinstance(value, dict):
        return bool(value.get("reason") or value.get("message"))
    return bool(value) and str(value).lower() not in ("null", "none")


def read_bigquery_jobs(
    path: str | Path,
    since: datetime | None = None,
    default_project: str | None = None,
) -> QueryLogBatch:
    """Queries of an exported JOBS view newer than ``since``, deduplicated.

    The report's ``watermark`` is the newest creation time read: the ``since`` of
    the next incremental run.
    """
    since = as_utc(since)
    report = ReadReport()
    kept: list[LoggedQuery] = []
    for where, row in _records(Path(path)):
        report.read += 1
        created = parse_time(row.get("creation_time"), f"{where} creation_time")
        if created and (report.watermark is None or created > report.watermark):
            report.watermark = created
        if since is not None and created is not None and created <= since:
            report.skip("older than since")
            continue
        sql = row.get("query")
        if not sql or not str(sql).strip():
            report.skip("no query text")
            continue
        if row.get("job_type") not in (None, "", "QUERY"):
            report.skip("not a query job")
            continue
        if _failed(row.get("error_result")):
            report.skip("failed")
            continue
        if str(row.get("state") or "DONE").upper() != "DONE":
            report.skip("not finished")
            continue
        statement_type = str(row.get("statement_type") or "").upper() or None
        if statement_type == "SCRIPT":
            report.skip("script parent")
            continue
        if _INFO_SCHEMA_RE.search(str(sql)):
            report.skip("information_schema")
            continue
        destination = table_name(row.get("destination_table"))
        if destination and destination.split(".")[-2].startswith("_"):
            destination = None  # an anonymous results table, not a dataset table
        referenced = _json_field(row.get("referenced_tables")) or []
        kept.append(
            LoggedQuery(
                query_id=str(row.get("job_id") or where),
                sql=str(sql),
                source=SOURCE,
                created_at=created,
                user=row.get("user_email") or None,
                dialect="bigquery",
                default_db=row.get("project_id") or default_project,
                destination_table=destination if statement_type == "SELECT" else None,
                statement_type=statement_type,
                referenced_tables=tuple(t for t in (table_name(r) for r in referenced if r) if t),
            )
        )
    return QueryLogBatch(dedupe(kept, report), report)
