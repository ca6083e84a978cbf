"""The loader: lake files into warehouse tables, exactly once, in one transaction per batch.

Only one process may write a DuckDB file, so one loader moves what the processors
landed. Each batch is one transaction that inserts the rows, records the files it
loaded and every delivery it saw (``_loam.seen``: event_id, fingerprint and bus position,
kept for ``dedup_window_days``), and adds to the duplicate counts. Dedup is a vectorised
anti-join in DuckDB:

- a row whose bus position was seen before is a replay of a crashed processor: skipped,
  not counted;
- otherwise the first delivery of an event_id is kept; later ones are duplicates,
  *natural* when their fingerprint equals the kept one's, *synthetic* when it differs.

Tables: one per event and MODEL (``click_item_home``, ``click_item_home_v2``) with
params as typed columns, ``events`` (a view stacking them, each event's params as ``<table>__<param>`` columns), and ``events_quarantine``. A new optional parameter
becomes ``ALTER TABLE ADD COLUMN``; nothing is rewritten.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from loam.core.dialects import quote_identifier
from loam.core.lake import Lake
from loam.core.warehouse import Warehouse
from loam.events.pipeline.processor import DELIVERY, ENVELOPE, EVENTS_DATASET, QUARANTINE_DATASET
from loam.events.pipeline.settings import PipelineSettings

log = logging.getLogger("loam.events.loader")

ALL_EVENTS = "events"
QUARANTINE_TABLE = "events_quarantine"
INTERNAL = "_fp, _bus_partition, _bus_offset, _bus_index"
INTERNAL_COLUMNS = frozenset(INTERNAL.split(", "))
COMMON = (*ENVELOPE, "server_ts", "source")

_SETUP = """
CREATE SCHEMA IF NOT EXISTS _loam;
CREATE TABLE IF NOT EXISTS _loam.loaded_files (
    path VARCHAR, dataset VARCHAR, rows BIGINT, loaded_at TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS _loam.seen (
    event_id UUID, fp BIGINT, bus_partition INTEGER, bus_offset BIGINT, bus_index INTEGER,
    kept BOOLEAN, loaded_at TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS _loam.load_counts (
    loaded_at TIMESTAMPTZ, table_name VARCHAR, loaded BIGINT,
    natural_duplicates BIGINT, synthetic_duplicates BIGINT);
"""


def q(name: str) -> str:
    return quote_identifier(name, "duckdb")


@dataclass
class LoadReport:
    files: int = 0
    loaded: int = 0
    natural_duplicates: int = 0
    synthetic_duplicates: int = 0
    quarantined: int = 0
    tables: dict[str, int] = field(default_factory=dict)
    cut: bool = False  # the batch stopped at a limit: more files are waiting


class Loader:
    def __init__(self, lake: Lake, warehouse: Warehouse, settings: PipelineSettings) -> None:
        if warehouse.capabilities.engine != "duckdb":
            raise NotImplementedError(
                "the events loader writes to DuckDB; BigQuery loading is not built yet"
            )
        self.lake = lake
        self.warehouse = warehouse
        self.settings = settings
        self._conn: duckdb.DuckDBPyConnection = warehouse.conn  # type: ignore[attr-defined]
        self.lock = threading.Lock()  # one batch at a time; replays take it too
        cur = self._conn.cursor()
        try:
            cur.execute(_SETUP)
            done = cur.execute("SELECT path FROM _loam.loaded_files").fetchall()
        finally:
            cur.close()
        self._loaded: set[str] = {r[0] for r in done}
        self._settled: dict[str, int] = {}  # folder -> mtime when all its files were loaded
        self._batches = 0

    # -- finding work ----------------------------------------------------------------

    def pending(self, dataset: str) -> list[str]:
        """Committed lake files of ``dataset`` not loaded yet, in path order.

        Locally, a partition folder whose modification time has not moved since every
        file in it was loaded is not listed again, so finding work stays cheap however
        many files the lake has accumulated.
        """
        if not self.lake.local:
            return [p for p in self.lake.files(dataset) if p not in self._loaded]
        found: list[str] = []
        for folder, mtime in _leaf_folders(self.lake.fs, f"{self.lake.root}/{dataset}"):
            if self._settled.get(folder) == mtime:
                continue
            names = _parquet_files(self.lake.fs, folder)
            fresh = [p for p in names if p not in self._loaded]
            if fresh:
                found.extend(fresh)
            elif time.time_ns() - mtime > 2_000_000_000:
                # Settled only once its mtime is well in the past: file-system clocks are
                # coarse, and a file landing in the same tick must still move it.
                self._settled[folder] = mtime
        return sorted(found)

    def run(self, stop: threading.Event, interval_s: float | None = None) -> None:
        wait = interval_s or self.settings.loader_interval_seconds
        while not stop.is_set():
            try:
                report = self.load_once()
            except Exception:
                log.exception("loading events failed; retrying")
                report = LoadReport()
            if not self.backlogged(report):
                stop.wait(wait)  # let files gather: one transaction per interval, not per file

    def backlogged(self, report: LoadReport) -> bool:
        """Whether the last batch was cut short by the batch limits (more is waiting)."""
        return report.cut

    def _take(self, files: list[str], report: LoadReport) -> list[str]:
        """The first files of ``files`` within the batch limits (always at least one)."""
        taken: list[str] = []
        size = 0
        for path in files:
            if taken and (
                len(taken) >= self.settings.loader_max_files
                or size >= self.settings.loader_max_bytes
            ):
                report.cut = True
                break
            taken.append(path)
            size += int(self.lake.fs.get_file_info(path).size or 0)
        return taken

    def load_all(self) -> LoadReport:
        """Load until nothing is pending; the totals."""
        total = LoadReport()
        while True:
            r = self.load_once()
            if r.files == 0:
                return total
            total.files += r.files
            total.loaded += r.loaded
            total.natural_duplicates += r.natural_duplicates
            total.synthetic_duplicates += r.synthetic_duplicates
            total.quarantined += r.quarantined
            for t, n in r.tables.items():
                total.tables[t] = total.tables.get(t, 0) + n

    def load_once(self) -> LoadReport:
        """Load one batch of pending files (events and quarantine) in one transaction."""
        with self.lock:
            report = LoadReport()
            events = self._take(self.pending(EVENTS_DATASET), report)
            quarantine = self._take(self.pending(QUARANTINE_DATASET), report)
            if not events and not quarantine:
                return report
            report.files = len(events) + len(quarantine)
            cur = self._conn.cursor()
            try:
                cur.begin()
                if events:
                    self._load_events(cur, events, report)
                if quarantine:
                    self._load_quarantine(cur, quarantine, report)
                self._record_files(cur, events, EVENTS_DATASET)
                self._record_files(cur, quarantine, QUARANTINE_DATASET)
                self._batches += 1
                if self._batches % 100 == 1:
                    cur.execute(
                        "DELETE FROM _loam.seen WHERE loaded_at < now() - to_days(?)",
                        [self.settings.dedup_window_days],
                    )
                cur.commit()
            except BaseException:
                cur.rollback()
                raise
            finally:
                _drop_temps(cur)
                cur.close()
            self._loaded.update(events)
            self._loaded.update(quarantine)
            return report

    # -- events ----------------------------------------------------------------------

    def _load_events(
        self, cur: duckdb.DuckDBPyConnection, files: list[str], report: LoadReport
    ) -> None:
        by_table: dict[str, list[str]] = {}
        for f in files:
            by_table.setdefault(_segment(f, "event"), []).append(f)
        stages = []
        for i, (table, group) in enumerate(sorted(by_table.items())):
            source = self._source(cur, group, f"_files_{i}")
            cur.execute(f"CREATE TEMP TABLE _rows_{i} AS SELECT * FROM {source}")
            if len(group) > 1 and _has_repeats(cur, f"_rows_{i}"):
                # Overlapping files (a processor re-ran a batch that ended elsewhere):
                # keep one row per bus position. Rare, so only paid for when it happens.
                cur.execute(
                    f"CREATE OR REPLACE TEMP TABLE _rows_{i} AS SELECT * FROM _rows_{i} "
                    f"QUALIFY row_number() OVER (PARTITION BY event_id, {', '.join(DELIVERY)}) = 1"
                )
            stages.append(
                f"SELECT event_id::UUID AS event_id, _fp, {', '.join(DELIVERY)}, {_lit(table)} AS _table, "
                f"rowid AS _rid FROM _rows_{i}"
            )
        cur.execute("CREATE TEMP TABLE _stage AS " + " UNION ALL ".join(stages))
        # A replay repeats recent bus positions only: scanning seen rows from the batch's
        # lowest offset on lets DuckDB skip older row groups by their min/max.
        low = cur.execute("SELECT coalesce(min(_bus_offset), 0) FROM _stage").fetchone()
        cur.execute(
            "CREATE TEMP TABLE _fresh AS SELECT s.* FROM _stage s ANTI JOIN ("
            f"SELECT * FROM _loam.seen WHERE bus_offset >= {int(low[0]) if low else 0}) x "
            "ON x.event_id = s.event_id AND x.bus_partition = s._bus_partition"
            " AND x.bus_offset = s._bus_offset AND x.bus_index = s._bus_index"
        )
        cur.execute(
            """CREATE TEMP TABLE _classified AS
            SELECT f.*,
                CASE WHEN k.event_id IS NOT NULL THEN false ELSE row_number() OVER w = 1 END AS kept,
                coalesce(k.fp, first_value(f._fp) OVER w) AS kept_fp
            FROM _fresh f LEFT JOIN _loam.seen k ON k.event_id = f.event_id AND k.kept
            WINDOW w AS (PARTITION BY f.event_id ORDER BY f._bus_partition, f._bus_offset, f._bus_index)"""
        )
        cur.execute(
            "INSERT INTO _loam.seen SELECT event_id, _fp, _bus_partition, _bus_offset, _bus_index, "
            "kept, now() FROM _classified"
        )
        counts = cur.execute(
            """SELECT _table,
                count(*) FILTER (WHERE kept),
                count(*) FILTER (WHERE NOT kept AND _fp = kept_fp),
                count(*) FILTER (WHERE NOT kept AND _fp <> kept_fp)
            FROM _classified GROUP BY _table"""
        ).fetchall()
        cur.executemany(
            "INSERT INTO _loam.load_counts VALUES (now(), ?, ?, ?, ?)", [list(r) for r in counts]
        )
        for table, loaded, natural, synthetic in counts:
            report.tables[table] = int(loaded)
            report.loaded += int(loaded)
            report.natural_duplicates += int(natural)
            report.synthetic_duplicates += int(synthetic)
        changed = False
        for i, (table, _group) in enumerate(sorted(by_table.items())):
            columns = [c for c in _describe(cur, f"_rows_{i}") if c[0] not in INTERNAL_COLUMNS]
            if _ensure_table(cur, table, columns):
                changed = True
            cur.execute(
                f"INSERT INTO {q(table)} BY NAME SELECT * EXCLUDE ({INTERNAL}) FROM _rows_{i} "
                f"WHERE rowid IN (SELECT _rid FROM _classified WHERE kept AND _table = {_lit(table)})"
            )
        if changed:
            _refresh_all_events_view(cur)

    # -- quarantine ------------------------------------------------------------------

    def _load_quarantine(
        self, cur: duckdb.DuckDBPyConnection, files: list[str], report: LoadReport
    ) -> None:
        source = self._source(cur, files, "_qfiles")
        key = "_bus_topic, _bus_partition, _bus_offset, _bus_index"
        cur.execute(
            f"CREATE TEMP TABLE _q AS SELECT * FROM {source} "
            f"QUALIFY row_number() OVER (PARTITION BY {key}) = 1"
        )
        columns = [*_describe(cur, "_q"), ("replayed_at", "TIMESTAMP WITH TIME ZONE")]
        _ensure_table(cur, QUARANTINE_TABLE, columns)
        low = cur.execute("SELECT coalesce(min(_bus_offset), 0) FROM _q").fetchone()
        row = cur.execute(
            f"INSERT INTO {q(QUARANTINE_TABLE)} BY NAME SELECT n.* FROM _q n ANTI JOIN ("
            f"SELECT * FROM {q(QUARANTINE_TABLE)} WHERE _bus_offset >= {int(low[0]) if low else 0}"
            ") e ON e._bus_topic = n._bus_topic "
            "AND e._bus_partition = n._bus_partition AND e._bus_offset = n._bus_offset "
            "AND e._bus_index = n._bus_index"
        ).fetchone()
        report.quarantined += int(row[0]) if row else 0

    # -- helpers ---------------------------------------------------------------------

    def _source(self, cur: duckdb.DuckDBPyConnection, files: Sequence[str], alias: str) -> str:
        if self.lake.local:
            listed = ", ".join(_lit(f) for f in files)
            return f"read_parquet([{listed}], union_by_name = true, hive_partitioning = false)"
        tables = [pq.read_table(f, filesystem=self.lake.fs) for f in files]
        cur.register(alias, pa.concat_tables(tables, promote_options="default"))
        return alias

    def _record_files(self, cur: duckdb.DuckDBPyConnection, files: list[str], dataset: str) -> None:
        if files:
            cur.executemany(
                "INSERT INTO _loam.loaded_files VALUES (?, ?, NULL, now())",
                [[f, dataset] for f in files],
            )


def _leaf_folders(fs: pafs.FileSystem, base: str) -> list[tuple[str, int]]:
    """Folders under ``base`` holding no sub-folders, with their modification times (ns)."""
    out: list[tuple[str, int]] = []
    stack = [base]
    while stack:
        folder = stack.pop()
        infos = fs.get_file_info(pafs.FileSelector(folder, allow_not_found=True))
        subs = [
            i.path
            for i in infos
            if i.type == pafs.FileType.Directory and not i.base_name.startswith((".", "_"))
        ]
        if subs:
            stack.extend(subs)
        elif folder != base:
            out.append((folder, int(fs.get_file_info(folder).mtime_ns or 0)))
    return out


def _parquet_files(fs: pafs.FileSystem, folder: str) -> list[str]:
    return [
        i.path
        for i in fs.get_file_info(pafs.FileSelector(folder, allow_not_found=True))
        if i.type == pafs.FileType.File
        and i.base_name.endswith(".parquet")
        and not i.base_name.startswith((".", "_"))
    ]


def _segment(path: str, key: str) -> str:
    for part in path.split("/"):
        if part.startswith(f"{key}="):
            return part.split("=", 1)[1]
    raise ValueError(f"lake file {path} has no {key}= folder")


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _describe(cur: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[str, str]]:
    rows = cur.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    return [(str(r[0]), str(r[1])) for r in rows]


def _ensure_table(
    cur: duckdb.DuckDBPyConnection, table: str, columns: Sequence[tuple[str, str]]
) -> bool:
    """Create ``table`` or add the columns it lacks (nullable, no rewrite); True if changed."""
    found = cur.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' "
        "AND table_name = ?",
        [table],
    ).fetchall()
    if not found:
        body = ", ".join(f"{q(c)} {t}" for c, t in columns)
        cur.execute(f"CREATE TABLE {q(table)} ({body})")
        return True
    have = {r[0] for r in found}
    missing = [(c, t) for c, t in columns if c not in have]
    for c, t in missing:
        cur.execute(f"ALTER TABLE {q(table)} ADD COLUMN {q(c)} {t}")
    return bool(missing)


def _has_repeats(cur: duckdb.DuckDBPyConnection, relation: str) -> bool:
    row = cur.execute(
        f"SELECT count(*) > count(DISTINCT (event_id, {', '.join(DELIVERY)})) FROM {relation}"
    ).fetchone()
    return bool(row and row[0])


def _refresh_all_events_view(cur: duckdb.DuckDBPyConnection) -> None:
    """``events``: every event table stacked, each event's params as ``<table>__<param>``.

    A view, so each row is stored once; it is rebuilt when an event table gains a column.
    """
    tables = [
        r[0]
        for r in cur.execute(
            "SELECT DISTINCT table_name FROM _loam.load_counts ORDER BY 1"
        ).fetchall()
    ]
    selects = []
    for table in tables:
        cols = [
            r[0]
            for r in cur.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' "
                "AND table_name = ? ORDER BY ordinal_position",
                [table],
            ).fetchall()
        ]
        if not cols:
            continue
        items = ", ".join(q(c) if c in COMMON else f"{q(c)} AS {q(f'{table}__{c}')}" for c in cols)
        selects.append(f"SELECT {items} FROM {q(table)}")
    if selects:
        cur.execute(
            f"CREATE OR REPLACE VIEW {q(ALL_EVENTS)} AS " + " UNION ALL BY NAME ".join(selects)
        )


def _drop_temps(cur: duckdb.DuckDBPyConnection) -> None:
    try:
        temps = cur.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = 'temp'"
        ).fetchall()
        for (name,) in temps:
            cur.execute(f"DROP TABLE IF EXISTS temp.{q(name)}")
    except duckdb.Error:
        pass


def loaded_counts(warehouse: Warehouse) -> dict[str, Any]:
    """Totals from ``_loam.load_counts``, per table."""
    rows = warehouse.query(
        "SELECT table_name, sum(loaded) AS loaded, sum(natural_duplicates) AS natural, "
        "sum(synthetic_duplicates) AS synthetic FROM _loam.load_counts GROUP BY 1 ORDER BY 1"
    ).to_pylist()
    return {r["table_name"]: r for r in rows}
