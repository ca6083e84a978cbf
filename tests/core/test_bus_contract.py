"""One contract every bus engine passes: the SQLite log and Kafka (a real broker).

Decision on unknown topics: nothing is auto-created. Sending to, consuming from or asking
the lag of a topic that does not exist raises NotFound naming the topic; ``create_topic``
is the only way a topic comes to exist (so a typo cannot silently create a new topic).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import suppress
from typing import Any

import pytest

from loam.core.bus import Bus, Consumer, Producer
from loam.core.bus.kafka import KafkaBus
from loam.core.bus.sqlite import SqliteBus
from loam.core.errors import Conflict, InvalidInput, NotFound
from tests.core.bus_helpers import collect, quiet_for, settle

OpenBus = Callable[[], Any]


class BusContract:
    """Subclasses provide ``open_bus``: a new bus object on the same storage at each call."""

    engine: str
    rebalance_s: float  # how long a group may take to settle after a member joins or leaves
    lag_checked = True

    @pytest.fixture
    def open_bus(self) -> OpenBus:
        raise NotImplementedError

    @pytest.fixture
    def closing(self) -> Iterator[list[Any]]:
        """Everything appended here is closed at the end of the test, newest first."""
        opened: list[Any] = []
        yield opened
        for thing in reversed(opened):
            with suppress(Exception):
                thing.close()

    @pytest.fixture
    def bus(self, open_bus: OpenBus, closing: list[Any]) -> Bus:
        bus = open_bus()
        closing.append(bus)
        return bus

    @pytest.fixture
    def topic(self, bus: Bus) -> str:
        name = f"t-{uuid.uuid4().hex[:10]}"
        bus.create_topic(name, partitions=4)
        return name

    @pytest.fixture
    def group(self) -> str:
        return f"g-{uuid.uuid4().hex[:10]}"

    def producer(self, bus: Bus, closing: list[Any]) -> Producer:
        producer = bus.producer()
        closing.append(producer)
        return producer

    def consumer(self, bus: Bus, closing: list[Any], group: str, topic: str) -> Consumer:
        consumer = bus.consumer(group, [topic])
        closing.append(consumer)
        return consumer

    # -- the contract ---------------------------------------------------------------------

    def test_the_engine_says_what_it_is(self, bus: Bus) -> None:
        assert isinstance(bus, Bus)
        assert bus.capabilities.engine == self.engine
        assert bus.capabilities.multi_process
        health = bus.health()
        assert health.ok, health.detail
        assert (health.component, health.backend) == ("bus", self.engine)

    def test_messages_with_one_key_stay_in_one_partition_in_order(
        self, bus: Bus, topic: str, group: str, closing: list[Any]
    ) -> None:
        keys = [f"user-{i}".encode() for i in range(6)]
        producer = self.producer(bus, closing)
        for seq in range(50):
            producer.send_batch(topic, [(k, f"{k.decode()}:{seq}".encode()) for k in keys])
        producer.flush()

        (got,) = collect([self.consumer(bus, closing, group, topic)], 300, timeout=30, commit=True)

        assert len(got) == 300
        for key in keys:
            mine = [m for m in got if m.key == key]
            assert len({m.partition for m in mine}) == 1, f"{key!r} spread over partitions"
            in_log_order = sorted(mine, key=lambda m: m.offset)
            assert [int(m.value.split(b":")[1]) for m in in_log_order] == list(range(50))
        assert len({m.partition for m in got}) > 1, "six keys all hashed to one partition"

    def test_keyless_messages_spread_over_partitions(
        self, bus: Bus, topic: str, group: str, closing: list[Any]
    ) -> None:
        producer = self.producer(bus, closing)
        producer.send_batch(topic, [(None, f"v{i}".encode()) for i in range(200)])
        producer.flush()
        (got,) = collect([self.consumer(bus, closing, group, topic)], 200, timeout=30, commit=False)
        assert sorted(m.value for m in got) == sorted(f"v{i}".encode() for i in range(200))
        assert len({m.partition for m in got}) >= 3

    def test_uncommitted_messages_are_delivered_again_committed_ones_are_not(
        self, bus: Bus, topic: str, group: str, closing: list[Any]
    ) -> None:
        producer = self.producer(bus, closing)
        producer.send_batch(topic, [(f"k{i}".encode(), f"v{i}".encode()) for i in range(20)])
        producer.flush()
        sent = {f"v{i}".encode() for i in range(20)}

        first = self.consumer(bus, closing, group, topic)
        (seen,) = collect([first], 20, timeout=30, commit=False)
        first.close()  # processed nothing: no commit

        second = self.consumer(bus, closing, group, topic)
        (again,) = collect([second], 20, timeout=30 + self.rebalance_s, commit=False)
        assert {m.value for m in seen} == {m.value for m in again} == sent
        second.commit()
        second.close()

        third = self.consumer(bus, closing, group, topic)
        assert quiet_for(third, self.rebalance_s + 1.0) == []

    def test_commit_of_some_messages_keeps_the_rest_pending(
        self, bus: Bus, topic: str, group: str, closing: list[Any]
    ) -> None:
        producer = self.producer(bus, closing)
        producer.send_batch(topic, [(b"one-key", f"v{i}".encode()) for i in range(10)])
        producer.flush()
        first = self.consumer(bus, closing, group, topic)
        (seen,) = collect([first], 10, timeout=30, commit=False)
        in_order = sorted(seen, key=lambda m: m.offset)
        first.commit(in_order[:4])
        first.close()

        second = self.consumer(bus, closing, group, topic)
        (rest,) = collect([second], 6, timeout=30 + self.rebalance_s, commit=False)
        assert [m.value for m in sorted(rest, key=lambda m: m.offset)] == [
            f"v{i}".encode() for i in range(4, 10)
        ]

    def test_committed_offsets_survive_a_restart(
        self, open_bus: OpenBus, bus: Bus, topic: str, group: str, closing: list[Any]
    ) -> None:
        producer = self.producer(bus, closing)
        producer.send_batch(topic, [(f"k{i}".encode(), f"v{i}".encode()) for i in range(40)])
        producer.flush()
        consumer = self.consumer(bus, closing, group, topic)
        (done,) = collect([consumer], 40, timeout=30, commit=True)
        consumer.close()
        producer.send_batch(topic, [(f"k{i}".encode(), f"late{i}".encode()) for i in range(5)])
        producer.flush()
        bus.close()

        reopened = open_bus()
        closing.append(reopened)
        after = self.consumer(reopened, closing, group, topic)
        (rest,) = collect([after], 5, timeout=30 + self.rebalance_s, commit=True)
        assert sorted(m.value for m in rest) == sorted(f"late{i}".encode() for i in range(5))
        assert {m.value for m in done} == {f"v{i}".encode() for i in range(40)}
        assert quiet_for(after, 1.0) == []

    def test_two_consumers_in_one_group_share_the_partitions(
        self, bus: Bus, topic: str, group: str, closing: list[Any]
    ) -> None:
        a = self.consumer(bus, closing, group, topic)
        b = self.consumer(bus, closing, group, topic)
        settle([a, b], partitions=4, timeout=10 + 3 * self.rebalance_s)
        share_a, share_b = set(a.assignment()), set(b.assignment())

        producer = self.producer(bus, closing)
        sent = [f"v{i}".encode() for i in range(400)]
        producer.send_batch(topic, [(f"k{i}".encode(), v) for i, v in enumerate(sent)])
        producer.flush()
        got_a, got_b = collect([a, b], 400, timeout=30, commit=True)

        assert share_a and share_b and not share_a & share_b
        assert got_a and got_b, "one member got nothing"
        assert {(m.topic, m.partition) for m in got_a} <= share_a
        assert {(m.topic, m.partition) for m in got_b} <= share_b
        assert sorted(m.value for m in got_a + got_b) == sorted(sent)  # everything, exactly once

        b.close()  # a leaves: the other member takes over all partitions
        settle([a], partitions=4, timeout=10 + 3 * self.rebalance_s)
        assert quiet_for(a, 0.5) == []  # both committed: nothing comes back

    def test_lag_counts_what_the_group_has_not_committed(
        self, bus: Bus, topic: str, group: str, closing: list[Any]
    ) -> None:
        if not self.lag_checked:
            pytest.skip(
                "this broker's high watermarks are not trustworthy (tansu); lag is checked on SQLite"
            )
        producer = self.producer(bus, closing)
        producer.send_batch(topic, [(b"same-key", f"v{i}".encode()) for i in range(9)])
        producer.flush()
        lag = bus.lag(group, topic)
        assert sorted(lag) == [0, 1, 2, 3]
        assert sorted(lag.values()) == [0, 0, 0, 9]

        consumer = self.consumer(bus, closing, group, topic)
        (seen,) = collect([consumer], 9, timeout=30, commit=False)
        consumer.commit(sorted(seen, key=lambda m: m.offset)[:5])
        assert sorted(bus.lag(group, topic).values()) == [0, 0, 0, 4]
        consumer.commit()
        assert sum(bus.lag(group, topic).values()) == 0

    def test_create_topic_is_idempotent(self, bus: Bus, group: str, closing: list[Any]) -> None:
        name = f"t-{uuid.uuid4().hex[:10]}"
        bus.create_topic(name, partitions=3)
        bus.create_topic(name, partitions=3)
        bus.create_topic(name)  # no count: accept what exists
        with pytest.raises(Conflict, match="3 partitions"):
            bus.create_topic(name, partitions=5)
        consumer = self.consumer(bus, closing, group, name)
        settle([consumer], partitions=3, timeout=10 + 3 * self.rebalance_s)
        assert consumer.assignment() == [(name, 0), (name, 1), (name, 2)]

    def test_an_unknown_topic_is_not_found(self, bus: Bus, group: str, closing: list[Any]) -> None:
        producer = self.producer(bus, closing)
        with pytest.raises(NotFound, match="no-such-topic"):
            producer.send("no-such-topic", b"x")
        with pytest.raises(NotFound, match="no-such-topic"):
            bus.consumer(group, ["no-such-topic"])
        with pytest.raises(NotFound, match="no-such-topic"):
            bus.lag(group, "no-such-topic")

    def test_bad_input_is_refused_with_what_is_wrong(
        self, bus: Bus, topic: str, group: str, closing: list[Any]
    ) -> None:
        producer = self.producer(bus, closing)
        with pytest.raises(InvalidInput, match="topic name"):
            bus.create_topic("has space")
        with pytest.raises(InvalidInput, match="partition count"):
            bus.create_topic("fine-name", partitions=0)
        with pytest.raises(InvalidInput, match="must be bytes"):
            producer.send(topic, "a str, not bytes")  # type: ignore[arg-type]
        with pytest.raises(InvalidInput, match="key"):
            producer.send(topic, b"v", key=42)  # type: ignore[arg-type]
        with pytest.raises(InvalidInput, match="non-empty list"):
            bus.consumer(group, [])
        with pytest.raises(InvalidInput, match="group"):
            bus.consumer("", [topic])


class TestSqliteBus(BusContract):
    engine = "sqlite"
    rebalance_s = 0.5

    @pytest.fixture
    def open_bus(self, tmp_path: Any) -> OpenBus:
        path = str(tmp_path / "bus.sqlite")
        return lambda: SqliteBus(path, session_timeout_ms=2000)

    def test_a_bus_in_a_missing_folder_says_which_folder(self, tmp_path: Any) -> None:
        from loam.core.errors import BackendUnavailable

        with pytest.raises(BackendUnavailable, match="does not exist"):
            SqliteBus(str(tmp_path / "nowhere" / "bus.sqlite"))

    def test_a_member_that_stops_polling_loses_its_partitions_to_a_live_one(
        self, tmp_path: Any, closing: list[Any]
    ) -> None:
        # In-process stand-in for a dead member: it polls once, then never again, so it stops
        # heartbeating after max_poll_interval. test_bus_crash.py does it for real with SIGKILL.
        bus = SqliteBus(
            str(tmp_path / "b.sqlite"), session_timeout_ms=1000, max_poll_interval_ms=300
        )
        closing.append(bus)
        bus.create_topic("t", partitions=4)
        silent = self.consumer(bus, closing, "g", "t")
        producer = self.producer(bus, closing)
        producer.send_batch("t", [(f"k{i}".encode(), b"x") for i in range(40)])
        producer.flush()
        assert len(silent.poll(max_messages=500, timeout=1)) == 40  # polled, never committed

        live = self.consumer(bus, closing, "g", "t")
        assert live.poll(timeout=0.2) == []  # the silent member still owns everything
        started = time.monotonic()
        (again,) = collect([live], 40, timeout=10, commit=True)
        assert len(again) == 40
        assert time.monotonic() - started >= 0.5  # it waited for the silence to exceed the session
        assert len(live.assignment()) == 4

    def test_a_write_waits_for_another_process_lock_then_gives_up_clearly(
        self, tmp_path: Any, closing: list[Any]
    ) -> None:
        import sqlite3
        import threading

        from loam.core.errors import BackendUnavailable

        path = str(tmp_path / "b.sqlite")
        bus = SqliteBus(path, lock_timeout_s=0.5)
        closing.append(bus)
        bus.create_topic("t", partitions=1)
        producer = self.producer(bus, closing)
        # Another writer holding the lock (what a second process does while it writes).
        other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")
        producer.send("t", b"first")
        with pytest.raises(BackendUnavailable, match="flush"):
            producer.flush(timeout=0.5)

        threading.Timer(0.3, lambda: other.execute("ROLLBACK")).start()
        producer.flush(timeout=5)  # the same messages go through once the lock is released
        other.close()
        consumer = self.consumer(bus, closing, "g", "t")
        assert [m.value for m in collect([consumer], 1, timeout=5, commit=True)[0]] == [b"first"]

    def test_trim_deletes_only_what_every_group_has_committed(
        self, bus: Bus, topic: str, closing: list[Any]
    ) -> None:
        assert isinstance(bus, SqliteBus)
        producer = self.producer(bus, closing)
        producer.send_batch(topic, [(b"k", f"v{i}".encode()) for i in range(10)])
        producer.flush()
        fast = self.consumer(bus, closing, "fast", topic)
        collect([fast], 10, timeout=10, commit=True)
        slow = self.consumer(bus, closing, "slow", topic)
        (seen,) = collect([slow], 10, timeout=10, commit=False)
        slow.commit(sorted(seen, key=lambda m: m.offset)[:3])

        assert bus.trim(topic) == 3
        assert sum(bus.lag("slow", topic).values()) == 7
        assert sum(bus.lag("fast", topic).values()) == 0
        assert sum(bus.lag("never-read", topic).values()) == 7  # what is left to read


@pytest.mark.integration
class TestKafkaBus(BusContract):
    engine = "kafka"
    rebalance_s = 8.0  # session timeout 6 s plus the coordinator's join window

    @pytest.fixture(autouse=True)
    def _watermarks(self, kafka_watermarks_trusted: bool) -> None:
        self.lag_checked = kafka_watermarks_trusted

    @pytest.fixture
    def open_bus(self, kafka_bootstrap: str) -> OpenBus:
        return lambda: KafkaBus(kafka_bootstrap, session_timeout_ms=6000)

    def test_flush_raises_when_the_broker_dies(self, tmp_path: Any) -> None:
        from loam.core.errors import BackendUnavailable
        from tests.fixtures.kafka import running_tansu

        with running_tansu(tmp_path) as own_broker:  # a broker of our own, to stop mid-test
            bus = KafkaBus(own_broker, extra={"message.timeout.ms": "3000"})
            bus.create_topic("doomed", partitions=1)
            producer = bus.producer()
            producer.send("doomed", b"before")
            producer.flush(timeout=10)
        # The broker is gone now: the next flush must not pretend the messages are durable.
        producer.send("doomed", b"after")
        started = time.monotonic()
        with pytest.raises(BackendUnavailable, match=r"not (acknowledged|written)"):
            producer.flush(timeout=8)
        assert time.monotonic() - started < 9


# Kafka checks that need no broker (unit tests).


def test_kafka_health_with_a_wrong_address_is_one_actionable_line_quickly() -> None:
    started = time.monotonic()
    health = KafkaBus("127.0.0.1:9").health()
    assert time.monotonic() - started < 6
    assert not health.ok
    assert "127.0.0.1:9" in health.detail and "\n" not in health.detail
    assert "BOOTSTRAP_SERVERS" in health.fix


def test_kafka_settings_the_client_rejects_are_a_config_error() -> None:
    from loam.core.errors import ConfigError

    with pytest.raises(ConfigError, match=r"no\.such\.setting"):
        KafkaBus("127.0.0.1:9", extra={"no.such.setting": "1"}).producer()
