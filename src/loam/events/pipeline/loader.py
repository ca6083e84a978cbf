"""The loader: lake files into warehouse tables, exactly once, in one transaction per batch.

Only one process may write a DuckDB file, so one loader moves what the processors
landed. Each batch is one transaction that inserts the rows, records the files it
loaded and every delivery it saw (``_loam.seen``: event_id, fingerprint and bus position,
kept for ``dedup_window_days``), and adds to the duplicate counts. Dedup runs in DuckDB:

- a row whose bus position was seen before is a replay of a crashed processor: skipped,
  not counted;
- otherwise the first delivery of an event_id is kept; later ones are duplicates,
  *natural* when their fingerprint equals the kept one's, *synthetic* when it differs.

The fingerprint is computed here, from the row's content (``fingerprint``); a ``_fp``
column in older files is ignored. CPU per event is what the loader is measured by, so a
batch makes one narrow copy (event_id, fingerprint, bus position, file, row number) and
reads the Parquet files a second time for the final insert instead of copying whole rows
to temp tables; only rows whose event_id repeats in the batch or is already in the window
go through the full rules. Measured on the bench's data (1M events, 50k per batch, one
process, CPU time): ~9 us per event before, ~4.3 after; most of what is left is DuckDB
writing the WAL and compressing at checkpoints.

Tables: one per event and MODEL (``click_item_home``, ``click_item_home_v2``) with
params as typed columns, ``events`` (a view stacking them, each event's params as
``<table>__<param>`` columns), and ``events_quarantine``. A new optional parameter
becomes ``ALTER TABLE ADD COLUMN``; nothing is rewritten.
"""

from __future__ import annotations

import contextlib
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

from loam.core.dialects import quote_identifier, quote_text
from loam.core.lake import Lake
from loam.core.warehouse import Warehouse
from loam.events.pipeline.processor import DELIVERY, ENVELOPE, EVENTS_DATASET, QUARANTINE_DATASET
from loam.events.pipeline.settings import PipelineSettings

log = logging.getLogger("loam.events.loader")

ALL_EVENTS = "events"
QUARANTINE_TABLE = "events_quarantine"
COMMON = (*ENVELOPE, "server_ts", "source")
# Lake columns that are not loaded: the bus position, the processor's old fingerprint
# (files written before the loader computed it), and the reader's row numbers.
NOT_LOADED = frozenset({"_fp", *DELIVERY, "file_row_number"})
# Not part of an event's content: when and through what it arrived, and its id (two
# deliveries are only compared when their ids are equal).
NOT_CONTENT = frozenset({"event_id", "server_ts", "source"})

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


@dataclass(frozen=True)
class _Part:
    """One lake file of a batch."""

    index: int
    path: str
    table: str
    source: str  # SQL relation with the file's columns and its ``file_row_number``
    columns: tuple[tuple[str, str], ...]  # loaded columns (name, DuckDB type), file order
    fingerprint: str  # SQL expression: the payload fingerprint of a row


def fingerprint(columns: Sequence[tuple[str, str]]) -> str:
    """The payload fingerprint of a row: DuckDB's 64-bit hash of its content columns.

    Content is every envelope and param column but ``event_id``, ``server_ts`` and
    ``source`` (see ``NOT_CONTENT``), in name order, so it does not depend on the column
    order of a file. Columns are fixed per (event, schema version); two versions differ in
    ``schema_version`` anyway, so a file's own columns are the right set. The hash is
    computed from the values, so a file does not need to carry a fingerprint.

    >>> fingerprint([("event_id", "VARCHAR"), ("price", "BIGINT"), ("item_id", "VARCHAR")])
    '(hash("item_id", "price") >> 1)::BIGINT'
    """
    content = sorted(c for c, _ in columns if c not in NOT_CONTENT)
    # 63 of the hash's 64 bits: ``_loam.seen.fp`` is a signed BIGINT.
    return f"(hash({', '.join(q(c) for c in content)}) >> 1)::BIGINT" if content else "0::BIGINT"


