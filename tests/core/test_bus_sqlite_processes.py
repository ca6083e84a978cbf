"""The SQLite bus shared by several OS processes at once (real processes, one file)."""

from __future__ import annotations

import uuid
from pathlib import Path

from loam.core.bus.sqlite import SqliteBus
from tests.core.bus_helpers import collect, quiet_for, wait_until
from tests.core.test_bus_crash import kill, read_log, start_child


def test_two_producer_processes_write_one_gapless_log(tmp_path: Path) -> None:
    path = str(tmp_path / "bus.sqlite")
    bus = SqliteBus(path)
    bus.create_topic("shared", partitions=4)
    logs = [tmp_path / "p1.log", tmp_path / "p2.log"]
    children = [
        start_child(
            ("sqlite", path), "produce", "--topic", "shared", "--log", str(log), "--batch", "100"
        )
        for log in logs
    ]
    try:
        wait_until(
            lambda: all(len(read_log(log)) >= 10 for log in logs),
            timeout=60,
            what="both producers to write",
        )
    finally:
        for child in children:
            kill(child)
    acked_batches = [len(read_log(log)) for log in logs]

    consumer = bus.consumer("check", ["shared"])
    try:
        got = collect([consumer], sum(acked_batches) * 100, timeout=30, commit=True)[0]
        got += quiet_for(consumer, 0.5)
    finally:
        consumer.close()
        bus.close()
    for partition in range(4):
        offsets = sorted(m.offset for m in got if m.partition == partition)
        assert offsets == list(range(len(offsets))), f"partition {partition} has gaps or repeats"
    # Both processes wrote the same values ("b<batch>-<i>"): each acked one appears twice.
    values = [m.value for m in got]
    for batch in range(min(acked_batches)):
        assert values.count(f"b{batch}-7".encode()) == 2


def test_two_consumer_processes_split_one_group(tmp_path: Path) -> None:
    path = str(tmp_path / "bus.sqlite")
    bus = SqliteBus(path)
    topic, group = "work", f"g-{uuid.uuid4().hex[:6]}"
    bus.create_topic(topic, partitions=4)
    producer = bus.producer()
    producer.send_batch(topic, [(f"k{i}".encode(), f"m{i}".encode()) for i in range(3000)])
    producer.flush()
    logs = [tmp_path / "c1.log", tmp_path / "c2.log"]
    common = [
        "--topic",
        topic,
        "--group",
        group,
        "--batch",
        "50",
        "--pause",
        "0.05",
        "--idle-exit",
        "2",
    ]
    children = [
        start_child(("sqlite", path), "consume", *common, "--log", str(log)) for log in logs
    ]
    try:
        for child in children:
            assert child.wait(timeout=120) == 0
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
    seen = [[line[3] for line in read_log(log) if line[0] == "seen"] for log in logs]

    assert all(seen), "one consumer process got nothing"
    assert set(seen[0]) | set(seen[1]) == {f"m{i}" for i in range(3000)}
    # Only a batch in flight when a partition changed hands may be read twice.
    assert len(seen[0]) + len(seen[1]) - 3000 <= 4 * 50
    assert sum(bus.lag(group, topic).values()) == 0
    bus.close()
