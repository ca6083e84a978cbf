"""Consumer groups on the SQLite bus: membership by heartbeat, partition ownership, offsets.

How members share partitions, with no coordinator process:

- every member has a row in ``group_members`` whose ``heartbeat_ms`` a background thread
  refreshes; a member silent for longer than the session timeout is deleted by whichever
  member notices first (that is how a SIGKILLed process leaves the group);
- any join, leave or expiry bumps the group's generation; a member seeing a new generation
  recomputes the wanted assignment (partitions dealt round-robin over live members sorted
  by join time), releases what it no longer wants and claims wanted partitions nobody owns;
- a partition is read only by its owner (row in ``group_owners``), so two members never
  read one partition at the same time, and a commit is accepted only from the owner;
- a newly claimed partition is read from the group's committed offset, so messages its
  previous owner polled but did not commit are delivered again (at-least-once).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Sequence

from loam.core.bus import Message
from loam.core.bus._rules import now_ms
from loam.core.bus._sqlite_db import OFFSET_BITS, PARTITION_SPAN, connect, run_write
from loam.core.errors import BackendUnavailable, Conflict, InvalidInput

_OFFSET_MASK = PARTITION_SPAN - 1
_MIN_PAUSE_S = 0.005  # between checks for new messages in a poll ...
_MAX_PAUSE_S = 0.05  # ... growing to this while the bus stays still


def wanted_partitions(
    members: Sequence[tuple[str, list[str]]], layout: dict[str, list[int]], me: str
) -> set[int]:
    """The partition ids ``me`` should own: each topic's partitions dealt round-robin over the
    members subscribed to it, in the order given (join order).

    >>> sorted(wanted_partitions([("a", ["t"]), ("b", ["t"])], {"t": [1, 2, 3, 4]}, "b"))
    [2, 4]
    """
    mine: set[int] = set()
    for topic, ids in layout.items():
        readers = [name for name, topics in members if topic in topics]
        if me not in readers:
            continue
        slot = readers.index(me)
        mine.update(pid for i, pid in enumerate(ids) if i % len(readers) == slot)
    return mine


class SqliteConsumer:
    """One member of a consumer group on the SQLite bus."""

    def __init__(
        self,
        *,
        path: str,
        group: str,
        layout: dict[str, list[int]],
        session_timeout_ms: int,
        heartbeat_interval_ms: int,
        lock_timeout_s: float,
        max_poll_interval_ms: int = 300_000,
    ) -> None:
        self._path = path
        self._group = group
        self._layout = layout
        self._topics = sorted(layout)
        self._where = {pid: (t, n) for t, ids in layout.items() for n, pid in enumerate(ids)}
        self._session_ms = session_timeout_ms
        self._heartbeat_s = heartbeat_interval_ms / 1000
        self._lock_timeout_s = lock_timeout_s
        self._member = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._conn: sqlite3.Connection | None = connect(path)
        self._lock = threading.RLock()
        self._positions: dict[int, int] = {}  # owned partition id -> next offset to read
        self._delivered: dict[int, int] = {}  # partition id -> offset after the last polled message
        self._generation = -1
        self._last_sync = 0.0
        self._last_poll = time.monotonic()
        self._max_poll_gap_s = max_poll_interval_ms / 1000
        self._rotation = 0
        self._lost = threading.Event()  # set by the heartbeat thread when the group dropped us
        self._write(self._join, "join group")
        self._sync()
        self._stop = threading.Event()
        self._beat = threading.Thread(
            target=self._heartbeat_loop, name=f"loam-bus-heartbeat-{group}", daemon=True
        )
        self._beat.start()

    # -- public face ----------------------------------------------------------------------

    @property
    def member_id(self) -> str:
        return self._member

    def assignment(self) -> list[tuple[str, int]]:
        with self._lock:
            self._check_open()
            self._maybe_sync()
            return sorted(self._where[pid] for pid in self._positions)

    def poll(self, max_messages: int = 500, timeout: float = 1.0) -> list[Message]:
        if max_messages < 1:
            raise InvalidInput(f"max_messages must be at least 1, got {max_messages}")
        deadline = time.monotonic() + max(0.0, timeout)
        self._last_poll = time.monotonic()
        with self._lock:
            conn = self._check_open()
            seen_version = -1
            pause = _MIN_PAUSE_S
            while True:
                if self._maybe_sync():
                    seen_version = -1  # new partitions may hold messages already
                # data_version moves when another connection commits: only then query again.
                version = int(conn.execute("PRAGMA data_version").fetchone()[0])
                if version != seen_version:
                    seen_version = version
                    pause = _MIN_PAUSE_S
                    batch = self._read(conn, max_messages)
                    if batch:
                        return batch
                left = deadline - time.monotonic()
                if left <= 0:
                    return []
                time.sleep(min(left, pause))
                # Back off while nothing moves: an idle member checked 200 times a second
                # (~17 ms of CPU per second); a busy one still sees a commit within 5 ms.
                pause = min(pause * 2, _MAX_PAUSE_S)

    def commit(self, messages: Sequence[Message] | None = None) -> None:
        with self._lock:
            self._check_open()
            if messages is None:
                offsets = dict(self._delivered)
            else:
                offsets = {}
                for m in messages:
                    ids = self._layout.get(m.topic)
                    if ids is None or not 0 <= m.partition < len(ids):
                        raise InvalidInput(
                            f"cannot commit {m.topic}[{m.partition}]: not a partition of this consumer's "
                            f"topics {self._topics}"
                        )
                    offsets[ids[m.partition]] = max(offsets.get(ids[m.partition], 0), m.offset + 1)
            if not offsets:
                return
            lost = self._write(lambda c: self._store_offsets(c, offsets), "commit")
            if messages is None:
                for pid, off in offsets.items():
                    if self._delivered.get(pid) == off:
                        del self._delivered[pid]
            if lost:
                self._generation = -1  # resync before the next read
                names = ", ".join(f"{t}[{n}]" for t, n in sorted(self._where[p] for p in lost))
                raise Conflict(
                    f"cannot commit {names}: the group moved these partitions to another member; "
                    "their uncommitted messages will be delivered again there",
                    details=[
                        {"topic": self._where[p][0], "partition": self._where[p][1]} for p in lost
                    ],
                )

    def close(self) -> None:
        with self._lock:
            if self._conn is None:
                return
            self._stop.set()
        self._beat.join(timeout=5)
        with self._lock:
            if self._conn is None:
                return
            with contextlib.suppress(BackendUnavailable):
                self._write(self._leave, "leave group")
            self._conn.close()
            self._conn = None
            self._positions.clear()

    # -- reading --------------------------------------------------------------------------

    def _read(self, conn: sqlite3.Connection, limit: int) -> list[Message]:
        owned = sorted(self._positions)
        if not owned:
            return []
        self._rotation = (self._rotation + 1) % len(owned)
        batch: list[Message] = []
        for pid in owned[self._rotation :] + owned[: self._rotation]:
            base = pid << OFFSET_BITS
            rows = conn.execute(
                "SELECT id, key, value, ts_ms FROM messages WHERE id >= ? AND id < ? ORDER BY id LIMIT ?",
                (base + self._positions[pid], base + PARTITION_SPAN, limit - len(batch)),
            ).fetchall()
            if not rows:
                continue
            topic, partition = self._where[pid]
            batch.extend(
                Message(topic, partition, rid & _OFFSET_MASK, k, v, ts) for rid, k, v, ts in rows
            )
            nxt = (rows[-1][0] & _OFFSET_MASK) + 1
            self._positions[pid] = nxt
            self._delivered[pid] = nxt
            if len(batch) >= limit:
                break
        return batch

    # -- membership -----------------------------------------------------------------------

    def _check_open(self) -> sqlite3.Connection:
        if self._conn is None:
            raise BackendUnavailable("this consumer is closed; open a new one with bus.consumer()")
        return self._conn

    def _write(self, work: Callable[[sqlite3.Connection], set[int]], what: str) -> set[int]:
        conn = self._check_open()
        return run_write(conn, work, timeout_s=self._lock_timeout_s, what=what, path=self._path)

    def _bump(self, c: sqlite3.Connection) -> None:
        c.execute(
            "INSERT INTO group_generations VALUES (?, 1) "
            "ON CONFLICT (grp) DO UPDATE SET generation = generation + 1",
            (self._group,),
        )

    def _join(self, c: sqlite3.Connection) -> set[int]:
        now = now_ms()
        c.execute(
            "INSERT OR REPLACE INTO group_members VALUES (?, ?, ?, ?, ?)",
            (self._group, self._member, json.dumps(self._topics), now, now),
        )
        self._bump(c)
        return set()

    def _leave(self, c: sqlite3.Connection) -> set[int]:
        c.execute(
            "DELETE FROM group_members WHERE grp = ? AND member = ?", (self._group, self._member)
        )
        c.execute(
            "DELETE FROM group_owners WHERE grp = ? AND member = ?", (self._group, self._member)
        )
        self._bump(c)
        return set()

    def _expire_silent(self, c: sqlite3.Connection) -> None:
        """Drop members whose heartbeat is older than the session timeout, and free their partitions."""
        cutoff = now_ms() - self._session_ms
        dead = [
            str(r[0])
            for r in c.execute(
                "SELECT member FROM group_members WHERE grp = ? AND heartbeat_ms < ?",
                (self._group, cutoff),
            )
        ]
        for member in dead:
            c.execute(
                "DELETE FROM group_members WHERE grp = ? AND member = ?", (self._group, member)
            )
            c.execute(
                "DELETE FROM group_owners WHERE grp = ? AND member = ?", (self._group, member)
            )
        if dead:
            self._bump(c)

    def _heartbeat(self, c: sqlite3.Connection) -> bool:
        alive = c.execute(
            "UPDATE group_members SET heartbeat_ms = ? WHERE grp = ? AND member = ?",
            (now_ms(), self._group, self._member),
        ).rowcount
        self._expire_silent(c)
        return alive > 0

    def _heartbeat_loop(self) -> None:
        conn = connect(self._path)
        try:
            while not self._stop.wait(self._heartbeat_s):
                if time.monotonic() - self._last_poll > self._max_poll_gap_s:
                    # Like Kafka's max.poll.interval.ms: a member that stopped polling (stuck, or
                    # forgotten without close()) stops beating, so the group moves its partitions.
                    continue
                try:
                    alive = run_write(
                        conn,
                        self._heartbeat,
                        timeout_s=self._heartbeat_s * 2,
                        what="heartbeat",
                        path=self._path,
                    )
                except BackendUnavailable:
                    continue  # the file is busy; the next beat tries again
                if not alive:
                    self._lost.set()
        finally:
            conn.close()

    def _maybe_sync(self) -> bool:
        conn = self._check_open()
        row = conn.execute(
            "SELECT generation FROM group_generations WHERE grp = ?", (self._group,)
        ).fetchone()
        generation = -2 if row is None else int(row[0])
        since = time.monotonic() - self._last_sync
        if generation != self._generation or self._lost.is_set() or since > self._heartbeat_s:
            self._sync()
            return True
        return False

    def _sync(self) -> None:
        """Heartbeat, expire the silent, then release and claim partitions to match the wanted share."""
        self._lost.clear()
        claimed, released, generation = self._write_sync()
        for pid in released:
            self._positions.pop(pid, None)
            self._delivered.pop(pid, None)
        self._positions.update(claimed)
        for pid in claimed:
            self._delivered.pop(pid, None)
        self._generation = generation
        self._last_sync = time.monotonic()

    def _write_sync(self) -> tuple[dict[int, int], set[int], int]:
        conn = self._check_open()
        holding = set(self._positions)

        def work(c: sqlite3.Connection) -> tuple[dict[int, int], set[int], int]:
            if not self._heartbeat(c):
                self._join(c)  # we were expired (paused too long): rejoin as a new member
            members = [
                (str(m), list(json.loads(t)))
                for m, t in c.execute(
                    "SELECT member, topics FROM group_members WHERE grp = ? ORDER BY joined_ms, member",
                    (self._group,),
                )
            ]
            wanted = wanted_partitions(members, self._layout, self._member)
            owners = {
                int(p): str(m)
                for p, m in c.execute(
                    "SELECT partition_id, member FROM group_owners WHERE grp = ?", (self._group,)
                )
            }
            mine = {p for p, m in owners.items() if m == self._member}
            released = (mine - wanted) | (holding - mine)
            for pid in mine - wanted:
                c.execute(
                    "DELETE FROM group_owners WHERE grp = ? AND partition_id = ?",
                    (self._group, pid),
                )
            if mine - wanted:
                self._bump(c)  # wakes the member waiting for what we just released
            free = [p for p in wanted if p not in owners]
            for pid in free:
                c.execute(
                    "INSERT INTO group_owners VALUES (?, ?, ?)", (self._group, pid, self._member)
                )
            claimed = {}
            for pid in set(free) | ((mine & wanted) - holding):
                row = c.execute(
                    "SELECT next_offset FROM group_offsets WHERE grp = ? AND partition_id = ?",
                    (self._group, pid),
                ).fetchone()
                first = c.execute(
                    "SELECT min(id) FROM messages WHERE id >= ? AND id < ?",
                    (pid << OFFSET_BITS, (pid << OFFSET_BITS) + PARTITION_SPAN),
                ).fetchone()[0]
                low = 0 if first is None else int(first) & _OFFSET_MASK
                claimed[pid] = max(low, 0 if row is None else int(row[0]))
            gen = c.execute(
                "SELECT generation FROM group_generations WHERE grp = ?", (self._group,)
            ).fetchone()
            return claimed, released, int(gen[0])

        return run_write(
            conn, work, timeout_s=self._lock_timeout_s, what="group sync", path=self._path
        )

    def _store_offsets(self, c: sqlite3.Connection, offsets: dict[int, int]) -> set[int]:
        owned = {
            int(r[0])
            for r in c.execute(
                "SELECT partition_id FROM group_owners WHERE grp = ? AND member = ?",
                (self._group, self._member),
            )
        }
        lost = set(offsets) - owned
        c.executemany(
            "INSERT INTO group_offsets VALUES (?, ?, ?) "
            "ON CONFLICT (grp, partition_id) DO UPDATE SET next_offset = excluded.next_offset",
            [(self._group, pid, off) for pid, off in offsets.items() if pid in owned],
        )
        return lost
