"""The event page's daily volume chart, fed by real events through a real ``loam up``.

An app sends events to ``/collect`` with a write key (some valid on two days, some that
break the schema); once the pipeline has loaded them, the chart shows each day's loaded
and quarantined counts, readable by hovering or by keyboard. Screenshot:
``test-artifacts/events-volume.png``.
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LoamServer
from tests.browser.test_events_ui import api, sign_in

pytestmark = pytest.mark.browser

EVENT = {
    "name": "click_banner_home",
    "description": "The user tapped the promotion banner on the home screen.",
    "owner": "growth",
    "status": "active",
    "params": [
        {"name": "banner_id", "type": "string", "required": True},
        {"name": "slot", "type": "integer", "required": True},
    ],
}


def tap(day: date, hour: int, slot: Any = 1) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "event_name": EVENT["name"],
        "client_ts": f"{day.isoformat()}T{hour:02d}:15:00Z",
        "device_id": f"d-{hour}",
        "platform": "android",
        "params": {"banner_id": "spring-sale", "slot": slot},
    }


def collect(server: LoamServer, write_key: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    request = urllib.request.Request(
        server.url + "/collect",
        method="POST",
        data=json.dumps(events).encode(),
        headers={"X-Loam-Write-Key": write_key, "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            answer: dict[str, Any] = json.load(response)
    except urllib.error.HTTPError as exc:  # 422: some were quarantined, the rest accepted
        answer = json.load(exc)
    return answer


def wait_until_loaded(server: LoamServer, token: str, loaded: int, quarantined: int) -> None:
    stats: dict[str, Any] = {}
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        stats = api(server, token, "GET", "/api/events/stats")
        if (
            stats["loaded"]["by_table"].get(EVENT["name"]) == loaded
            and stats["quarantined"]["total"] == quarantined
        ):
            return
        time.sleep(0.5)
    pytest.fail(f"the pipeline did not load the events within 90 s: {stats}")


@pytest.fixture(scope="module")
def sent(loam_server: LoamServer) -> dict[str, Any]:
    """Events of today and two days ago, loaded; the tokens to look at them."""
    admin = loam_server.create_token("ops-admin", "admin")
    viewer = loam_server.create_token("analyst", "viewer")
    api(loam_server, admin, "POST", "/api/events", {"definition": EVENT})
    key = api(loam_server, admin, "POST", "/api/events/keys", {"source": "android-app"})
    today = datetime.now(UTC).date()
    earlier = today - timedelta(days=2)
    good = [tap(today, h % 24) for h in range(7)] + [tap(earlier, h) for h in (8, 13, 21)]
    bad = [tap(today, 10, slot="top"), tap(today, 11, slot="left"), tap(today, 12, slot=None)]
    answer = collect(loam_server, key["write_key"], good + bad)
    assert (answer["accepted"], answer["quarantined"]) == (10, 3), answer
    wait_until_loaded(loam_server, viewer, loaded=10, quarantined=3)
    return {"viewer": viewer, "today": today, "earlier": earlier}


def test_the_chart_shows_each_days_loaded_and_quarantined_events(
    page: Page, loam_server: LoamServer, sent: dict[str, Any], artifacts: Path
) -> None:
    today, earlier = sent["today"], sent["earlier"]
    sign_in(page, loam_server, sent["viewer"], f"/events/{EVENT['name']}")
    panel = page.get_by_test_id("volume-panel")
    expect(panel.get_by_test_id("volume-summary")).to_contain_text("10 loaded")
    expect(panel.get_by_test_id("volume-summary")).to_contain_text("3 quarantined")
    chart = panel.get_by_role("group", name=re.compile(f"{EVENT['name']}: events loaded"))
    expect(chart).to_be_visible()
    expect(chart.locator("[data-day]")).to_have_count(14)
    expect(panel).to_contain_text("Top quarantine reasons")
    expect(panel).to_contain_text("type 3")

    # each day's bar carries its counts for screen readers
    day = chart.locator(f'[data-day="{today.isoformat()}"]')
    expect(day).to_have_attribute("aria-label", re.compile(r": 7 loaded, 3 quarantined"))
    expect(chart.locator(f'[data-day="{earlier.isoformat()}"]')).to_have_attribute(
        "aria-label", re.compile(r": 3 loaded, 0 quarantined$")
    )
    quiet = (today - timedelta(days=1)).isoformat()
    expect(chart.locator(f'[data-day="{quiet}"]')).to_have_attribute(
        "aria-label", re.compile(r": 0 loaded, 0 quarantined$")
    )
    # bars are drawn to scale: today's loaded bar is taller than the earlier day's
    today_bar = day.locator(".volume-loaded").bounding_box()
    earlier_bar = chart.locator(f'[data-day="{earlier.isoformat()}"] .volume-loaded').bounding_box()
    assert today_bar and earlier_bar and today_bar["height"] > 2 * earlier_bar["height"]
    expect(chart.locator(f'[data-day="{quiet}"] .volume-loaded')).to_have_count(0)

    # hovering a day shows its exact counts
    chart.locator(f'[data-day="{earlier.isoformat()}"]').hover()
    tooltip = panel.get_by_test_id("volume-tooltip")
    expect(tooltip).to_contain_text("3 loaded")
    expect(tooltip).to_contain_text("0 quarantined")

    # and so does the keyboard: Tab lands on the latest day, arrows move
    page.mouse.move(0, 0)
    expect(tooltip).to_be_hidden()
    day.focus()
    expect(tooltip).to_contain_text("7 loaded")
    expect(tooltip).to_contain_text("3 quarantined")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    expect(tooltip).to_contain_text("3 loaded")
    page.keyboard.press("End")
    expect(tooltip).to_contain_text("7 loaded")
    expect(tooltip).to_contain_text("type 3")
    page.screenshot(path=artifacts / "events-volume.png")
    panel.screenshot(path=artifacts / "events-volume-panel.png")


def test_an_event_with_no_traffic_says_so(
    page: Page, loam_server: LoamServer, sent: dict[str, Any]
) -> None:
    admin = loam_server.create_token("ops-admin-2", "admin")
    quiet = dict(EVENT, name="view_banner_home", description="The banner came into view.")
    api(loam_server, admin, "POST", "/api/events", {"definition": quiet})
    sign_in(page, loam_server, sent["viewer"], "/events/view_banner_home")
    panel = page.get_by_test_id("volume-panel")
    expect(panel.get_by_test_id("volume-empty")).to_contain_text("No events received yet")
    expect(panel.get_by_role("group")).to_have_count(0)