def _classify(
    cur: duckdb.DuckDBPyConnection,
) -> tuple[dict[int, int], list[tuple[int, int, int]]]:
    """Dedup the staged batch against itself and ``_loam.seen``; records every delivery.

    Most rows carry an event_id seen nowhere else: they are kept with no further work.
    Only *suspects*, rows whose event_id repeats in the batch or is already in the
    window, go through the exact rules (replay, first delivery, natural or synthetic).
    The rows not to load go to ``_drop`` (file, row number). Returns how many per file,
    and the duplicates counted, as (file, natural, synthetic).
    """
    # Build on the batch, probe the window: one scan of seen.event_id, no sort.
    cur.execute(
        """CREATE TEMP TABLE _suspect AS
        SELECT s.* FROM _stage s SEMI JOIN (
            SELECT event_id FROM _stage GROUP BY event_id HAVING count(*) > 1
            UNION ALL
            SELECT k.event_id FROM _loam.seen k SEMI JOIN _stage b ON k.event_id = b.event_id
        ) d ON s.event_id = d.event_id"""
    )
    low = cur.execute("SELECT min(o), count(*) FROM _suspect").fetchone()
    if not low or not low[1]:
        cur.execute("INSERT INTO _loam.seen SELECT event_id, fp, p, o, x, true, now() FROM _stage")
        return {}, []
    # A replay repeats recent bus positions only: scanning seen rows from the suspects'
    # lowest offset on lets DuckDB skip older row groups by their min/max. Overlapping
    # files (a processor re-ran a batch that ended elsewhere) repeat a position within
    # the batch: one row per position is a delivery, the others are dropped uncounted.
    cur.execute(
        f"""CREATE TEMP TABLE _classified AS
        WITH one AS (
            SELECT * FROM _suspect
            QUALIFY row_number() OVER (PARTITION BY event_id, p, o, x ORDER BY f, r) = 1
        ), fresh AS (
            SELECT n.* FROM one n ANTI JOIN (
                SELECT * FROM _loam.seen WHERE bus_offset >= {int(low[0])}
            ) k ON k.event_id = n.event_id AND k.bus_partition = n.p
                AND k.bus_offset = n.o AND k.bus_index = n.x
        ), kept AS (
            SELECT k.event_id, k.fp FROM _loam.seen k SEMI JOIN _suspect s
            ON k.event_id = s.event_id WHERE k.kept
        )
        SELECT n.*,
            CASE WHEN k.event_id IS NOT NULL THEN false ELSE row_number() OVER w = 1 END AS kept,
            coalesce(k.fp, first_value(n.fp) OVER w) AS kept_fp
        FROM fresh n LEFT JOIN kept k ON k.event_id = n.event_id
        WINDOW w AS (PARTITION BY n.event_id ORDER BY n.p, n.o, n.x)"""
    )
    cur.execute(
        """INSERT INTO _loam.seen
        SELECT event_id, fp, p, o, x, true, now() FROM _stage ANTI JOIN _suspect USING (f, r)
        UNION ALL
        SELECT event_id, fp, p, o, x, kept, now() FROM _classified"""
    )
    cur.execute(
        "CREATE TEMP TABLE _drop AS SELECT f, r FROM _suspect "
        "ANTI JOIN (SELECT f, r FROM _classified WHERE kept) USING (f, r)"
    )
    drops = dict(cur.execute("SELECT f, count(*) FROM _drop GROUP BY f").fetchall())
    duplicates = cur.execute(
        """SELECT f, count(*) FILTER (WHERE fp = kept_fp), count(*) FILTER (WHERE fp <> kept_fp)
        FROM _classified WHERE NOT kept GROUP BY f"""
    ).fetchall()
    return {int(f): int(n) for f, n in drops.items()}, [
        (int(f), int(n), int(y)) for f, n, y in duplicates
    ]


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
            _raise_checkpoint_threshold(cur)
            cur.execute(_SETUP)
            done = cur.execute("SELECT path FROM _loam.loaded_files").fetchall()
        finally:
            cur.close()
        self._loaded: set[str] = {r[0] for r in done}
        # Columns of the main schema's tables: this loader is their only writer, so it
        # knows them without asking information_schema (slow) every batch.
        self._columns: dict[str, set[str]] | None = None
        self._described: dict[str, tuple[tuple[tuple[str, str], ...], str]] = {}
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
            threads = _single_threaded(cur)
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
                self._columns = None  # a rolled back CREATE or ALTER: ask again
                raise
            finally:
                _drop_temps(cur)
                _restore_threads(cur, threads)
                cur.close()
            self._loaded.update(events)
            self._loaded.update(quarantine)
            return report

    # -- events ----------------------------------------------------------------------

    def _load_events(
        self, cur: duckdb.DuckDBPyConnection, files: list[str], report: LoadReport
    ) -> None:
        parts = [self._part(cur, k, path) for k, path in enumerate(files)]
        # Narrow staging (event_id, fingerprint, bus position, file, row): the only copy
        # the batch makes. Full rows are not copied to a temp table (appending ~25 columns
        # costs more than decoding the Parquet file again for the final insert).
        cur.execute(
            "CREATE TEMP TABLE _stage AS "
            + " UNION ALL ".join(
                f"SELECT event_id::UUID AS event_id, {p.fingerprint} AS fp, "
                f"_bus_partition AS p, _bus_offset AS o, _bus_index AS x, "
                f"{p.index}::INTEGER AS f, file_row_number AS r FROM {p.source}"
                for p in parts
            )
        )
        drops, duplicates = _classify(cur)
        per_file = dict(cur.execute("SELECT f, count(*) FROM _stage GROUP BY f").fetchall())
        counts: dict[str, list[int]] = {}
        for p in parts:
            c = counts.setdefault(p.table, [0, 0, 0])
            c[0] += int(per_file.get(p.index, 0)) - drops.get(p.index, 0)
        for f, natural, synthetic in duplicates:
            c = counts[parts[f].table]
            c[1] += natural
            c[2] += synthetic
        rows = [(t, c[0], c[1], c[2]) for t, c in sorted(counts.items()) if any(c)]
        if rows:
            cur.execute(
                "INSERT INTO _loam.load_counts SELECT now(), t, l, n, s FROM (VALUES "
                + ", ".join(f"({quote_text(t)}, {lo}, {na}, {sy})" for t, lo, na, sy in rows)
                + ") v(t, l, n, s)"
            )
        for table, loaded, natural, synthetic in rows:
            report.tables[table] = loaded
            report.loaded += loaded
            report.natural_duplicates += natural
            report.synthetic_duplicates += synthetic
        changed = False
        groups: dict[tuple[str, tuple[tuple[str, str], ...]], list[_Part]] = {}
        for p in parts:
            groups.setdefault((p.table, p.columns), []).append(p)
        for (table, columns), group in groups.items():
            if self._ensure_table(cur, table, columns):
                changed = True
            names = ", ".join(q(c) for c, _ in columns)
            clean = [p for p in group if p.index not in drops]
            if clean:
                listed = ", ".join(quote_text(p.path) for p in clean) if self.lake.local else None
                source = (
                    f"read_parquet([{listed}])"
                    if listed is not None
                    else "("
                    + " UNION ALL ".join(f"SELECT {names} FROM {p.source}" for p in clean)
                    + ")"
                )
                cur.execute(f"INSERT INTO {q(table)} ({names}) SELECT {names} FROM {source}")
            for p in group:
                if p.index in drops:
                    cur.execute(
                        f"INSERT INTO {q(table)} ({names}) SELECT {names} FROM {p.source} "
                        f"ANTI JOIN (SELECT r FROM _drop WHERE f = {p.index}) d "
                        "ON file_row_number = d.r"
                    )
        if changed:
            _refresh_all_events_view(cur)

    def _part(self, cur: duckdb.DuckDBPyConnection, index: int, path: str) -> _Part:
        """One lake file: how to read it (with its row numbers), its columns, its fingerprint."""
        if self.lake.local:
            source = f"read_parquet({quote_text(path)}, file_row_number = true, hive_partitioning = false)"
            schema = pq.read_schema(path)
        else:
            data = pq.read_table(path, filesystem=self.lake.fs)
            data = data.append_column("file_row_number", pa.array(range(data.num_rows), pa.int64()))
            source = f"_file_{index}"
            cur.register(source, data)
            schema = data.schema
        # Files of one event version share a schema: DESCRIBE (a footer read and a bind in
        # DuckDB) once per distinct Arrow schema, not once per file.
        key = str(schema.remove_metadata())
        found = self._described.get(key)
        if found is None:
            described = _describe(cur, source)
            columns = tuple((c, t) for c, t in described if c not in NOT_LOADED)
            found = self._described[key] = (columns, fingerprint(columns))
        return _Part(index, path, _segment(path, "event"), source, *found)

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
        self._ensure_table(cur, QUARANTINE_TABLE, columns)
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
            listed = ", ".join(quote_text(f) for f in files)
            return f"read_parquet([{listed}], union_by_name = true, hive_partitioning = false)"
        tables = [pq.read_table(f, filesystem=self.lake.fs) for f in files]
        cur.register(alias, pa.concat_tables(tables, promote_options="default"))
        return alias

    def _record_files(self, cur: duckdb.DuckDBPyConnection, files: list[str], dataset: str) -> None:
        if files:
            cur.execute(
                "INSERT INTO _loam.loaded_files SELECT unnest($1), $2, NULL, now()",
                [files, dataset],
            )

    def _ensure_table(
        self, cur: duckdb.DuckDBPyConnection, table: str, columns: Sequence[tuple[str, str]]
    ) -> bool:
        """Create ``table`` or add the columns it lacks (nullable, no rewrite); True if changed."""
        if self._columns is None:
            known: dict[str, set[str]] = {}
            for name, column in cur.execute(
                "SELECT table_name, column_name FROM duckdb_columns() "
                "WHERE schema_name = 'main' AND database_name = current_database()"
            ).fetchall():
                known.setdefault(name, set()).add(column)
            self._columns = known
        have = self._columns.get(table)
        if have is None:
            body = ", ".join(f"{q(c)} {t}{_storage(c, t)}" for c, t in columns)
            cur.execute(f"CREATE TABLE {q(table)} ({body})")
            self._columns[table] = {c for c, _ in columns}
            return True
        missing = [(c, t) for c, t in columns if c not in have]
        for c, t in missing:
            cur.execute(f"ALTER TABLE {q(table)} ADD COLUMN {q(c)} {t}")
            have.add(c)
        return bool(missing)


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


