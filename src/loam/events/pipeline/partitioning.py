"""Which bus partition an event goes to: the same event_id always to the same one.

The collector writes one message per partition per request (not one per event), keyed
with a key that the bus engine's own partitioner sends to that partition: CRC-32 on the
SQLite bus, Kafka's murmur2 on Kafka. An event's partition is CRC-32 of its id.

>>> keys = partition_keys("sqlite", 4)
>>> from loam.core.bus._rules import partition_for_key
>>> [partition_for_key(k, 4) for k in keys]
[0, 1, 2, 3]
>>> [kafka_partition(k, 4) for k in partition_keys("kafka", 4)]
[0, 1, 2, 3]
"""

from __future__ import annotations

import itertools
import zlib
from typing import Any

from loam.core.bus import Bus


def event_partition(event_id: str, partitions: int) -> int:
    return zlib.crc32(event_id.encode()) % partitions


def murmur2(data: bytes) -> int:
    """Kafka's murmur2 (the Java client's and librdkafka's ``murmur2_random`` keyed hash)."""
    m, r = 0x5BD1E995, 24
    length = len(data)
    h = (0x9747B28C ^ length) & 0xFFFFFFFF
    for i in range(0, length - length % 4, 4):
        k = int.from_bytes(data[i : i + 4], "little")
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> r
        k = (k * m) & 0xFFFFFFFF
        h = (h * m) & 0xFFFFFFFF
        h ^= k
    tail = length % 4
    base = length - tail
    if tail >= 3:
        h ^= data[base + 2] << 16
    if tail >= 2:
        h ^= data[base + 1] << 8
    if tail >= 1:
        h ^= data[base]
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    h ^= h >> 15
    return h


def kafka_partition(key: bytes, partitions: int) -> int:
    return (murmur2(key) & 0x7FFFFFFF) % partitions


def _engine_partition(engine: str, key: bytes, partitions: int) -> int:
    if engine == "kafka":
        return kafka_partition(key, partitions)
    return zlib.crc32(key) % partitions


def partition_keys(engine: str, partitions: int) -> list[bytes]:
    """One message key per partition, each landing on its partition under ``engine``."""
    keys: list[bytes | None] = [None] * partitions
    for i in itertools.count():
        key = f"events-{i}".encode()
        p = _engine_partition(engine, key, partitions)
        if keys[p] is None:
            keys[p] = key
            if all(k is not None for k in keys):
                return [k for k in keys if k is not None]
    raise AssertionError("unreachable")


def partition_count(bus: Bus, topic: str, default: int) -> int:
    """How many partitions ``topic`` has, asking the engine when it can tell."""
    engine: Any = bus
    if hasattr(engine, "partition_ids"):
        return len(engine.partition_ids(topic))
    if hasattr(engine, "partitions"):
        return int(engine.partitions(topic))
    return default
