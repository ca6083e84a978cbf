"""Events messages on the wire: plain or compressed, and a damaged one says so."""

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


@pytest.mark.parametrize("codec", [None, "zstd", "lz4"])
def test_a_message_round_trips(codec: str | None) -> None:
    value = encode_events("2024-05-01T00:00:00Z", "web", GROUPS, codec=codec)
    header, blocks = decode_events(value)
    assert [(g["name"], g["version"], g["count"]) for g in header["groups"]] == [
        ("a", "1-0-0", 200),
        ("b", "2-0-0", 100),
    ]
    assert b"".join(blocks).splitlines() == EVENTS
    assert header.get("codec") == codec
    if codec:
        assert len(value) < len(b"".join(EVENTS)) / 2


@pytest.mark.parametrize("codec", ["zstd", "lz4"])
def test_a_corrupt_payload_is_a_clear_error(codec: str) -> None:
    value = bytearray(encode_events("t", "web", GROUPS, codec=codec))
    cut = value.index(b"\n") + 1
    value[cut + 8 : cut + 40] = b"\xff" * 32
    with pytest.raises(ValueError, match=rf"{codec}|shorter|bytes"):
        decode_events(bytes(value))
    with pytest.raises(ValueError, match=r"shorter|decompress|bytes"):
        decode_events(bytes(value[: cut + 20]))


def test_an_unknown_codec_is_a_clear_error() -> None:
    head = orjson.dumps(
        {
            "received_at": "t",
            "source": "s",
            "codec": "brotli",
            "size": 3,
            "groups": [{"name": "a", "version": "1", "count": 1, "bytes": 3}],
        }
    )
    with pytest.raises(ValueError, match="unknown codec 'brotli'"):
        decode_events(head + b"\nxyz")