def _describe(cur: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[str, str]]:
    rows = cur.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    return [(str(r[0]), str(r[1])) for r in rows]


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


CHECKPOINT_THRESHOLD = 80 * 1024 * 1024
_UNITS = {
    "B": 1,
    "KB": 1000,
    "KIB": 1024,
    "MB": 1000**2,
    "MIB": 1024**2,
    "GB": 1000**3,
    "GIB": 1024**3,
}


def _raise_checkpoint_threshold(cur: duckdb.DuckDBPyConnection) -> None:
    """Let the WAL grow to ``CHECKPOINT_THRESHOLD`` before DuckDB checkpoints.

    At DuckDB's default (16 MiB) a 50k-event batch writes ~17 MB of WAL, so every other
    commit checkpoints, and each checkpoint rewrites the tables' partly filled row groups
    again: on 1M bench events that tripled the loader's CPU (8.5 -> 4.3 us per event
    with 80 MB, and the file came out 25% smaller). The WAL's rows are held in memory until
    the checkpoint, so this also bounds what a batch backlog keeps in the buffer pool
    (well under a 384 MB memory limit); a restart replays at most that much WAL.
    A larger threshold set by the operator is kept.
    """
    try:
        row = cur.execute("SELECT current_setting('checkpoint_threshold')").fetchone()
        number, _, unit = str(row[0] if row else "").partition(" ")
        current = float(number) * _UNITS.get(unit.upper() or "B", 0)
        if current < CHECKPOINT_THRESHOLD:
            cur.execute(f"SET checkpoint_threshold = '{CHECKPOINT_THRESHOLD}B'")
    except (duckdb.Error, ValueError):
        pass


