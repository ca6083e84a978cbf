"""The Lineage page in headless Chromium against a real ``loam up``: a query log is
ingested through the API, a column is picked with the search box, the graph shows
the tables and columns around it, and the impact panel names the downstream
columns, their owners and the queries. Screenshots land in ``test-artifacts/``."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LoamServer

pytestmark = pytest.mark.browser

LOG = [
    {
        "id": "etl-stg-buyers",
        "user": "etl@shop.io",
        "timestamp": "2024-06-01T02:00:00Z",
        "default_db": "shop",
        "sql": "CREATE TABLE stg.buyers AS SELECT b.id, LOWER(b.email) AS email, c.name AS "
        "country FROM raw.buyers AS b JOIN raw.countries AS c ON b.country_id = c.id",
    },
    {
        "id": "etl-mart-countries",
        "user": "bi@shop.io",
        "timestamp": "2024-06-01T03:00:00Z",
        "default_db": "shop",
        "sql": "CREATE TABLE mart.countries AS SELECT country, COUNT(DISTINCT email) AS buyers "
        "FROM stg.buyers GROUP BY country",
    },
    {
        "id": "crm-export",
        "user": "crm@shop.io",
        "timestamp": "2024-06-01T04:00:00Z",
        "default_db": "shop",
        "sql": "INSERT INTO mart.newsletter (email) SELECT email FROM stg.buyers WHERE id > 0",
    },
]


def call(server: LoamServer, method: str, path: str, token: str, body: Any = None) -> Any:
    request = urllib.request.Request(
        server.url + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


@pytest.fixture(scope="module")
def editor(loam_server: LoamServer) -> str:
    token = loam_server.create_token("lineage-editor", "editor")
    content = "\n".join(json.dumps(row) for row in LOG)
    report = call(
        loam_server,
        "POST",
        "/api/lineage/ingest",
        token,
        {"source": "query-log", "content": content},
    )
    assert report["kept"] == 3 and report["edges"] > 0 and report["failed"] == 0
    for table, owner in (
        ("mart.countries", "bi-team@shop.io"),
        ("mart.newsletter", "crm-team@shop.io"),
    ):
        call(loam_server, "PUT", "/api/lineage/owners", token, {"table": table, "owner": owner})
    call(loam_server, "PUT", "/api/lineage/tags", token, {"name": "raw.buyers.email", "tag": "pii"})
    return token


def test_pick_a_column_see_the_graph_and_the_impact(
    page: Page, loam_server: LoamServer, editor: str, artifacts: Path
) -> None:
    page.goto(f"{loam_server.url}/lineage?token={editor}")
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("Lineage")
    expect(main.get_by_role("heading", name="Pick a table or column")).to_be_visible()
    starts = main.get_by_role("list", name="Tables to start from")
    expect(starts).to_contain_text("shop.stg.buyers")
    page.screenshot(path=artifacts / "lineage-start.png")

    # Search with the keyboard: type, arrow to the column, Enter.
    search = page.get_by_role("combobox", name="Table or column")
    search.fill("raw.buyers.em")
    options = page.get_by_role("listbox", name="Matching tables and columns").get_by_role("option")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("shop.raw.buyers.email")
    page.keyboard.press("ArrowDown")  # stays on the only match
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"table=shop\.raw\.buyers&column=email"))

    graph = page.get_by_test_id("lineage-graph")
    for table in (
        "shop.raw.buyers",
        "shop.stg.buyers",
        "shop.mart.countries",
        "shop.mart.newsletter",
    ):
        expect(graph.get_by_test_id(f"lineage-table-{table}")).to_be_visible()
    focus = graph.get_by_test_id("lineage-column-shop.raw.buyers.email")
    expect(focus).to_have_attribute("aria-pressed", "true")
    expect(focus).to_contain_text("PII")
    # PII follows the value: the mart's e-mail copy is marked, the count of buyers too.
    expect(graph.get_by_test_id("lineage-column-shop.mart.newsletter.email")).to_contain_text("PII")
    # Value flows are solid, influences dashed: both kinds are drawn.
    expect(graph.locator(".react-flow__edge.edge-direct").first).to_be_attached()
    assert graph.locator(".react-flow__edge.edge-direct").count() >= 3

    panel = page.get_by_test_id("impact-panel")
    expect(panel.get_by_role("heading", level=2)).to_contain_text("shop.raw.buyers.email")
    affected = panel.get_by_role("list", name="Affected columns").get_by_role("listitem")
    expect(affected).to_have_count(3)
    for column in (
        "shop.stg.buyers.email",
        "shop.mart.countries.buyers",
        "shop.mart.newsletter.email",
    ):
        expect(panel.get_by_role("list", name="Affected columns")).to_contain_text(column)
    owners = panel.get_by_role("list", name="Owners to tell")
    expect(owners).to_contain_text("bi-team@shop.io")
    expect(owners).to_contain_text("crm-team@shop.io")
    # stg.buyers has no owner: the panel names who runs the queries that write it.
    expect(owners).to_contain_text("No owner recorded")
    expect(owners).to_contain_text("queries run by etl@shop.io")
    queries = panel.get_by_role("list", name="Queries that read it")
    expect(queries).to_contain_text("etl-stg-buyers")
    expect(queries).to_contain_text("crm-export")
    page.screenshot(path=artifacts / "lineage-column.png", full_page=True)

    # Choosing a column in the graph moves the focus there; the panel follows.
    graph.get_by_test_id("lineage-column-shop.stg.buyers.email").click()
    expect(page).to_have_url(re.compile(r"table=shop\.stg\.buyers&column=email"))
    expect(panel.get_by_role("heading", level=2)).to_contain_text("shop.stg.buyers.email")
    expect(
        panel.get_by_role("list", name="Affected columns").get_by_role("listitem")
    ).to_have_count(2)

    # Upstream only, one step: the marts leave the graph.
    page.get_by_label("Direction").select_option("upstream")
    expect(graph.get_by_test_id("lineage-table-shop.mart.countries")).to_have_count(0)
    expect(graph.get_by_test_id("lineage-table-shop.raw.countries")).to_be_visible()
    page.screenshot(path=artifacts / "lineage-upstream.png", full_page=True)


def test_a_table_shows_all_its_columns_and_keyboard_reaches_them(
    page: Page, loam_server: LoamServer, editor: str, artifacts: Path
) -> None:
    page.goto(f"{loam_server.url}/lineage?token={editor}")
    page.get_by_role("combobox", name="Table or column").fill("stg.buyers")
    page.get_by_role("option", name=re.compile(r"^table\s*shop\.stg\.buyers")).click()
    expect(page).to_have_url(re.compile(r"table=shop\.stg\.buyers$|table=shop\.stg\.buyers&"))
    table = page.get_by_test_id("lineage-table-shop.stg.buyers")
    for column in ("id", "email", "country"):
        expect(table.get_by_test_id(f"lineage-column-shop.stg.buyers.{column}")).to_be_visible()
    expect(page.get_by_test_id("impact-panel").get_by_role("heading", level=2)).to_contain_text(
        "Impact of dropping"
    )
    # Column buttons are ordinary buttons: focus one and press Enter.
    button = table.get_by_test_id("lineage-column-shop.stg.buyers.country")
    button.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"column=country"))
    page.screenshot(path=artifacts / "lineage-table.png", full_page=True)


def test_unknown_names_and_missing_tokens_are_explained(
    page: Page, loam_server: LoamServer, editor: str, artifacts: Path
) -> None:
    page.goto(f"{loam_server.url}/lineage?token={editor}")
    page.goto(f"{loam_server.url}/lineage?table=shop.raw.buyers&column=phone")
    alert = page.get_by_role("main").get_by_role("alert").first
    expect(alert).to_contain_text("column 'phone' is not in table shop.raw.buyers")
    expect(page.get_by_test_id("impact-panel")).to_have_count(0)
    page.screenshot(path=artifacts / "lineage-unknown-column.png")

    page.evaluate("localStorage.removeItem('loam.token')")
    page.goto(f"{loam_server.url}/lineage")
    expect(page.get_by_role("main").get_by_role("alert").first).to_contain_text("API token")
