"""Group commit: many requests' bus writes made durable by one flush.

Requests hand their messages to one writer thread and wait; the writer takes everything
queued, sends it, flushes once and wakes every request in that group. Concurrent
requests then share one fsync instead of queueing behind each other's.

>>> from loam.core.bus.sqlite import SqliteBus
>>> import tempfile, os
>>> bus = SqliteBus(os.path.join(tempfile.mkdtemp(), "b.sqlite")); bus.create_topic("t")
>>> writer = GroupCommitWriter(bus.producer())
>>> writer.write([("t", None, b"x")])
>>> writer.close(); bus.close()
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence

from loam.core.bus import Producer
from loam.core.errors import BackendUnavailable

Item = tuple[str, bytes | None, bytes]  # topic, key, value


class _Pending:
    __slots__ = ("done", "error", "items")

    def __init__(self, items: Sequence[Item]) -> None:
        self.items = items
        self.done = threading.Event()
        self.error: BaseException | None = None


class GroupCommitWriter:
    def __init__(self, producer: Producer, *, timeout_s: float = 60.0) -> None:
        self.producer = producer
        self.timeout_s = timeout_s
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="loam-collector-bus", daemon=True)
        self._thread.start()

    def write(self, items: Sequence[Item]) -> None:
        """Return once ``items`` are durable on the bus; raise BackendUnavailable if not."""
        if not items:
            return
        pending = _Pending(items)
        self._queue.put(pending)
        if not pending.done.wait(self.timeout_s):
            raise BackendUnavailable(f"the bus did not confirm a write within {self.timeout_s}s")
        if pending.error is not None:
            if isinstance(pending.error, BackendUnavailable):
                raise pending.error
            raise BackendUnavailable(
                f"writing to the bus failed: {pending.error}"
            ) from pending.error

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            group = [first]
            stop = False
            while True:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                group.append(more)
            try:
                for pending in group:
                    for topic, key, value in pending.items:
                        self.producer.send(topic, value, key=key)
                self.producer.flush()
            except BaseException as exc:  # every waiting request hears about it
                for pending in group:
                    pending.error = exc
            for pending in group:
                pending.done.set()
            if stop:
                return

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=self.timeout_s)
        self.producer.close()
