from __future__ import annotations

import copy
from typing import Any

from loam.events.pipeline.generator import TrafficPlan, generate_traffic
from loam.events.pipeline.runtime import runtime_of
from loam.events.pipeline.traffic import batches

from .conftest import CLICK_V1, drain, sample_schemas
from .test_collector_http import post
from .test_flow import click


def test_known_shares_of_invalid_and_duplicates_land_with_exact_counts(
    http: Any, write_key: str, tokens: dict[str, str]
) -> None:
    src = sample_schemas()
    schemas = [s for n in src.names() if (s := src.active(n)) is not None]
    plan = TrafficPlan(
        users=60,
        days=3,
        invalid_share=0.07,
        natural_duplicate_share=0.04,
        synthetic_duplicate_share=0.03,
        seed=7,
    )
    accepted = quarantined = 0
    for batch in batches(generate_traffic(schemas, plan), 500):
        answer = post(http, write_key, batch).json()
        accepted += answer["accepted"]
        quarantined += answer["quarantined"]
    exp = plan.expected
    assert (
        exp["invalid"] > 20 and exp["natural_duplicates"] > 20 and exp["synthetic_duplicates"] > 10
    )
    assert quarantined == exp["invalid"]
    assert accepted == exp["valid"] + exp["natural_duplicates"] + exp["synthetic_duplicates"]
    drain(http.app)
    wh = runtime_of(http.app).workspace.warehouse
    total = sum(
        wh.query(f"SELECT count(*) AS n FROM {t}").column(0)[0].as_py()
        for t in ("click_item_home", "view_screen_home")
    )
    assert total == exp["valid"]
    assert wh.query("SELECT count(*) FROM events").column(0)[0].as_py() == exp["valid"]
    assert (
        wh.query("SELECT count(DISTINCT event_id) FROM events").column(0)[0].as_py() == exp["valid"]
    )
    stats = http.get(
        "/api/events/stats", headers={"Authorization": f"Bearer {tokens['viewer']}"}
    ).json()
    assert stats["loaded"]["total"] == exp["valid"]
    assert stats["duplicates"] == {
        "natural": exp["natural_duplicates"],
        "synthetic": exp["synthetic_duplicates"],
    }
    assert stats["quarantined"]["total"] == exp["invalid"]
    assert set(stats["quarantined"]["by_rule"]) <= {
        "type",
        "required",
        "missing_field",
        "unknown_event",
        "enum",
    }
    assert stats["lag"]["total"] == 0


def test_additive_version_adds_a_column_and_a_model_version_gets_its_own_table(
    http: Any, write_key: str
) -> None:
    runtime = runtime_of(http.app)
    post(http, write_key, [click(price=1)])
    drain(http.app)
    v101 = copy.deepcopy(CLICK_V1)
    v101["properties"]["coupon"] = {"type": "string"}
    v101["properties"]["position"]["properties"]["z"] = {"type": "number"}
    runtime.folder_schemas.write("click_item_home", "1-0-1", v101)
    v2 = copy.deepcopy(CLICK_V1)
    v2["properties"]["price"] = {"type": "number"}
    runtime.folder_schemas.write("click_item_home", "2-0-0", v2, activate=False)
    runtime.schemas.forget()
    with_coupon = click(price=2)
    with_coupon["params"].update(coupon="SPRING", position={"x": 1, "z": 0.5})
    assert post(http, write_key, [with_coupon]).json()["accepted"] == 1
    assert post(http, write_key, [click(price=2.5, schema_version="2-0-0")]).json()["accepted"] == 1
    drain(http.app)
    wh = runtime.workspace.warehouse
    rows = wh.query(
        "SELECT price, coupon, position__z FROM click_item_home ORDER BY price"
    ).to_pylist()
    assert rows == [
        {"price": 1, "coupon": None, "position__z": None},
        {"price": 2, "coupon": "SPRING", "position__z": 0.5},
    ]
    v2rows = wh.query("SELECT price, schema_version FROM click_item_home_v2").to_pylist()
    assert v2rows == [{"price": 2.5, "schema_version": "2-0-0"}]
    assert wh.query("SELECT count(*) FROM events").column(0)[0].as_py() == 3
    cols = {c.name: c.type for c in wh.columns("click_item_home_v2")}
    assert cols["price"] == "DOUBLE"


def test_replay_after_a_schema_fix(http: Any, write_key: str, tokens: dict[str, str]) -> None:
    runtime = runtime_of(http.app)
    ev = click()
    ev["params"]["coupon"] = "WINTER"
    resp = post(http, write_key, [ev])
    assert resp.status_code == 422
    drain(http.app)
    editor = {"Authorization": f"Bearer {tokens['editor']}"}
    still = http.post("/api/events/quarantine/replay", headers=editor).json()
    assert still["replayed"] == 0 and still["still_invalid"] == 1
    fixed = copy.deepcopy(CLICK_V1)
    fixed["properties"]["coupon"] = {"type": "string"}
    runtime.folder_schemas.write("click_item_home", "1-0-1", fixed)
    done = http.post("/api/events/quarantine/replay", headers=editor).json()
    assert done == {"considered": 1, "replayed": 1, "still_invalid": 0, "problems": []}
    drain(http.app)
    wh = runtime.workspace.warehouse
    assert wh.query("SELECT coupon FROM click_item_home").column(0).to_pylist() == ["WINTER"]
    assert wh.query("SELECT count(replayed_at) FROM events_quarantine").column(0)[0].as_py() == 1
    again = http.post("/api/events/quarantine/replay", headers=editor).json()
    assert again["considered"] == 0
