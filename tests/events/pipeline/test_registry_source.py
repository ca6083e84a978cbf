"""The pipeline against the Event Center registry (runs once the registry is installed)."""

from __future__ import annotations

from typing import Any

import pytest

from loam.events.pipeline.runtime import runtime_of

from .conftest import drain
from .test_collector_http import post
from .test_flow import click

pytest.importorskip("loam.events.store", reason="the registry (branch events) is not merged yet")

CLICK: dict[str, Any] = {
    "name": "click_item_home",
    "description": "A user taps an item card on the home feed",
    "owner": "growth",
    "params": [
        {"name": "item_id", "type": "string", "required": True},
        {"name": "price", "type": "integer", "required": True},
        {"name": "tags", "type": "array", "items": {"type": "string"}},
        {
            "name": "position",
            "type": "object",
            "params": [
                {"name": "x", "type": "integer"},
                {
                    "name": "screen",
                    "type": "object",
                    "params": [{"name": "name", "type": "string"}],
                },
            ],
        },
        {"name": "seen_at", "type": "timestamp"},
    ],
}


def test_registered_events_are_validated_and_land_as_columns_across_versions(
    http: Any, write_key: str
) -> None:
    from loam.events import registry

    runtime = runtime_of(http.app)
    reg = registry(runtime.workspace)
    # the sample folder schemas exist too: the registry is asked first
    assert reg.save(CLICK, author="test").version.version == "1-0-0"
    assert post(http, write_key, [click(price=5)]).json()["accepted"] == 1
    bad = post(http, write_key, [click(price="five")])
    assert bad.json()["error"]["details"][0]["path"] == "params.price"
    drain(http.app)
    wh = runtime.workspace.warehouse
    assert wh.query("SELECT price, position__screen__name FROM click_item_home").to_pylist() == [
        {"price": 5, "position__screen__name": "home"}
    ]
    additive = dict(CLICK, params=[*CLICK["params"], {"name": "coupon", "type": "string"}])
    v2 = reg.save(additive, author="test").version.version
    assert v2.startswith("1-")
    runtime.schemas.forget()
    ev = click(price=6)
    ev["params"]["coupon"] = "SPRING"
    assert post(http, write_key, [ev]).json()["accepted"] == 1
    params = [p for p in additive["params"] if p["name"] != "price"]
    breaking = dict(
        additive, params=[*params, {"name": "price", "type": "float", "required": True}]
    )
    assert reg.save(breaking, author="test", bump="model").version.version == "2-0-0"
    runtime.schemas.forget()
    assert post(http, write_key, [click(price=7.5)]).json()["accepted"] == 1
    drain(http.app)
    assert wh.query("SELECT price, coupon FROM click_item_home ORDER BY price").to_pylist() == [
        {"price": 5, "coupon": None},
        {"price": 6, "coupon": "SPRING"},
    ]
    assert wh.query("SELECT price FROM click_item_home_v2").to_pylist() == [{"price": 7.5}]
