"""``GET /api/events/{name}/volume``: daily loaded / quarantined / duplicate counts of one event.

Events go through the real collector (HTTP), processor, lake and loader into DuckDB.
"""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from loam.events.pipeline.runtime import runtime_of

from .conftest import CLICK_V1, drain
from .test_collector_http import assert_error_shape, post
from .test_flow import click


def at(day: date, hour: int = 12) -> str:
    return f"{day.isoformat()}T{hour:02d}:00:00Z"


def view(ts: str) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "event_name": "view_screen_home",
        "client_ts": ts,
        "device_id": "d1",
        "platform": "web",
        "params": {"screen": "home"},
    }


def get_volume(http: Any, token: str, name: str, **query: Any) -> Any:
    return http.get(
        f"/api/events/{name}/volume", params=query, headers={"Authorization": f"Bearer {token}"}
    )


@pytest.fixture
def traffic(http: Any, write_key: str) -> dict[str, date]:
    """Clicks over three days (one outside the window), a MODEL-2 table, other events,
    quarantined clicks and duplicates, all loaded."""
    today = datetime.now(UTC).date()
    yesterday = today - timedelta(days=1)
    old = today - timedelta(days=20)
    runtime = runtime_of(http.app)
    v2 = copy.deepcopy(CLICK_V1)
    v2["properties"]["price"] = {"type": "number"}  # a breaking change: MODEL 2, own table
    runtime.folder_schemas.write("click_item_home", "2-0-0", v2, activate=False)

    first = click(client_ts=at(today, 1))
    clicks = [first, click(client_ts=at(today, 9)), click(client_ts=at(today, 23))]
    clicks += [click(client_ts=at(yesterday, 0)), click(client_ts=at(yesterday, 22))]
    clicks += [click(client_ts=at(old))]
    clicks += [dict(click(price=9.5, client_ts=at(today, 3)), schema_version="2-0-0")]
    clicks += [view(at(today)), view(at(yesterday))]
    assert post(http, write_key, clicks).status_code == 200

    natural = dict(first)  # a client re-sending after a lost answer
    synthetic = copy.deepcopy(first)
    synthetic["params"]["price"] = 5  # same event_id, other payload
    assert post(http, write_key, [natural, synthetic]).status_code == 200

    bad = [click(price="free", client_ts=at(today)), click(price=-1, client_ts=at(today))]
    bad += [{k: v for k, v in click(client_ts=at(today)).items() if k != "device_id"}]
    answer = post(http, write_key, bad)
    assert answer.status_code == 422 and answer.json()["quarantined"] == 3
    drain(http.app)
    return {"today": today, "yesterday": yesterday}


def test_volume_counts_each_day_of_the_event_across_its_tables(
    http: Any, traffic: dict[str, date], tokens: dict[str, str]
) -> None:
    resp = get_volume(http, tokens["viewer"], "click_item_home")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    today, yesterday = traffic["today"], traffic["yesterday"]
    assert body["event"] == "click_item_home" and body["days"] == 14
    assert body["tables"] == ["click_item_home", "click_item_home_v2"]
    assert (body["from"], body["to"]) == ((today - timedelta(days=13)).isoformat(), str(today))
    series = {d["day"]: d for d in body["series"]}
    assert list(series) == [str(today - timedelta(days=13 - i)) for i in range(14)]
    # 3 clicks today + 1 of MODEL 2; duplicates are not loaded twice; the 20-day-old one is out
    assert series[str(today)]["loaded"] == 4
    assert series[str(yesterday)]["loaded"] == 2
    assert sum(d["loaded"] for d in body["series"]) == body["totals"]["loaded"] == 6
    assert series[str(today)]["quarantined"] == body["totals"]["quarantined"] == 3
    assert series[str(yesterday)]["quarantined"] == 0
    reasons = {r["rule"]: r["count"] for r in series[str(today)]["reasons"]}
    assert reasons == {"type": 1, "minimum": 1, "missing_field": 1}
    assert body["totals"]["reasons"] == series[str(today)]["reasons"]
    assert series[str(today)]["natural_duplicates"] == body["totals"]["natural_duplicates"] == 1
    assert series[str(today)]["synthetic_duplicates"] == body["totals"]["synthetic_duplicates"] == 1


def test_volume_of_another_event_counts_only_that_event(
    http: Any, traffic: dict[str, date], tokens: dict[str, str]
) -> None:
    body = get_volume(http, tokens["viewer"], "view_screen_home", days=2).json()
    assert [(d["day"], d["loaded"], d["quarantined"]) for d in body["series"]] == [
        (str(traffic["yesterday"]), 1, 0),
        (str(traffic["today"]), 1, 0),
    ]
    assert body["totals"]["natural_duplicates"] == body["totals"]["synthetic_duplicates"] == 0


def test_volume_window_reaches_back_as_asked(
    http: Any, traffic: dict[str, date], tokens: dict[str, str]
) -> None:
    body = get_volume(http, tokens["viewer"], "click_item_home", days=21).json()
    assert len(body["series"]) == 21 and body["totals"]["loaded"] == 7
    old = str(traffic["today"] - timedelta(days=20))
    assert body["series"][0] == {
        "day": old,
        "loaded": 1,
        "quarantined": 0,
        "natural_duplicates": 0,
        "synthetic_duplicates": 0,
        "reasons": [],
    }


def test_volume_of_a_known_event_with_no_traffic_is_all_zero(
    http: Any, tokens: dict[str, str]
) -> None:
    body = get_volume(http, tokens["viewer"], "view_screen_home", days=7).json()
    assert body["tables"] == [] and len(body["series"]) == 7
    assert all(d["loaded"] == d["quarantined"] == 0 for d in body["series"])


def test_volume_of_an_unknown_event_is_404(http: Any, tokens: dict[str, str]) -> None:
    err = assert_error_shape(
        get_volume(http, tokens["viewer"], "tap_nothing_home"), 404, "event_not_found"
    )
    assert "tap_nothing_home" in err["message"]


@pytest.mark.parametrize("days", ["0", "91", "-3", "many"])
def test_volume_with_bad_days_is_422(http: Any, tokens: dict[str, str], days: str) -> None:
    err = assert_error_shape(
        get_volume(http, tokens["viewer"], "click_item_home", days=days), 422, "invalid_input"
    )
    assert "days" in err["message"]


def test_volume_needs_a_token(http: Any) -> None:
    assert_error_shape(http.get("/api/events/click_item_home/volume"), 401, "unauthenticated")


def test_volume_route_leaves_the_registry_parameter_search_alone(
    http: Any, tokens: dict[str, str]
) -> None:
    resp = http.get(
        "/api/events/parameters/volume", headers={"Authorization": f"Bearer {tokens['viewer']}"}
    )
    assert resp.status_code == 200 and resp.json()["param"] == "volume"


def test_volume_as_a_library_refuses_a_window_out_of_range(http: Any) -> None:
    from loam.core.errors import InvalidInput
    from loam.events.pipeline.volume import event_volume

    with pytest.raises(InvalidInput, match="days must be between 1 and 90, got 0"):
        event_volume(runtime_of(http.app), "click_item_home", 0)
