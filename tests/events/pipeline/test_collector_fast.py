"""The collector's hot path against its exact path, request by request.

``ingest`` (compiled checks, events forwarded as sent) and ``ingest_events`` on the
same events parsed by orjson (the exact path: envelope rules, jsonschema-rs, events
re-encoded) must accept the same events, quarantine the others with the same rule,
path, message and version, and put the same events on the bus.
"""

from __future__ import annotations

import copy
import random
import uuid
from collections import Counter
from typing import Any

import msgspec
import orjson
import pytest

from loam.events.pipeline.collector import Collector
from loam.events.pipeline.settings import PipelineSettings
from loam.events.pipeline.wire import decode, decode_events

from .conftest import sample_schemas
from .test_flow import click


def view(**extra: Any) -> dict[str, Any]:
    ev = {
        "event_id": str(uuid.uuid4()),
        "event_name": "view_screen_home",
        "client_ts": "2024-05-02T00:00:00.123Z",
        "device_id": "d2",
        "platform": "web",
        "app_version": None,
        "params": {"screen": "home", "items": [{"id": "a", "rank": 1}, {"id": "b"}]},
    }
    ev.update(extra)
    return ev


def _capture(collector: Collector) -> list[tuple[str, bytes | None, bytes]]:
    items: list[tuple[str, bytes | None, bytes]] = []
    collector.writer.write = items.extend  # type: ignore[method-assign]
    return items


def _bus_view(items: list[tuple[str, bytes | None, bytes]]) -> tuple[Counter[str], list[Any]]:
    events: Counter[str] = Counter()
    records: list[Any] = []
    for topic, _, value in items:
        if topic.endswith("quarantine"):
            records += decode(value)["records"]
            continue
        header, blocks = decode_events(value)
        for meta, block in zip(header["groups"], blocks, strict=True):
            lines = block.splitlines()
            assert len(lines) == meta["count"] and block.endswith(b"\n")
            for line in lines:
                ev = orjson.loads(line)
                assert (ev["event_name"], ev["schema_version"]) == (meta["name"], meta["version"])
                events[orjson.dumps(ev, option=orjson.OPT_SORT_KEYS).decode()] += 1
    for r in records:
        r.pop("received_at")
    return events, records


SPOILS: list[Any] = [
    lambda ev: ev,
    lambda ev: ev,
    lambda ev: ev,
    lambda ev: ev["params"].update(price="12"),
    lambda ev: ev["params"].update(price=12.0),
    lambda ev: ev["params"].update(price=2**64 + 5),
    lambda ev: ev["params"].update(price=-1),
    lambda ev: ev["params"].pop("item_id", ev["params"].pop("screen", None)),
    lambda ev: ev["params"].update(extra=1),
    lambda ev: ev["params"].update(seen_at="2024-05-01 12:00"),
    lambda ev: ev["params"].update(seen_at="2024-05-01T12:00:00.5Z"),
    lambda ev: ev["params"].update(position={"x": 1, "screen": {"name": 5}}),
    lambda ev: ev["params"].update(tags=["é😀", ""]),
    lambda ev: ev.update(params=None),
    lambda ev: ev.pop("params"),
    lambda ev: ev.update(params=[]),
    lambda ev: ev.update(schema_version="1-0-0"),
    lambda ev: ev.update(schema_version="9-9-9"),
    lambda ev: ev.update(schema_version=None),
    lambda ev: ev.update(event_name="no_such_event"),
    lambda ev: ev.update(event_name="bad name"),
    lambda ev: ev.update(event_id=ev["event_id"].upper()),
    lambda ev: ev.update(event_id="{" + ev["event_id"] + "}"),
    lambda ev: ev.update(event_id="not-a-uuid"),
    lambda ev: ev.update(event_id=5),
    lambda ev: ev.update(client_ts="2024-05-01T12:00:00+0900"),
    lambda ev: ev.update(client_ts="2024-05-01T12:00:00.1234567Z"),
    lambda ev: ev.update(client_ts="2024-05-01t12:00:00z"),
    lambda ev: ev.update(client_ts="2024-05-01T12:00:00-03:00"),
    lambda ev: ev.update(client_ts="yesterday"),
    lambda ev: ev.update(client_ts="٢٠٢٤-05-01T12:00:00Z"),
    lambda ev: ev.update(client_ts=None),
    lambda ev: ev.pop("device_id"),
    lambda ev: ev.update(device_id=""),
    lambda ev: ev.update(platform="x" * 600),
    lambda ev: ev.update(user_id=None),
    lambda ev: ev.update(user_id=7),
    lambda ev: ev.update(app_version="y" * 513),
    lambda ev: ev.update(surprise=True),
]


