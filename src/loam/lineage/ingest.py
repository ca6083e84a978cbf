"""Ingestion: read a source, extract lineage, keep it in the store, log the run.

Sources (``kind``):

* ``bigquery-jobs``: an ``INFORMATION_SCHEMA.JOBS`` export, incremental: a run starts
  after the watermark (newest creation time) the last successful run of the same
  ``name`` reached, unless ``since`` or ``full`` says otherwise;
* ``query-log``: a JSON-lines query log (incremental the same way);
* ``dbt-manifest``: compiled models, with owners, documented columns and PII tags;
* ``warehouse``: the workspace warehouse's tables and columns, as nodes;
* ``events``: the Event Center's event schemas (or a JSON file of definitions).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlglot.dialects.dialect import Dialect

from loam.lineage.errors import LineageInputError
from loam.lineage.model import (
    ColumnEdge,
    ColumnRef,
    EdgeSubkind,
    QueryLineage,
    StatementLineage,
    StatementType,
)
from loam.lineage.names import normalized
from loam.lineage.parallel import Query, iter_extract
from loam.lineage.runs import RunLog
from loam.lineage.schemas import (
    event_tables,
    read_event_definitions,
    registry_definitions,
    registry_envelope,
    struct_fields,
)
from loam.lineage.sources import LoggedQuery, read_bigquery_jobs, read_dbt_manifest, read_query_log
from loam.lineage.store import LineageStore, RecordStats

SOURCE_KINDS = ("bigquery-jobs", "query-log", "dbt-manifest", "warehouse", "events")
NEEDS_PATH = ("bigquery-jobs", "query-log", "dbt-manifest")
BATCH = 500

Progress = Callable[[int, int], None]
"""Called with (done, total) as queries are processed."""


@dataclass(slots=True)
class IngestReport:
    run_id: int
    source: str
    name: str
    since: datetime | None = None
    watermark: datetime | None = None
    read: int = 0
    kept: int = 0
    duplicates: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    failed: int = 0
    edges: int = 0
    columns: int = 0
    owners: int = 0
    tags: int = 0
    seconds: float = 0.0
    errors: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["since"] = self.since.isoformat() if self.since else None
        data["watermark"] = self.watermark.isoformat() if self.watermark else None
        data["errors"] = [{"query": q, "reason": r} for q, r in self.errors]
        return data

    def stats(self) -> dict[str, Any]:
        data = self.as_dict()
        for key in ("run_id", "source", "name", "since", "watermark"):
            data.pop(key)
        return data


@dataclass(slots=True)
class IngestOptions:
    name: str | None = None
    since: datetime | None = None
    full: bool = False
    dialect: str | None = None
    default_db: str | None = None
    default_schema: str | None = None
    dataset: str | None = None
    """Warehouse/events: the dataset (or project.dataset) their tables live under."""
    processes: int = 1
    timeout: float | None = 10.0


def ingest(
    store: LineageStore,
    kind: str,
    path: str | Path | None = None,
    *,
    options: IngestOptions | None = None,
    workspace: Any = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Read one source into the store and record the run."""
    options = options or IngestOptions()
    if kind not in SOURCE_KINDS:
        raise LineageInputError(
            f"unknown source kind {kind!r}: use one of {', '.join(SOURCE_KINDS)}"
        )
    if kind in NEEDS_PATH and path is None:
        raise LineageInputError(f"source {kind} needs the path of the file to read")
    if kind == "warehouse" and workspace is None:
        raise LineageInputError("source warehouse needs a workspace")
    runs = RunLog(store.catalog)
    name = options.name or kind
    since = options.since
    if since is None and not options.full and kind in ("bigquery-jobs", "query-log"):
        since = runs.last_watermark(name)
    location = str(path) if path is not None else "workspace"
    report = IngestReport(runs.start(kind, name, location, since), kind, name, since=since)
    started = time.perf_counter()
    try:
        if kind == "bigquery-jobs":
            batch = read_bigquery_jobs(path, since=since, default_project=options.default_db)  # type: ignore[arg-type]
            _queries(store, batch.queries, batch.report, report, options, progress)
        elif kind == "query-log":
            batch = read_query_log(path, since=since, dialect=options.dialect)  # type: ignore[arg-type]
            _queries(store, batch.queries, batch.report, report, options, progress)
        elif kind == "dbt-manifest":
            _dbt(store, Path(path), report, options, progress)  # type: ignore[arg-type]
        elif kind == "warehouse":
            _warehouse(store, workspace, report, options)
        else:
            _events(store, path, workspace, report, options)
    except BaseException as error:
        report.seconds = time.perf_counter() - started
        message = getattr(error, "message", None) or str(error) or type(error).__name__
        runs.finish(report.run_id, "failed", report.stats(), None, message)
        raise
    report.seconds = round(time.perf_counter() - started, 3)
    runs.finish(report.run_id, "ok", report.stats(), report.watermark)
    return report


def _queries(
    store: LineageStore,
    queries: list[LoggedQuery],
    read: Any,
    report: IngestReport,
    options: IngestOptions,
    progress: Progress | None,
) -> None:
    report.read, report.kept, report.duplicates = read.read, read.kept, read.duplicates
    report.skipped = dict(read.skipped)
    report.watermark = read.watermark or report.since
    _extract_into(store, queries, report, options, progress)


