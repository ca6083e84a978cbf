"""The bus: a durable log of topics with partitions, keyed messages and consumer groups.

One protocol, two engines: ``sqlite`` (embedded default, safe with several
processes on one machine) and ``kafka`` (confluent-kafka against any
Kafka-protocol broker). Both pass ``tests/core/test_bus_contract.py``.

Delivery is at-least-once: a consumer that dies before ``commit`` sees its
uncommitted messages again; committed ones are never redelivered to its group.
Messages with the same key land in the same partition and keep their order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from loam.core.health import Health


@dataclass(frozen=True, slots=True)
class Message:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    timestamp_ms: int


@dataclass(frozen=True)
class BusCapabilities:
    """What an engine offers, so callers branch on facts, not on types."""

    engine: str
    multi_process: bool  # several OS processes may share one consumer group
    multi_host: bool  # producers and consumers may run on other machines


@runtime_checkable
class Producer(Protocol):
    def send(self, topic: str, value: bytes, key: bytes | None = None) -> None:
        """Queue one message; it is durable only after ``flush`` returns."""

    def send_batch(self, topic: str, items: Sequence[tuple[bytes | None, bytes]]) -> None:
        """Queue many ``(key, value)`` messages at once."""

    def flush(self, timeout: float = 30.0) -> None:
        """Return once every queued message is durable; raise BackendUnavailable otherwise."""

    def close(self) -> None: ...


@runtime_checkable
class Consumer(Protocol):
    def poll(self, max_messages: int = 500, timeout: float = 1.0) -> list[Message]:
        """Next messages from the partitions this member owns (may be empty)."""

    def commit(self, messages: Sequence[Message] | None = None) -> None:
        """Mark messages (default: all polled so far) as processed for the group."""

    def assignment(self) -> list[tuple[str, int]]:
        """The (topic, partition) pairs this member currently owns."""

    def close(self) -> None: ...


@runtime_checkable
class Bus(Protocol):
    capabilities: BusCapabilities

    def create_topic(self, topic: str, partitions: int | None = None) -> None:
        """Create a topic if it does not exist (idempotent)."""

    def producer(self) -> Producer: ...

    def consumer(self, group: str, topics: Sequence[str]) -> Consumer: ...

    def lag(self, group: str, topic: str) -> dict[int, int]:
        """Messages not yet committed by ``group``, per partition."""

    def committed(self, group: str, topic: str) -> dict[int, int]:
        """The next offset ``group`` reads, per partition it has committed on (its restart point)."""

    def health(self) -> Health: ...

    def close(self) -> None: ...


__all__ = ["Bus", "BusCapabilities", "Consumer", "Message", "Producer"]
