"""Group commit: many requests' bus writes made durable by one flush.

A request queues its messages; if no flush is under way it becomes the leader: it takes
everything queued (its own and any that arrived meanwhile), sends it, flushes once and
wakes every request in that group. Requests arriving while a flush runs wait for it,
then one of them leads the next flush for all of them. Concurrent requests thus share
one fsync instead of queueing behind each other's, and a lone request writes in its
own thread: no hand-off to a writer thread (measured: ~100 us of CPU per request).

>>> from loam.core.bus.sqlite import SqliteBus
>>> import tempfile, os
>>> bus = SqliteBus(os.path.join(tempfile.mkdtemp(), "b.sqlite")); bus.create_topic("t")
>>> writer = GroupCommitWriter(bus.producer())
>>> writer.write([("t", None, b"x")])
>>> writer.close(); bus.close()
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from loam.core.bus import Producer
from loam.core.errors import BackendUnavailable

Item = tuple[str, bytes | None, bytes]  # topic, key, value


class _Pending:
    __slots__ = ("done", "error", "items")

    def __init__(self, items: Sequence[Item]) -> None:
        self.items = items
        self.done = False
        self.error: BaseException | None = None


class GroupCommitWriter:
    def __init__(self, producer: Producer, *, timeout_s: float = 60.0) -> None:
        self.producer = producer
        self.timeout_s = timeout_s
        self._cond = threading.Condition()
        self._queue: list[_Pending] = []
        self._busy = False  # a leader is flushing
        self._closed = False

    def write(self, items: Sequence[Item]) -> None:
        """Return once ``items`` are durable on the bus; raise BackendUnavailable if not."""
        if not items:
            return
        pending = _Pending(items)
        deadline = time.monotonic() + self.timeout_s
        with self._cond:
            if self._closed:
                raise BackendUnavailable("the collector's bus writer is closed")
            self._queue.append(pending)
            while self._busy and not pending.done:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise BackendUnavailable(
                        f"the bus did not confirm a write within {self.timeout_s}s"
                    )
                self._cond.wait(left)
            if not pending.done:
                self._busy = True
                group, self._queue = self._queue, []
        if not pending.done:
            self._flush(group)
        if pending.error is not None:
            if isinstance(pending.error, BackendUnavailable):
                raise pending.error
            raise BackendUnavailable(
                f"writing to the bus failed: {pending.error}"
            ) from pending.error

    def _flush(self, group: list[_Pending]) -> None:
        error: BaseException | None = None
        try:
            for pending in group:
                for topic, key, value in pending.items:
                    self.producer.send(topic, value, key=key)
            self.producer.flush()
        except BaseException as exc:  # every waiting request hears about it
            error = exc
        with self._cond:
            for pending in group:
                pending.error = error
                pending.done = True
            self._busy = False
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            deadline = time.monotonic() + self.timeout_s
            while self._busy and time.monotonic() < deadline:
                self._cond.wait(deadline - time.monotonic())
        self.producer.close()
