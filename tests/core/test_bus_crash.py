"""SIGKILL a real consumer / producer process mid-stream; nothing acknowledged is lost.

The child processes (``bus_crash_child.py``) fsync a log line for each step, so after the
kill the test knows exactly what the dead process had seen, and compares it with the
offsets the bus says were committed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from loam.core.bus import Bus
from tests.core.bus_crash_child import open_bus
from tests.core.bus_helpers import quiet_for, wait_until

REPO = Path(__file__).resolve().parents[2]
TOTAL = 2000


@pytest.fixture(
    params=["sqlite", pytest.param("kafka", marks=pytest.mark.integration)],
)
def engine_target(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    if request.param == "sqlite":
        return "sqlite", str(tmp_path / "bus.sqlite")
    return "kafka", str(request.getfixturevalue("kafka_bootstrap"))


@pytest.fixture
def bus(engine_target: tuple[str, str]) -> Iterator[Bus]:
    bus = open_bus(*engine_target)
    yield bus
    bus.close()


def start_child(engine_target: tuple[str, str], *args: str) -> subprocess.Popen[bytes]:
    engine, target = engine_target
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.core.bus_crash_child",
            *args,
            "--engine",
            engine,
            "--target",
            target,
        ],
        cwd=REPO,
        stdin=subprocess.DEVNULL,
    )


def read_log(path: Path) -> list[list[str]]:
    if not path.exists():
        return []
    return [line.split(" ") for line in path.read_text().splitlines() if line]


def kill(proc: subprocess.Popen[bytes]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL


def test_a_killed_consumer_loses_nothing_committed_and_gets_back_only_the_uncommitted(
    engine_target: tuple[str, str], bus: Bus, tmp_path: Path
) -> None:
    topic, group = f"crash-{uuid.uuid4().hex[:8]}", f"g-{uuid.uuid4().hex[:8]}"
    bus.create_topic(topic, partitions=4)
    producer = bus.producer()
    values = {f"m{i}" for i in range(TOTAL)}
    producer.send_batch(topic, [(f"k{i % 16}".encode(), f"m{i}".encode()) for i in range(TOTAL)])
    producer.flush()
    producer.close()

    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = start_child(
        engine_target,
        "consume",
        "--topic",
        topic,
        "--group",
        group,
        "--log",
        str(first_log),
        "--pause",
        "0.5",
    )
    try:

        def mid_batch_after_three_commits() -> bool:
            lines = read_log(first_log)
            commits = sum(1 for line in lines if line[0] == "committed")
            return commits >= 3 and lines[-1][0] == "seen"

        wait_until(
            mid_batch_after_three_commits,
            timeout=60,
            what="the consumer to be mid-batch",
            step=0.01,
        )
        kill(first)  # polled, logged, not yet committed: SIGKILL now
    finally:
        if first.poll() is None:
            first.kill()

    seen_first = {
        (int(p), int(o)): v
        for kind, *rest in read_log(first_log)
        if kind == "seen"
        for p, o, v in [rest]
    }
    committed = bus.committed(group, topic)
    done = {po for po in seen_first if po[1] < committed.get(po[0], 0)}
    pending = {po for po in seen_first if po[1] >= committed.get(po[0], 0)}
    assert 0 < len(done) < TOTAL, "the kill did not land mid-stream"
    assert pending, "the kill did not land between poll and commit"
    # No message was committed without the dead consumer having seen (and logged) it.
    assert len(done) == sum(committed.values())

    second = start_child(
        engine_target,
        "consume",
        "--topic",
        topic,
        "--group",
        group,
        "--log",
        str(second_log),
        "--expect",
        str(TOTAL - len(done)),
    )
    try:
        assert second.wait(timeout=120) == 0
    finally:
        if second.poll() is None:
            second.kill()
    seen_second = [
        (int(p), int(o), v)
        for kind, *rest in read_log(second_log)
        if kind == "seen"
        for p, o, v in [rest]
    ]
    again = {(p, o) for p, o, _ in seen_second}

    assert len(seen_second) == len(again), "the restarted consumer got a message twice"
    assert not again & done, "a committed message was delivered again"
    assert again & set(seen_first) == pending, (
        "redelivered messages are not exactly the uncommitted ones"
    )
    assert {v for v in seen_first.values()} | {v for _, _, v in seen_second} == values, (
        "a message was lost"
    )
    assert sum(bus.committed(group, topic).values()) == TOTAL


def test_a_killed_producer_loses_nothing_flush_acknowledged(
    engine_target: tuple[str, str], bus: Bus, tmp_path: Path
) -> None:
    topic = f"crash-{uuid.uuid4().hex[:8]}"
    bus.create_topic(topic, partitions=4)
    log = tmp_path / "producer.log"
    child = start_child(
        engine_target, "produce", "--topic", topic, "--log", str(log), "--batch", "200"
    )
    try:
        wait_until(
            lambda: len(read_log(log)) >= 5, timeout=60, what="five acknowledged batches", step=0.01
        )
        time.sleep(0.013)  # land somewhere inside a later batch
        kill(child)
    finally:
        if child.poll() is None:
            child.kill()
    acked = {int(line[1]) for line in read_log(log) if line[0] == "acked"}
    assert acked == set(range(len(acked)))

    must_have = {f"b{b}-{i}" for b in acked for i in range(200)}
    consumer = bus.consumer(f"reader-{uuid.uuid4().hex[:8]}", [topic])
    try:
        got: list[str] = []
        deadline = time.monotonic() + 60
        while not must_have <= set(got) and time.monotonic() < deadline:
            got.extend(m.value.decode() for m in consumer.poll(max_messages=500, timeout=0.5))
        got.extend(m.value.decode() for m in quiet_for(consumer, 1.0))
    finally:
        consumer.close()
    assert must_have <= set(got), f"{len(must_have - set(got))} acknowledged messages are missing"
    assert len(got) == len(set(got)), "a message was written twice"
    if engine_target[0] == "sqlite":
        # One transaction per flush: a batch is all there or not at all.
        batches: dict[str, int] = {}
        for value in got:
            batches[value.split("-")[0]] = batches.get(value.split("-")[0], 0) + 1
        assert set(batches.values()) == {200}
