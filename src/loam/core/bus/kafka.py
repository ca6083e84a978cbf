"""The scale bus: any Kafka-protocol broker, through confluent-kafka (librdkafka).

Producers write with ``acks=all`` and idempotence (turn it off with
``extra={"enable.idempotence": "false"}`` on a broker without InitProducerId); consumers
never auto-commit, so a message counts as processed only after ``commit``. Groups are
rebalanced by the broker's group coordinator.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from confluent_kafka import Consumer as _RdConsumer
from confluent_kafka import KafkaError, KafkaException, TopicPartition
from confluent_kafka import Message as _RdMessage
from confluent_kafka import Producer as _RdProducer
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

from loam.core.bus import BusCapabilities, Message
from loam.core.bus._rules import (
    check_group,
    check_message,
    check_partitions,
    check_topic,
    check_topics,
)
from loam.core.errors import (
    BackendUnavailable,
    ConfigError,
    Conflict,
    InvalidInput,
    LoamError,
    NotFound,
)
from loam.core.health import Health

# librdkafka's own log lines go to Python logging instead of stderr (quiet unless configured).
_log = logging.getLogger("loam.bus.kafka")
_log.addHandler(logging.NullHandler())  # no stderr spam through logging's last-resort handler
_REBALANCED = {
    KafkaError.REBALANCE_IN_PROGRESS,
    KafkaError.ILLEGAL_GENERATION,
    KafkaError.UNKNOWN_MEMBER_ID,
    KafkaError._ASSIGNMENT_LOST,
}
_BAD_INPUT = {
    KafkaError.TOPIC_EXCEPTION,
    KafkaError.INVALID_PARTITIONS,
    KafkaError.INVALID_REPLICATION_FACTOR,
    KafkaError.INVALID_CONFIG,
}
_FIX = "check LOAM_BUS__KAFKA__BOOTSTRAP_SERVERS and that the broker is running and reachable"


def translate(exc: KafkaException | KafkaError, doing: str, where: str) -> LoamError:
    """A librdkafka error as the Loam error a caller can act on."""
    err = exc.args[0] if isinstance(exc, KafkaException) and exc.args else exc
    code = err.code() if isinstance(err, KafkaError) else None
    text = err.str() if isinstance(err, KafkaError) else str(err)
    message = f"kafka {doing} failed ({where}): {text}"
    if code in _REBALANCED:
        return Conflict(
            message + "; the group rebalanced, uncommitted messages will be delivered again"
        )
    if code in _BAD_INPUT:
        return InvalidInput(message)
    if code in {KafkaError.UNKNOWN_TOPIC_OR_PART, KafkaError._UNKNOWN_TOPIC}:
        return NotFound(message)
    return BackendUnavailable(message, details=[{"bootstrap_servers": where, "fix": _FIX}])


C = TypeVar("C")


def open_client(kind: Callable[[dict[str, Any]], C], conf: dict[str, Any]) -> C:
    """A librdkafka client; a setting it rejects is a ConfigError naming the setting."""
    try:
        return kind(conf)
    except (KafkaException, ValueError, TypeError) as exc:
        raise ConfigError(
            f"kafka client rejected its settings: {exc}",
            details=[{"fix": "check LOAM_BUS__KAFKA__EXTRA and the other bus.kafka settings"}],
        ) from None


class KafkaBus:
    """Topics and consumer groups on a Kafka-protocol broker."""

    capabilities = BusCapabilities(engine="kafka", multi_process=True, multi_host=True)

    def __init__(
        self,
        bootstrap_servers: str,
        default_partitions: int = 4,
        session_timeout_ms: int = 10_000,
        extra: dict[str, str] | None = None,
        *,
        request_timeout_s: float = 10.0,
    ) -> None:
        if not bootstrap_servers.strip():
            raise InvalidInput(
                "kafka bootstrap_servers is empty; set LOAM_BUS__KAFKA__BOOTSTRAP_SERVERS"
            )
        self.bootstrap_servers = bootstrap_servers
        self.default_partitions = check_partitions(default_partitions)
        self.session_timeout_ms = session_timeout_ms
        self.request_timeout_s = request_timeout_s
        self._extra = dict(extra or {})
        self._admin_client: AdminClient | None = None
        self._known: dict[str, int] = {}  # topic -> partition count, as seen in metadata
        self._lock = threading.Lock()

    def config(self, **overrides: Any) -> dict[str, Any]:
        """librdkafka settings shared by every client this bus opens (``extra`` wins)."""
        conf: dict[str, Any] = {
            "bootstrap.servers": self.bootstrap_servers,
            "logger": _log,
            "log.connection.close": False,
            "socket.connection.setup.timeout.ms": 5000,
        }
        conf.update(overrides)
        conf.update(self._extra)
        return conf

    def _admin(self) -> AdminClient:
        with self._lock:
            if self._admin_client is None:
                self._admin_client = open_client(AdminClient, self.config())
            return self._admin_client

    # -- topics ---------------------------------------------------------------------------

    def _partition_count(self, topic: str, refresh: bool = False) -> int | None:
        if not refresh and topic in self._known:
            return self._known[topic]
        try:
            meta = self._admin().list_topics(timeout=self.request_timeout_s)
        except KafkaException as exc:
            raise translate(exc, "metadata", self.bootstrap_servers) from None
        for name, info in meta.topics.items():
            if info.error is None and info.partitions:
                self._known[name] = len(info.partitions)
        return self._known.get(topic)

    def partitions(self, topic: str) -> int:
        """The partition count of ``topic``; NotFound when the broker has no such topic."""
        check_topic(topic)
        count = self._partition_count(topic) or self._partition_count(topic, refresh=True)
        if count is None:
            raise NotFound(
                f"topic {topic!r} does not exist on Kafka at {self.bootstrap_servers}; create it with create_topic()",
                details=[{"topic": topic}],
            )
        return count

    def create_topic(self, topic: str, partitions: int | None = None) -> None:
        check_topic(topic)
        wanted = self.default_partitions if partitions is None else check_partitions(partitions)
        futures = self._admin().create_topics(
            [NewTopic(topic, num_partitions=wanted, replication_factor=-1)],
            request_timeout=self.request_timeout_s,
        )
        try:
            futures[topic].result(timeout=self.request_timeout_s)
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise translate(exc, f"create_topic {topic!r}", self.bootstrap_servers) from None
        existing = self._wait_visible(topic)
        if partitions is not None and existing != partitions:
            raise Conflict(
                f"topic {topic!r} already exists with {existing} partitions, not {partitions}",
                details=[{"topic": topic, "partitions": existing}],
            )

    def _wait_visible(self, topic: str) -> int:
        """Metadata lags topic creation on real clusters: wait until the topic shows up."""
        import time

        deadline = time.monotonic() + self.request_timeout_s
        while True:
            count = self._partition_count(topic, refresh=True)
            if count is not None:
                return count
            if time.monotonic() >= deadline:
                raise BackendUnavailable(
                    f"topic {topic!r} was created but never appeared in Kafka metadata"
                )
            time.sleep(0.1)

    # -- clients --------------------------------------------------------------------------

    def producer(self) -> KafkaProducer:
        return KafkaProducer(self)

    def consumer(self, group: str, topics: Sequence[str]) -> KafkaConsumer:
        check_group(group)
        names = check_topics(topics)
        for name in names:
            self.partitions(name)
        return KafkaConsumer(self, group, names)

    # -- offsets --------------------------------------------------------------------------

    def _offset_reader(self, group: str) -> _RdConsumer:
        # A consumer that never subscribes does not join the group: it only reads its offsets.
        return open_client(
            _RdConsumer, self.config(**{"group.id": group, "enable.auto.commit": False})
        )

    def committed(self, group: str, topic: str) -> dict[int, int]:
        """The next offset ``group`` will read, per partition it has committed on."""
        check_group(group)
        n = self.partitions(topic)
        reader = self._offset_reader(group)
        try:
            tps = reader.committed(
                [TopicPartition(topic, p) for p in range(n)], timeout=self.request_timeout_s
            )
        except KafkaException as exc:
            raise translate(exc, "committed offsets", self.bootstrap_servers) from None
        finally:
            reader.close()
        return {tp.partition: tp.offset for tp in tps if tp.offset >= 0}

    def lag(self, group: str, topic: str) -> dict[int, int]:
        """High watermark minus committed offset (or minus the low watermark), per partition."""
        check_group(group)
        n = self.partitions(topic)
        reader = self._offset_reader(group)
        try:
            tps = [TopicPartition(topic, p) for p in range(n)]
            done = {
                tp.partition: tp.offset
                for tp in reader.committed(tps, timeout=self.request_timeout_s)
            }
            out = {}
            for tp in tps:
                low, high = reader.get_watermark_offsets(tp, timeout=self.request_timeout_s)
                start = done[tp.partition] if done[tp.partition] >= 0 else low
                out[tp.partition] = max(0, high - start)
            return out
        except KafkaException as exc:
            raise translate(exc, "lag", self.bootstrap_servers) from None
        finally:
            reader.close()

    # -- health ---------------------------------------------------------------------------

    def health(self, timeout_s: float = 3.0) -> Health:
        """Ask the broker for metadata with a short timeout; say what is wrong if it does not answer."""
        errors: list[str] = []

        def remember(err: KafkaError) -> None:
            errors.append(err.str())

        client = AdminClient(
            self.config(
                **{
                    "error_cb": remember,
                    "socket.connection.setup.timeout.ms": int(timeout_s * 1000),
                    "reconnect.backoff.ms": 500,
                    "reconnect.backoff.max.ms": 1000,
                }
            )
        )
        try:
            meta = client.list_topics(timeout=timeout_s)
        except KafkaException as exc:
            client.poll(0)  # serve error_cb: it says why (refused, unresolvable, ...)
            reason = errors[-1] if errors else exc.args[0].str()
            return Health(
                "bus",
                "kafka",
                False,
                f"cannot reach Kafka at {self.bootstrap_servers}: {reason}",
                _FIX,
            )
        except Exception as exc:  # bad settings in extra, e.g. an unknown librdkafka property
            return Health("bus", "kafka", False, f"kafka client rejected its settings: {exc}", _FIX)
        return Health(
            "bus",
            "kafka",
            True,
            f"{self.bootstrap_servers}: {len(meta.brokers)} broker(s), {len(meta.topics)} topic(s)",
        )

    def close(self) -> None:
        with self._lock:
            self._admin_client = None


class KafkaProducer:
    """librdkafka queues and batches; ``flush`` waits for every acknowledgement."""

    def __init__(self, bus: KafkaBus) -> None:
        self._bus = bus
        self._failures: list[str] = []
        self._producer: _RdProducer | None = open_client(
            _RdProducer,
            bus.config(
                **{
                    "acks": "all",
                    "enable.idempotence": True,
                    "linger.ms": 5,
                    "allow.auto.create.topics": False,
                    # Java clients' partitioner, so keys map to the same partitions as theirs.
                    "partitioner": "murmur2_random",
                    # Keyless messages go to a random partition each, as on the SQLite bus, rather
                    # than sticking to one partition per linger window.
                    "sticky.partitioning.linger.ms": 0,
                    "error_cb": self._on_error,
                }
            ),
        )

    def _on_error(self, err: KafkaError) -> None:
        if err.fatal():
            self._failures.append(f"fatal producer error: {err.str()}")

    def _on_delivery(self, err: KafkaError | None, msg: _RdMessage) -> None:
        if err is not None:
            self._failures.append(f"{msg.topic()}: {err.str()}")

    def send(self, topic: str, value: bytes, key: bytes | None = None) -> None:
        self.send_batch(topic, [(key, value)])

    def send_batch(self, topic: str, items: Sequence[tuple[bytes | None, bytes]]) -> None:
        producer = self._open()
        self._bus.partitions(topic)  # NotFound for an unknown topic, before anything is queued
        for key, value in items:
            check_message(topic, key, value)
            while True:
                try:
                    producer.produce(topic, value=value, key=key, on_delivery=self._on_delivery)
                    break
                except BufferError:
                    producer.poll(0.05)  # local queue full: let deliveries drain it
                except KafkaException as exc:
                    raise translate(exc, "send", self._bus.bootstrap_servers) from None
        producer.poll(0)

    def flush(self, timeout: float = 30.0) -> None:
        producer = self._open()
        left = producer.flush(timeout)
        failures, self._failures = self._failures, []
        if left:
            raise BackendUnavailable(
                f"{left} message(s) not acknowledged by Kafka at {self._bus.bootstrap_servers} within {timeout}s",
                details=[{"unacknowledged": left, "fix": _FIX}],
            )
        if failures:
            raise BackendUnavailable(
                f"{len(failures)} message(s) were not written to Kafka: {failures[0]}",
                details=[{"error": f} for f in failures[:10]],
            )

    def _open(self) -> _RdProducer:
        if self._producer is None:
            raise BackendUnavailable("this producer is closed; open a new one with bus.producer()")
        return self._producer

    def close(self) -> None:
        if self._producer is not None:
            try:
                self.flush()
            finally:
                self._producer = None


class KafkaConsumer:
    """A subscribed group member; offsets move only on ``commit``."""

    def __init__(self, bus: KafkaBus, group: str, topics: list[str]) -> None:
        self._bus = bus
        self._topics = topics
        session = bus.session_timeout_ms
        self._consumer: _RdConsumer | None = open_client(
            _RdConsumer,
            bus.config(
                **{
                    "group.id": group,
                    "enable.auto.commit": False,
                    "auto.offset.reset": "earliest",
                    "session.timeout.ms": session,
                    "heartbeat.interval.ms": max(100, min(3000, session // 4)),
                    "allow.auto.create.topics": False,
                }
            ),
        )
        self._consumer.subscribe(topics)

    def _open(self) -> _RdConsumer:
        if self._consumer is None:
            raise BackendUnavailable("this consumer is closed; open a new one with bus.consumer()")
        return self._consumer

    def poll(self, max_messages: int = 500, timeout: float = 1.0) -> list[Message]:
        if max_messages < 1:
            raise InvalidInput(f"max_messages must be at least 1, got {max_messages}")
        consumer = self._open()
        # Wait for the first message only; then take what is already fetched without waiting.
        first = consumer.poll(max(0.0, timeout))
        raw = [] if first is None else [first]
        if first is not None and max_messages > 1:
            raw.extend(consumer.consume(num_messages=max_messages - 1, timeout=0))
        out = []
        for m in raw:
            err = m.error()
            if err is not None:
                if err.code() == KafkaError._PARTITION_EOF:
                    continue
                raise translate(err, "poll", self._bus.bootstrap_servers)
            ts = m.timestamp()[1]
            out.append(
                Message(
                    m.topic() or "",
                    m.partition() or 0,
                    m.offset() or 0,
                    m.key(),
                    m.value() or b"",
                    ts,
                )
            )
        return out

    def commit(self, messages: Sequence[Message] | None = None) -> None:
        consumer = self._open()
        try:
            if messages is None:
                consumer.commit(asynchronous=False)  # positions after everything polled
                return
            owned = {(tp.topic, tp.partition) for tp in consumer.assignment()}
            upto: dict[tuple[str, int], int] = {}
            for m in messages:
                if (m.topic, m.partition) not in owned:
                    raise Conflict(
                        f"cannot commit {m.topic}[{m.partition}]: this member does not own it (the group "
                        "rebalanced); its uncommitted messages will be delivered again"
                    )
                upto[(m.topic, m.partition)] = max(
                    upto.get((m.topic, m.partition), 0), m.offset + 1
                )
            if upto:
                consumer.commit(
                    offsets=[TopicPartition(t, p, o) for (t, p), o in upto.items()],
                    asynchronous=False,
                )
        except KafkaException as exc:
            if exc.args[0].code() == KafkaError._NO_OFFSET:
                return  # nothing polled since the last commit
            raise translate(exc, "commit", self._bus.bootstrap_servers) from None

    def assignment(self) -> list[tuple[str, int]]:
        return sorted((tp.topic, tp.partition) for tp in self._open().assignment())

    def close(self) -> None:
        if self._consumer is not None:
            consumer, self._consumer = self._consumer, None
            consumer.close()  # leaves the group at once, so others get its partitions now