def _spoiled(rng: random.Random) -> Any:
    ev = copy.deepcopy(click(price=rng.randrange(10_000)) if rng.random() < 0.7 else view())
    if rng.random() < 0.3:
        ev.pop("schema_version", None)
    if rng.random() < 0.02:
        return rng.choice([5, "x", None, []])
    if rng.random() < 0.5:
        rng.choice(SPOILS)(ev)
    return ev


@pytest.mark.parametrize("pretty", [False, True])
def test_the_hot_path_decides_like_the_exact_path(bus, pretty: bool) -> None:  # type: ignore[no-untyped-def]
    settings = PipelineSettings()
    fast = Collector(bus, sample_schemas(), settings)
    exact = Collector(bus, sample_schemas(), settings)
    fast_items, exact_items = _capture(fast), _capture(exact)
    fast.ingest(orjson.dumps([click(), view()]), "warm")  # names are learned on first sight
    fast_items.clear()
    exact_calls = [0]
    slow = fast._exact

    def counted(*args: Any) -> None:
        exact_calls[0] += 1
        slow(*args)

    fast._exact = counted  # type: ignore[method-assign]
    total = 0
    rng = random.Random(11)
    for round_ in range(30):
        events = [_spoiled(rng) for _ in range(rng.randrange(1, 60))]
        body = msgspec.json.encode(events)  # orjson refuses ints beyond 64 bits
        if pretty:
            body = msgspec.json.format(body, indent=2)
        total += len(events)
        got = fast.ingest(body, "t")
        want = exact.ingest_events(orjson.loads(body), "t")
        assert (got.accepted, got.quarantined) == (want.accepted, want.quarantined), round_
        assert _bus_view(fast_items) == _bus_view(exact_items), round_
        fast_items.clear()
        exact_items.clear()
    assert fast.fast.by_name().keys() == {"click_item_home", "view_screen_home"}
    assert 0 < exact_calls[0] < 0.6 * total  # the clean half and more went the fast way


def test_forwarded_events_are_completed_on_the_bus(bus) -> None:  # type: ignore[no-untyped-def]
    collector = Collector(bus, sample_schemas(), PipelineSettings())
    items = _capture(collector)
    collector.ingest(orjson.dumps([click()]), "warm")
    items.clear()
    no_id = click()
    del no_id["event_id"]
    no_params = view()
    del no_params["params"]["items"]
    pinned = click(schema_version="1-0-0")
    body = b"[\n  %s,\n %s , %s]" % (
        orjson.dumps(no_id, option=orjson.OPT_INDENT_2),
        orjson.dumps(no_params),
        orjson.dumps(pinned),
    )
    result = collector.ingest(body, "t")
    assert result.accepted == 3 and not result.quarantined
    [(_, _, value)] = items
    header, blocks = decode_events(value)
    lines = [orjson.loads(line) for block in blocks for line in block.splitlines()]
    assert all(ev["schema_version"] == "1-0-0" for ev in lines)
    made = next(
        ev for ev in lines if ev["event_id"] not in (no_params["event_id"], pinned["event_id"])
    )
    assert uuid.UUID(made["event_id"]).version == 4 and made["params"] == no_id["params"]
    assert {ev["event_id"] for ev in lines} >= {no_params["event_id"], pinned["event_id"]}
    assert header["source"] == "t" and "fps" not in header["groups"][0]


