"""Events messages on the wire: a round trip, and a damaged one says so."""

from __future__ import annotations

import orjson
import pytest

from loam.events.pipeline.wire import decode_events, encode_events

EVENTS = [
    orjson.dumps({"event_id": f"id-{i}", "params": {"n": i, "s": "x" * 50}}) for i in range(300)
]
GROUPS = [
    ("a", "1-0-0", 200, [b"\n".join(EVENTS[:200]), b"\n"]),
    ("b", "2-0-0", 100, [memoryview(b"\n".join(EVENTS[200:]) + b"\n")]),
]


def test_a_message_round_trips() -> None:
    value = encode_events("2024-05-01T00:00:00Z", "web", GROUPS)
    header, blocks = decode_events(value)
    assert [(g["name"], g["version"], g["count"]) for g in header["groups"]] == [
        ("a", "1-0-0", 200),
        ("b", "2-0-0", 100),
    ]
    assert b"".join(blocks).splitlines() == EVENTS
    assert "fps" not in header["groups"][0]


def test_a_cut_message_is_a_clear_error() -> None:
    value = encode_events("t", "web", GROUPS)
    cut = value.index(b"\n") + 1
    with pytest.raises(ValueError, match="shorter than its header says"):
        decode_events(value[: cut + 20])
