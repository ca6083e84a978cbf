"""The embedded bus: a durable, partitioned log in one SQLite file (WAL), shared by processes.

>>> import tempfile, os
>>> bus = SqliteBus(os.path.join(tempfile.mkdtemp(), "bus.sqlite"))
>>> bus.create_topic("clicks", partitions=2)
>>> producer = bus.producer()
>>> producer.send("clicks", b"hello", key=b"user-1")
>>> producer.flush()
>>> consumer = bus.consumer("loader", ["clicks"])
>>> [m.value for m in consumer.poll(timeout=2.0)]
[b'hello']
>>> consumer.commit()
>>> bus.lag("loader", "clicks")
{0: 0, 1: 0}
>>> consumer.close(); producer.close(); bus.close()
"""

from __future__ import annotations

import itertools
import random
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

from loam.core.bus import BusCapabilities, Message
from loam.core.bus._rules import (
    check_group,
    check_message,
    check_partitions,
    check_topic,
    check_topics,
    now_ms,
    partition_for_key,
)
from loam.core.bus._sqlite_db import OFFSET_BITS, PARTITION_SPAN, connect, open_database, run_write
from loam.core.bus.sqlite_group import SqliteConsumer
from loam.core.errors import BackendUnavailable, Conflict, LoamError, NotFound
from loam.core.health import Health


