"""Input rules and partitioning shared by every bus engine."""

from __future__ import annotations

import re
import time
import zlib
from collections.abc import Sequence

from loam.core.errors import InvalidInput

# Kafka's own rule for topic names, so a topic that works on SQLite also works on Kafka.
_TOPIC_NAME = re.compile(r"^[A-Za-z0-9._-]{1,249}$")
_MAX_PARTITIONS = 10_000


def check_topic(topic: object) -> str:
    if not isinstance(topic, str) or not _TOPIC_NAME.match(topic) or topic in {".", ".."}:
        raise InvalidInput(
            f"bad topic name {topic!r}: use 1 to 249 characters among letters, digits, '.', '_' and '-'",
            details=[{"field": "topic", "value": repr(topic)}],
        )
    return topic


def check_topics(topics: Sequence[str]) -> list[str]:
    if isinstance(topics, str) or not topics:
        raise InvalidInput(
            f"a consumer needs a non-empty list of topic names, got {topics!r}",
            details=[{"field": "topics", "value": repr(topics)}],
        )
    return sorted({check_topic(t) for t in topics})


def check_group(group: object) -> str:
    if not isinstance(group, str) or not group.strip() or len(group) > 255:
        raise InvalidInput(
            f"bad consumer group name {group!r}: use a non-empty string of at most 255 characters",
            details=[{"field": "group", "value": repr(group)}],
        )
    return group


def check_partitions(partitions: object) -> int:
    if (
        isinstance(partitions, bool)
        or not isinstance(partitions, int)
        or not 1 <= partitions <= _MAX_PARTITIONS
    ):
        raise InvalidInput(
            f"bad partition count {partitions!r}: use a whole number from 1 to {_MAX_PARTITIONS}",
            details=[{"field": "partitions", "value": repr(partitions)}],
        )
    return partitions


def check_message(topic: str, key: object, value: object) -> None:
    if not isinstance(value, bytes | bytearray | memoryview):
        raise InvalidInput(
            f"message value for topic {topic!r} must be bytes, got {type(value).__name__}",
            details=[{"field": "value", "type": type(value).__name__}],
        )
    if key is not None and not isinstance(key, bytes | bytearray | memoryview):
        raise InvalidInput(
            f"message key for topic {topic!r} must be bytes or None, got {type(key).__name__}",
            details=[{"field": "key", "type": type(key).__name__}],
        )


def partition_for_key(key: bytes, partitions: int) -> int:
    """The partition of a keyed message: CRC-32 of the key, the same in every process.

    >>> partition_for_key(b"user-42", 4) == partition_for_key(b"user-42", 4)
    True
    """
    return zlib.crc32(key) % partitions


def now_ms() -> int:
    return time.time_ns() // 1_000_000
