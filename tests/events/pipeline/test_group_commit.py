"""Group commit without a writer thread: a lone write flushes in its own thread, concurrent
writes share flushes, and a failed flush reaches every request in its group."""

from __future__ import annotations

import threading
import time

import pytest

from loam.core.errors import BackendUnavailable
from loam.events.pipeline.group_commit import GroupCommitWriter


class SlowProducer:
    def __init__(self, fail: bool = False) -> None:
        self.sent: list[bytes] = []
        self.durable: list[bytes] = []
        self.flushes = 0
        self.threads: set[str] = set()
        self.fail = fail
        self.closed = False

    def send(self, topic: str, value: bytes, key: bytes | None = None) -> None:
        self.sent.append(value)

    def flush(self, timeout: float = 30.0) -> None:
        self.threads.add(threading.current_thread().name)
        time.sleep(0.02)
        self.flushes += 1
        if self.fail:
            self.sent.clear()
            raise OSError("disk full")
        self.durable += self.sent
        self.sent.clear()

    def close(self) -> None:
        self.closed = True


def test_concurrent_writes_share_flushes_and_all_are_durable() -> None:
    producer = SlowProducer()
    writer = GroupCommitWriter(producer)  # type: ignore[arg-type]
    done: list[bytes] = []

    def one(i: int) -> None:
        writer.write([("t", None, b"%d" % i)])
        assert b"%d" % i in producer.durable  # answered only once durable
        done.append(b"%d" % i)

    threads = [threading.Thread(target=one, args=(i,), name=f"req-{i}") for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(done) == sorted(producer.durable) and len(done) == 20
    assert producer.flushes < 20
    assert len(producer.threads) >= 1 and all(n.startswith("req-") for n in producer.threads)
    writer.close()
    assert producer.closed


def test_a_failed_flush_is_reported_to_each_request() -> None:
    writer = GroupCommitWriter(SlowProducer(fail=True))  # type: ignore[arg-type]
    errors: list[BaseException] = []

    def one() -> None:
        try:
            writer.write([("t", None, b"x")])
        except BackendUnavailable as exc:
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(errors) == 5 and "disk full" in str(errors[0])
    writer.close()
    with pytest.raises(BackendUnavailable):
        writer.write([("t", None, b"y")])