def test_an_event_the_fast_path_never_saw_is_learned(bus) -> None:  # type: ignore[no-untyped-def]
    schemas = sample_schemas()
    collector = Collector(bus, schemas, PipelineSettings())
    items = _capture(collector)
    assert collector.ingest(orjson.dumps([click()]), "t").accepted == 1
    assert "click_item_home" in collector.fast.by_name()
    # a new active version with a new required param: old-shaped events are refused
    v2 = copy.deepcopy(schemas.active("click_item_home").json_schema)
    v2["required"] = [*v2["required"], "currency"]
    schemas.add("click_item_home", "1-1-0", v2)
    result = collector.ingest(orjson.dumps([click(), click(currency="KRW")]), "t")
    assert result.accepted == 0 or result.quarantined
    assert [d["rule"] for d in result.quarantined] == ["required", "unknown_field"]
    fixed = click()
    fixed["params"]["currency"] = "KRW"
    assert collector.ingest(orjson.dumps([fixed]), "t").accepted == 1
    assert collector.fast.by_name()["click_item_home"].version == "1-1-0"
    assert items


def test_a_large_request_is_split_into_messages_under_the_kafka_limit(bus) -> None:  # type: ignore[no-untyped-def]
    collector = Collector(bus, sample_schemas(), PipelineSettings())
    items = _capture(collector)
    events = [click() for _ in range(1000)]
    for ev in events:
        ev["params"]["item_id"] = "i" * 60
        ev["params"]["tags"] = ["t" * 40] * 30
    result = collector.ingest(orjson.dumps(events), "t")
    assert result.accepted == 1000
    sizes = [len(v) for t, _, v in items if not t.endswith("quarantine")]
    assert len(sizes) >= 2 and max(sizes) < 1_000_000
    assert sum(decode_events(v)[0]["groups"][0]["count"] for _, _, v in items) == 1000


def test_a_schema_outside_the_compiled_subset_is_checked_the_exact_way(bus) -> None:  # type: ignore[no-untyped-def]
    schemas = sample_schemas()
    schemas.add(
        "pick",
        "1-0-0",
        {
            "type": "object",
            "required": ["v"],
            "properties": {"v": {"oneOf": [{"type": "string"}, {"type": "integer"}]}},
        },
    )
    collector = Collector(bus, schemas, PipelineSettings())
    items = _capture(collector)
    base = view()
    events = [
        dict(base, event_id=str(uuid.uuid4()), event_name="pick", params={"v": v})
        for v in ("a", 1, 1.5, None)
    ]
    for _ in range(2):  # the second time too: the name never joins the compiled union
        result = collector.ingest(orjson.dumps([*events, view()]), "t")
        assert result.accepted == 3
        assert [(d["index"], d["rule"], d["path"]) for d in result.quarantined] == [
            (2, "oneOf", "params.v"),
            (3, "oneOf", "params.v"),
        ]
    assert "pick" not in collector.fast.by_name() and "view_screen_home" in collector.fast.by_name()
    assert len(items) == 4


def test_a_too_large_event_is_quarantined_like_before(bus) -> None:  # type: ignore[no-untyped-def]
    settings = PipelineSettings(max_event_bytes=600)
    fast, exact = (
        Collector(bus, sample_schemas(), settings),
        Collector(bus, sample_schemas(), settings),
    )
    fast_items = _capture(fast)
    _capture(exact)
    fast.ingest(orjson.dumps([click()]), "warm")
    fast_items.clear()
    big = [click() for _ in range(3)]
    big[1]["params"]["tags"] = ["x" * 50] * 10
    del big[1]["event_id"]
    body = orjson.dumps(big)
    got, want = fast.ingest(body, "t"), exact.ingest_events(orjson.loads(body), "t")
    assert got.accepted == want.accepted == 2
    strip = [{k: v for k, v in d.items() if k != "event_id"} for d in got.quarantined]
    assert strip == [{k: v for k, v in d.items() if k != "event_id"} for d in want.quarantined]
    assert got.quarantined[0]["rule"] == "event_too_large"
