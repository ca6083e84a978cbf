"""How events and quarantine records travel on the bus: one message holds many.

An events message is a JSON header line, then the events as newline-delimited JSON,
grouped by (event name, schema version) so a processor can hand each group to a JSON
reader whole::

    {"received_at": "2024-05-01T12:00:00.123Z", "source": "ios-app",
     "groups": [{"name": "click_item_home", "version": "1-0-0", "count": 2,
                 "bytes": 512}, ...]}\n
    {"event_id": ...}\n{"event_id": ...}\n...

An event's index in the message is its position across the groups, in header order.
Each line is the event as the client sent it, completed (event_id, schema_version,
params) and with no newline inside; key order and spacing are the client's, so readers
must compare parsed content, not bytes. Messages are not compressed: with the SQLite
bus's 32 KB pages, lz4 measured 4.36 us of collector CPU per event against 4.31
uncompressed (bench/bench_collector.py), and zstd more; Kafka producers can compress
on their own. A quarantine
message is ``{"records": [...]}``.

Payload fingerprints are not on the wire: the loader computes them from the row's
content, so natural duplicates match whatever key order or spacing a client used.

>>> value = encode_events("2024-05-01T00:00:00Z", "web", [("a", "1-0-0", 1, [b'{"x":1}', b"\\n"])])
>>> header, blocks = decode_events(value)
>>> header["groups"][0]["count"], blocks[0]
(1, b'{"x":1}\\n')
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson


def encode_events(
    received_at: str,
    source: str,
    groups: Sequence[tuple[str, str, int, Sequence[Any]]],
) -> bytes:
    """One message from (name, version, count, NDJSON) groups.

    A group's NDJSON is given as pieces (bytes-like: views into the request body do)
    that together make its block, ending in a newline; they are copied once, here.
    """
    meta = [
        {"name": name, "version": version, "count": count, "bytes": sum(map(len, parts))}
        for name, version, count, parts in groups
    ]
    head: dict[str, Any] = {"received_at": received_at, "source": source, "groups": meta}
    pieces = [part for _, _, _, parts in groups for part in parts]
    return b"".join([orjson.dumps(head), b"\n", *pieces])


def decode_events(value: bytes) -> tuple[dict[str, Any], list[bytes]]:
    """The header and one NDJSON block per group; ValueError if the message is damaged."""
    cut = value.index(b"\n")
    header: dict[str, Any] = orjson.loads(value[:cut])
    body = memoryview(value)[cut + 1 :]
    blocks = []
    at = 0
    for meta in header["groups"]:
        block = bytes(body[at : at + meta["bytes"]])
        if len(block) != meta["bytes"]:
            raise ValueError("events message is shorter than its header says")
        at += meta["bytes"]
        blocks.append(block)
    return header, blocks


def encode_quarantine(records: Sequence[dict[str, Any]]) -> bytes:
    return orjson.dumps({"records": list(records)})


def decode(value: bytes) -> dict[str, Any]:
    out: dict[str, Any] = orjson.loads(value)
    return out
