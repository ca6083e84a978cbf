"""How events and quarantine records travel on the bus: one message holds many.

An events message is a JSON header line, then the events as newline-delimited JSON,
grouped by (event name, schema version) so a processor can hand each group to Arrow's
JSON reader whole::

    {"received_at": "2024-05-01T12:00:00.123Z", "source": "ios-app",
     "groups": [{"name": "click_item_home", "version": "1-0-0", "count": 2,
                 "bytes": 512, "fps": [<int64>, <int64>]}, ...]}\n
    {"event_id": ...}\n{"event_id": ...}\n...

An event's index in the message is its position across the groups, in header order.
``fps`` are payload fingerprints (64-bit checksums of the completed event's JSON with
sorted keys): a natural duplicate has the same one, a synthetic one not. The events are
the JSON the collector already serialised for the fingerprint: no second encoding.
A quarantine message is ``{"records": [<record>, ...]}``.

>>> value = encode_events("2024-05-01T00:00:00Z", "web", {("a", "1-0-0"): ([b'{"x":1}'], [7])})
>>> header, blocks = decode_events(value)
>>> header["groups"][0]["count"], len(blocks[0])
(1, 8)
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from typing import Any

import orjson


def fingerprint(payload: bytes) -> int:
    """64 bits from CRC-32 and Adler-32: two C calls, enough to tell two payloads apart."""
    value = (zlib.crc32(payload) << 32) | zlib.adler32(payload)
    return value - (1 << 64) if value >= 1 << 63 else value


def encode_events(
    received_at: str,
    source: str,
    groups: Mapping[tuple[str, str], tuple[Sequence[bytes], Sequence[int]]],
) -> bytes:
    blocks = []
    meta = []
    for (name, version), (events, fps) in groups.items():
        block = b"\n".join(events) + b"\n"
        blocks.append(block)
        meta.append(
            {
                "name": name,
                "version": version,
                "count": len(events),
                "bytes": len(block),
                "fps": fps,
            }
        )
    header = orjson.dumps({"received_at": received_at, "source": source, "groups": meta})
    return header + b"\n" + b"".join(blocks)


def decode_events(value: bytes) -> tuple[dict[str, Any], list[bytes]]:
    """The header and one NDJSON block per group."""
    cut = value.index(b"\n")
    header: dict[str, Any] = orjson.loads(value[:cut])
    blocks = []
    at = cut + 1
    for group in header["groups"]:
        blocks.append(value[at : at + group["bytes"]])
        at += group["bytes"]
    return header, blocks


def encode_quarantine(records: Sequence[dict[str, Any]]) -> bytes:
    return orjson.dumps({"records": list(records)})


def decode(value: bytes) -> dict[str, Any]:
    out: dict[str, Any] = orjson.loads(value)
    return out