class SqliteBus:
    """Topics, partitions and consumer groups in one SQLite file.

    Safe with several processes on one machine: writers serialize on SQLite's write lock
    (waiting, not failing, while another holds it); consumer groups share partitions among
    live members, found through heartbeats written to the same file.

    ``session_timeout_ms``: a member silent this long is dropped and its partitions move on.
    ``heartbeat_interval_ms``: how often members beat (default: a quarter of the session).
    ``lock_timeout_s``: how long a write waits for another process's lock before
    BackendUnavailable. ``max_poll_interval_ms``: a member that has not polled for this long
    stops beating (so a stuck or forgotten consumer gives its partitions up).
    """

    capabilities = BusCapabilities(engine="sqlite", multi_process=True, multi_host=False)

    def __init__(
        self,
        path: str,
        default_partitions: int = 4,
        *,
        session_timeout_ms: int = 10_000,
        heartbeat_interval_ms: int | None = None,
        lock_timeout_s: float = 30.0,
        max_poll_interval_ms: int = 300_000,
    ) -> None:
        self.path = str(Path(path).expanduser())
        self.default_partitions = check_partitions(default_partitions)
        self.session_timeout_ms = session_timeout_ms
        self.heartbeat_interval_ms = heartbeat_interval_ms or max(50, session_timeout_ms // 4)
        self.lock_timeout_s = lock_timeout_s
        self.max_poll_interval_ms = max_poll_interval_ms
        self._conn = open_database(self.path)
        self._lock = threading.Lock()
        self._partition_ids: dict[str, list[int]] = {}

    # -- topics ---------------------------------------------------------------------------

    def create_topic(self, topic: str, partitions: int | None = None) -> None:
        """Create ``topic`` if missing; an existing topic with another explicit count is a Conflict."""
        check_topic(topic)
        wanted = self.default_partitions if partitions is None else check_partitions(partitions)

        def create(c: sqlite3.Connection) -> int:
            row = c.execute("SELECT partitions FROM topics WHERE name = ?", (topic,)).fetchone()
            if row is not None:
                return int(row[0])
            c.execute("INSERT INTO topics VALUES (?, ?, ?)", (topic, wanted, now_ms()))
            c.executemany(
                "INSERT INTO partitions (topic, partition) VALUES (?, ?)",
                [(topic, p) for p in range(wanted)],
            )
            return wanted

        with self._lock:
            existing = run_write(
                self._conn,
                create,
                timeout_s=self.lock_timeout_s,
                what="create_topic",
                path=self.path,
            )
        if partitions is not None and existing != partitions:
            raise Conflict(
                f"topic {topic!r} already exists with {existing} partitions, not {partitions}",
                details=[{"topic": topic, "partitions": existing}],
            )

    def partition_ids(self, topic: str) -> list[int]:
        """Internal ids of ``topic``'s partitions (index = partition number); NotFound if missing."""
        ids = self._partition_ids.get(topic)
        if ids is None:
            check_topic(topic)
            with self._lock:
                rows = self._conn.execute(
                    "SELECT id FROM partitions WHERE topic = ? ORDER BY partition", (topic,)
                ).fetchall()
            if not rows:
                raise NotFound(
                    f"topic {topic!r} does not exist in the bus {self.path}; create it with create_topic()",
                    details=[{"topic": topic}],
                )
            ids = [int(r[0]) for r in rows]
            self._partition_ids[topic] = ids  # partition counts never change, so caching is safe
        return ids

    def topics(self) -> dict[str, int]:
        """Every topic and its partition count."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT name, partitions FROM topics ORDER BY name"
            ).fetchall()
        return {str(name): int(n) for name, n in rows}

    # -- clients --------------------------------------------------------------------------

    def producer(self) -> SqliteProducer:
        return SqliteProducer(self)

    def consumer(self, group: str, topics: Sequence[str]) -> SqliteConsumer:
        check_group(group)
        names = check_topics(topics)
        layout = {t: self.partition_ids(t) for t in names}
        return SqliteConsumer(
            path=self.path,
            group=group,
            layout=layout,
            session_timeout_ms=self.session_timeout_ms,
            heartbeat_interval_ms=self.heartbeat_interval_ms,
            lock_timeout_s=self.lock_timeout_s,
            max_poll_interval_ms=self.max_poll_interval_ms,
        )

    # -- offsets --------------------------------------------------------------------------

    def _bounds(self, topic: str) -> list[tuple[int, int, int]]:
        """(low, high, partition_id) per partition: first offset still stored, next offset to write."""
        out = []
        for pid in self.partition_ids(topic):
            with self._lock:
                high = int(
                    self._conn.execute(
                        "SELECT next_offset FROM partitions WHERE id = ?", (pid,)
                    ).fetchone()[0]
                )
                first = self._conn.execute(
                    "SELECT min(id) FROM messages WHERE id >= ? AND id < ?",
                    (pid << OFFSET_BITS, (pid << OFFSET_BITS) + PARTITION_SPAN),
                ).fetchone()[0]
            low = high if first is None else int(first) - (pid << OFFSET_BITS)
            out.append((low, high, pid))
        return out

    def committed(self, group: str, topic: str) -> dict[int, int]:
        """The next offset ``group`` will read, per partition it has committed on."""
        check_group(group)
        ids = self.partition_ids(topic)
        with self._lock:
            rows = self._conn.execute(
                f"SELECT partition_id, next_offset FROM group_offsets WHERE grp = ? "
                f"AND partition_id IN ({','.join('?' * len(ids))})",
                (group, *ids),
            ).fetchall()
        by_id = {int(pid): int(off) for pid, off in rows}
        return {n: by_id[pid] for n, pid in enumerate(ids) if pid in by_id}

    def lag(self, group: str, topic: str) -> dict[int, int]:
        """Messages written but not yet committed by ``group``, per partition."""
        done = self.committed(group, topic)
        return {
            n: high - max(low, done.get(n, 0))
            for n, (low, high, _) in enumerate(self._bounds(topic))
        }

    def trim(self, topic: str, keep_last: int = 0) -> int:
        """Delete messages every group that has committed on a partition has already passed.

        Partitions no group has committed on are left alone. ``keep_last`` keeps that many
        consumed messages per partition. Returns how many messages were deleted.
        """
        ids = self.partition_ids(topic)

        def delete(c: sqlite3.Connection) -> int:
            deleted = 0
            for pid in ids:
                row = c.execute(
                    "SELECT min(next_offset) FROM group_offsets WHERE partition_id = ?", (pid,)
                ).fetchone()
                if row[0] is None:
                    continue
                upto = int(row[0]) - keep_last
                if upto > 0:
                    deleted += c.execute(
                        "DELETE FROM messages WHERE id >= ? AND id < ?",
                        (pid << OFFSET_BITS, (pid << OFFSET_BITS) + upto),
                    ).rowcount
            return deleted

        with self._lock:
            return run_write(
                self._conn, delete, timeout_s=self.lock_timeout_s, what="trim", path=self.path
            )

    # -- health ---------------------------------------------------------------------------

    def health(self) -> Health:
        try:
            conn = connect(self.path, busy_timeout_s=2.0)
            try:
                mode = str(conn.execute("PRAGMA journal_mode").fetchone()[0])
                topics = int(conn.execute("SELECT count(*) FROM topics").fetchone()[0])
                conn.execute("BEGIN IMMEDIATE")  # proves we can take the write lock
                conn.execute("ROLLBACK")
            finally:
                conn.close()
        except (sqlite3.Error, LoamError) as exc:
            return Health(
                component="bus",
                backend="sqlite",
                ok=False,
                detail=f"bus file {self.path}: {exc}",
                fix="check the file exists and is writable (LOAM_BUS__PATH), and that no process holds it locked",
            )
        if mode.lower() != "wal":
            return Health(
                "bus",
                "sqlite",
                False,
                f"bus file {self.path} is in {mode} mode, not WAL",
                "put the bus file on a local disk and reopen it",
            )
        return Health("bus", "sqlite", True, f"{self.path}: {topics} topic(s), WAL, writable")

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class SqliteProducer:
    """Buffers messages in memory; ``flush`` writes them all in one fsynced transaction."""

    def __init__(self, bus: SqliteBus) -> None:
        self._bus = bus
        self._conn: sqlite3.Connection | None = connect(bus.path)
        self._lock = threading.Lock()
        # partition id -> [(key, value, timestamp_ms)], in send order
        self._pending: dict[int, list[tuple[bytes | None, bytes, int]]] = {}
        self._round_robin = itertools.count(random.randrange(1 << 16))

    def send(self, topic: str, value: bytes, key: bytes | None = None) -> None:
        self.send_batch(topic, [(key, value)])

    def send_batch(self, topic: str, items: Sequence[tuple[bytes | None, bytes]]) -> None:
        ids = self._bus.partition_ids(topic)
        n = len(ids)
        ts = now_ms()
        crc = partition_for_key
        rr = self._round_robin
        rows: list[tuple[int, bytes | None, bytes]] = []
        for key, value in items:
            if type(value) is not bytes or (key is not None and type(key) is not bytes):
                check_message(topic, key, value)
                value = bytes(value)
                key = None if key is None else bytes(key)
            rows.append((ids[crc(key, n) if key is not None else next(rr) % n], key, value))
        with self._lock:
            if self._conn is None:
                raise BackendUnavailable(
                    "this producer is closed; open a new one with bus.producer()"
                )
            pending = self._pending
            for pid, key, value in rows:
                bucket = pending.get(pid)
                if bucket is None:
                    bucket = pending[pid] = []
                bucket.append((key, value, ts))

    def flush(self, timeout: float = 30.0) -> None:
        with self._lock:
            if not self._pending:
                return
            if self._conn is None:
                raise BackendUnavailable("this producer is closed; its unsent messages are lost")
            pending = self._pending

            def write(c: sqlite3.Connection) -> None:
                ids = list(pending)
                marks = ",".join("?" * len(ids))
                nexts = dict(
                    c.execute(f"SELECT id, next_offset FROM partitions WHERE id IN ({marks})", ids)
                )
                rows: list[tuple[int, bytes | None, bytes, int]] = []
                updates = []
                for pid, bucket in pending.items():
                    start = (pid << OFFSET_BITS) + nexts[pid]
                    rows.extend((start + i, k, v, t) for i, (k, v, t) in enumerate(bucket))
                    updates.append((nexts[pid] + len(bucket), pid))
                c.executemany(
                    "INSERT INTO messages (id, key, value, ts_ms) VALUES (?, ?, ?, ?)", rows
                )
                c.executemany("UPDATE partitions SET next_offset = ? WHERE id = ?", updates)

            run_write(self._conn, write, timeout_s=timeout, what="flush", path=self._bus.path)
            self._pending = {}

    def close(self) -> None:
        """Flush what is still queued, then release the file."""
        try:
            self.flush()
        finally:
            with self._lock:
                if self._conn is not None:
                    self._conn.close()
                    self._conn = None


__all__ = ["Message", "SqliteBus", "SqliteConsumer", "SqliteProducer"]