def _extract_into(
    store: LineageStore,
    queries: list[LoggedQuery],
    report: IngestReport,
    options: IngestOptions,
    progress: Progress | None,
    schema: dict[str, list[str]] | None = None,
) -> None:
    known = store.schema()
    known.update(schema or {})
    jobs = (
        Query(
            q.sql,
            q.dialect,
            q.default_db or options.default_db,
            q.default_schema or options.default_schema,
            q.destination_table,
        )
        for q in queries
    )
    results = iter_extract(
        jobs,
        dialect=options.dialect,
        schema=known,
        timeout=options.timeout,
        processes=options.processes,
        chunksize=16,
    )
    total = len(queries)
    stats = RecordStats()
    if progress:
        progress(0, total)
    done = 0
    for part in _batches(zip(queries, results, strict=True), BATCH):
        chunk = store.record(part)
        stats.queries += chunk.queries
        stats.failed += chunk.failed
        stats.edges += chunk.edges
        stats.errors.extend(chunk.errors[: max(0, 20 - len(stats.errors))])
        done += len(part)
        if progress:
            progress(done, total)
    report.failed, report.edges, report.errors = stats.failed, stats.edges, stats.errors


def _batches(
    pairs: Iterable[tuple[LoggedQuery, QueryLineage]], size: int
) -> Iterator[list[tuple[LoggedQuery, QueryLineage]]]:
    batch: list[tuple[LoggedQuery, QueryLineage]] = []
    for pair in pairs:
        batch.append(pair)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _dbt(
    store: LineageStore,
    path: Path,
    report: IngestReport,
    options: IngestOptions,
    progress: Progress | None,
) -> None:
    project = read_dbt_manifest(path)
    report.read, report.kept = project.report.read, project.report.kept
    report.skipped = dict(project.report.skipped)
    dialect = Dialect.get_or_raise(options.dialect or project.dialect)

    def fold(column: str) -> str:  # documented names as the dialect folds them (Snowflake: upper)
        return ".".join(normalized(part, dialect) for part in column.split("."))

    project.schema = {t: [fold(c) for c in cols] for t, cols in project.schema.items()}
    project.tags = {(t, fold(c)): tags for (t, c), tags in project.tags.items()}
    report.columns = store.add_columns(
        ((table, column, None) for table, columns in project.schema.items() for column in columns),
        origin="dbt",
    )
    for table, owner in project.owners.items():
        store.set_owner(table, owner, source="dbt")
    report.owners = len(project.owners)
    for (table, column), tags in project.tags.items():
        for tag in tags:
            store.tag(ColumnRef(table, column), tag, source="dbt")
            report.tags += 1
    if project.dialect and not options.dialect:
        options.dialect = project.dialect
    _extract_into(store, project.queries, report, options, progress, schema=project.schema)


def _warehouse(
    store: LineageStore, workspace: Any, report: IngestReport, options: IngestOptions
) -> None:
    warehouse = workspace.warehouse
    rows: list[tuple[str, str, str | None]] = []
    for table in warehouse.tables():
        report.read += 1
        name = f"{options.dataset}.{table}" if options.dataset else table
        for column in warehouse.columns(table):
            rows.append((name, column.name, column.type))
            rows.extend(
                (name, path, kind) for path, kind in struct_fields(column.type, column.name)
            )
    report.kept = report.read
    report.columns = store.add_columns(rows, origin="warehouse")


def _events(
    store: LineageStore,
    path: str | Path | None,
    workspace: Any,
    report: IngestReport,
    options: IngestOptions,
) -> None:
    if path is not None:
        definitions: list[Any] = read_event_definitions(path)
    elif workspace is not None:
        definitions = registry_definitions(workspace)
    else:
        raise LineageInputError("source events needs a workspace or a file of definitions")
    tables = event_tables(definitions, options.dataset, registry_envelope())
    report.read = report.kept = len(tables)
    rows: list[tuple[str, str, str | None]] = []
    pairs: list[tuple[LoggedQuery, QueryLineage]] = []
    for table in tables:
        edges = []
        for column in table.columns:
            rows.append((table.table, column.path, column.type))
            rows.append((table.event_node, column.path, column.type))
            edges.append(
                ColumnEdge(
                    ColumnRef(table.table, column.path),
                    (ColumnRef(table.event_node, column.path),),
                    EdgeSubkind.IDENTITY,
                    f"event {table.event}: {column.path}",
                    1.0,
                )
            )
            if column.pii:
                for node in (table.event_node, table.table):
                    if store.tag(ColumnRef(node, column.path), "pii", source="events"):
                        report.tags += 1
        if table.owner:
            store.set_owner(table.table, table.owner, source="events")
            store.set_owner(table.event_node, table.owner, source="events")
            report.owners += 1
        sql = f"LOAD EVENT {table.event} INTO {table.table}"  # the event pipeline's load
        statement = StatementLineage(
            sql, StatementType.INSERT, (table.event_node,), (table.table,), tuple(edges)
        )
        pairs.append(
            (
                LoggedQuery(f"events:{table.event}", sql, "events", user="event pipeline"),
                QueryLineage(sql, (statement,)),
            )
        )
    report.columns = store.add_columns(rows, origin="events")
    report.edges = store.record(pairs).edges
