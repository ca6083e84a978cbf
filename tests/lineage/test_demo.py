"""The demo workspace's lineage answers the questions a new user asks of it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from loam.lineage.demo import build
from loam.lineage.service import LineageService
from loam.lineage.store import LineageStore
from loam.workspace import Workspace


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    ws = Workspace.open(tmp_path / "demo", create=True, environ={})
    yield ws
    ws.close()


def test_demo_marketplace_lineage(workspace: Workspace) -> None:
    report = build(workspace)
    assert report.skipped == {"script parent": 7, "information_schema": 7, "failed": 1}
    assert report.failed == 0 and report.edges > 100
    service = LineageService(LineageStore(workspace.catalog))

    impact = service.impact(service.resolve("raw.users.email"))
    reached = {c["id"]: c for c in impact["columns"]}
    crm = reached["bazaar.mart.crm_audience.email"]
    assert crm["direct"] and crm["pii"] and crm["owner"] == "crm@bazaar.io"
    assert {"owner": "growth@bazaar.io", "tables": ["bazaar.mart.customer_ltv"]} in impact["owners"]

    # Date shards fold into one table; the GA4 parameter is its own column.
    up = service.walk(service.resolve("bazaar.stg.page_views.listing_id"), upstream=True)
    assert "bazaar.analytics.events_yyyymmdd.event_params[key=listing_id].value.string_value" in {
        c["id"] for c in up["columns"]
    }
    # A rerun adds nothing (the watermark has moved past every job).
    assert build(workspace).kept == 0


def test_demo_lineage_starts_at_event_parameters(workspace: Workspace) -> None:
    events = pytest.importorskip("loam.events.demo")
    events.build(workspace)
    build(workspace)
    service = LineageService(LineageStore(workspace.catalog))
    down = service.walk(service.resolve("event:click_item_home.item.seller.seller_id"), False)
    ids = {c["id"] for c in down["columns"]}
    assert "bazaar.stg.feed_clicks.seller_id" in ids
    assert "bazaar.mart.seller_engagement.seller_id" in ids
    assert "bazaar.mart.seller_engagement.seller_id" in {r["id"] for r in service.tagged("pii")}
