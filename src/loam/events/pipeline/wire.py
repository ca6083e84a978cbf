"""How events and quarantine records travel on the bus: one message holds many.

An events message::

    {"received_at": "2024-05-01T12:00:00.123Z", "source": "ios-app",
     "fps": [<int64>, ...], "events": [<event>, ...]}

``fps`` are the payload fingerprints (BLAKE2b-64 of the completed event's JSON with
sorted keys), in event order; a natural duplicate has the same one, a synthetic one not.
The events are the JSON the collector already serialised for the fingerprint, joined
as they are: no second encoding. A quarantine message is ``{"records": [<record>, ...]}``.

>>> value = encode_events("2024-05-01T00:00:00Z", "web", [b'{"a":1}'], [7])
>>> decode(value)["events"]
[{'a': 1}]
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import orjson


def fingerprint(payload: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(payload, digest_size=8).digest(), "little", signed=True)


def encode_events(
    received_at: str, source: str, events: Sequence[bytes], fps: Sequence[int]
) -> bytes:
    return b"".join(
        (
            b'{"received_at":',
            orjson.dumps(received_at),
            b',"source":',
            orjson.dumps(source),
            b',"fps":',
            orjson.dumps(list(fps)),
            b',"events":[',
            b",".join(events),
            b"]}",
        )
    )


def encode_quarantine(records: Sequence[dict[str, Any]]) -> bytes:
    return orjson.dumps({"records": list(records)})


def decode(value: bytes) -> dict[str, Any]:
    out: dict[str, Any] = orjson.loads(value)
    return out