def _storage(column: str, sql_type: str) -> str:
    """How a new table stores ``column``: event_id, unique in every row, as ZSTD.

    DuckDB's default string compression first tries a dictionary, which a column of
    unique ids never benefits from: checkpointing event_id cost ~0.5 us a row (half of a
    row's checkpoint); ZSTD takes ~0.2 us and stores it smaller (measured on bench data).
    """
    return " USING COMPRESSION zstd" if column == "event_id" and sql_type == "VARCHAR" else ""


def _single_threaded(cur: duckdb.DuckDBPyConnection) -> str | None:
    """Run the batch on one DuckDB thread; the previous setting, to restore.

    A batch is a few statements over ~50k rows: a second thread adds coordination, not
    speed (measured: ~20% more CPU per event), and the machine's other cores belong to
    the collector and the processors. The setting is global to the database, so it is
    put back after the batch for the queries of ``loam up``.
    """
    try:
        row = cur.execute("SELECT current_setting('threads')").fetchone()
        if row is None or int(row[0]) == 1:
            return None
        cur.execute("SET threads = 1")
        return str(row[0])
    except duckdb.Error:
        return None


def _restore_threads(cur: duckdb.DuckDBPyConnection, threads: str | None) -> None:
    if threads is not None:
        with contextlib.suppress(duckdb.Error):
            cur.execute(f"SET threads = {int(threads)}")


def _drop_temps(cur: duckdb.DuckDBPyConnection) -> None:
    for name in ("_stage", "_suspect", "_classified", "_drop", "_q"):
        with contextlib.suppress(duckdb.Error):
            cur.execute(f"DROP TABLE IF EXISTS temp.main.{name}")


def loaded_counts(warehouse: Warehouse) -> dict[str, Any]:
    """Totals from ``_loam.load_counts``, per table."""
    rows = warehouse.query(
        "SELECT table_name, sum(loaded) AS loaded, sum(natural_duplicates) AS natural, "
        "sum(synthetic_duplicates) AS synthetic FROM _loam.load_counts GROUP BY 1 ORDER BY 1"
    ).to_pylist()
    return {r["table_name"]: r for r in rows}
