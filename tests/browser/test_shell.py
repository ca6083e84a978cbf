"""The web UI shell in headless Chromium against a real ``loam up``.

What a user sees: the header reports each component's health from
``/api/health``, the navigation reaches every capability (pages not built yet
say so), a ``?token=`` link signs the browser in, and a broken or stopped
server is reported as such. Screenshots land in ``test-artifacts/``.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LoamServer

pytestmark = pytest.mark.browser

CAPABILITY_PAGES = {
    "events": "Events",
    "pipelines": "Pipelines",
    "cdc": "CDC",
    "lineage": "Lineage",
    "models": "Models",
    "activation": "Activation",
    "fraud": "Fraud",
    "workflows": "Workflows",
}


# Capabilities whose pages exist (tested in their own modules).
BUILT = {"events"}


def api_health(server: LoamServer) -> dict[str, Any]:
    try:
        with urllib.request.urlopen(server.url + "/api/health", timeout=10) as response:
            body: dict[str, Any] = json.load(response)
    except urllib.error.HTTPError as exc:  # a degraded platform may answer 503
        body = json.load(exc)
    return body


def test_header_shows_every_component_healthy(
    page: Page, loam_server: LoamServer, artifacts: Path
) -> None:
    report = api_health(loam_server)
    components = [c["component"] for c in report["components"]]
    assert {"catalog", "warehouse", "lake", "bus"} <= set(components)

    page.goto(loam_server.url + "/")

    expect(page.get_by_role("banner")).to_contain_text("Loam")
    chips = page.get_by_role("list", name="Components").get_by_role("button")
    expect(chips).to_have_count(len(components))
    # Each chip says what the server says about its component, in text and state.
    for item in report["components"]:
        chip = page.get_by_test_id(f"health-{item['component']}")
        state = "OK" if item["ok"] else "Down"
        expect(chip).to_have_accessible_name(re.compile(rf"^{item['component']}\s*{state}$"))
        expect(chip).to_have_attribute("data-state", "ok" if item["ok"] else "down")

    # The detail the server gave shows on keyboard focus, tied to the chip for screen readers.
    catalog = report["components"][components.index("catalog")]
    chip = page.get_by_test_id("health-catalog")
    chip.focus()
    tooltip = page.get_by_role("tooltip")
    expect(tooltip).to_be_visible()
    expect(tooltip).to_contain_text(catalog["detail"])
    expect(chip).to_have_accessible_description(re.compile(re.escape(catalog["backend"])))
    page.screenshot(path=artifacts / "shell-home.png", full_page=True)
    page.keyboard.press("Escape")
    expect(tooltip).to_be_hidden()

    # The home page says what Loam is and lists every capability.
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("Loam")
    expect(main).to_contain_text("open-source data platform")
    for name in CAPABILITY_PAGES.values():
        expect(main.get_by_role("link", name=name, exact=True)).to_be_visible()

    # A fresh workspace on embedded defaults is healthy, and the header says so.
    broken = {c["component"]: c["detail"] for c in report["components"] if not c["ok"]}
    assert not broken, f"a fresh `loam up` workspace reports broken components: {broken}"
    overall = page.get_by_test_id("health-overall")
    expect(overall).to_have_text("All systems OK")
    expect(overall).to_have_attribute("data-state", "ok")
    for component in components:
        expect(page.get_by_test_id(f"health-{component}")).to_contain_text("OK")


def test_navigation_reaches_capability_pages_that_say_not_built(
    page: Page, loam_server: LoamServer, artifacts: Path
) -> None:
    page.goto(loam_server.url + "/")
    nav = page.get_by_role("navigation", name="Capabilities")
    for name in CAPABILITY_PAGES.values():
        expect(nav.get_by_role("link", name=re.compile(rf"^{name}\b"))).to_be_visible()

    nav.get_by_role("link", name=re.compile(r"^Lineage\b")).click()
    expect(page).to_have_url(loam_server.url + "/lineage")
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("Lineage")
    expect(main.get_by_test_id("not-built")).to_contain_text("Not built yet")
    expect(nav.get_by_role("link", name=re.compile(r"^Lineage\b"))).to_have_attribute(
        "aria-current", "page"
    )
    expect(page).to_have_title("Lineage · Loam")
    page.screenshot(path=artifacts / "shell-lineage-not-built.png")

    # Keyboard: focus a navigation link and press Enter.
    nav.get_by_role("link", name=re.compile(r"^Fraud\b")).focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(loam_server.url + "/fraud")
    expect(main.get_by_role("heading", level=1)).to_have_text("Fraud")

    # A deep link loaded from the server (not through the app) reaches the same page.
    for path, name in CAPABILITY_PAGES.items():
        if path in BUILT:
            continue
        page.goto(f"{loam_server.url}/{path}")
        expect(page.get_by_role("main").get_by_role("heading", level=1)).to_have_text(name)
        expect(page.get_by_test_id("not-built")).to_contain_text("Not built yet")

    page.goto(loam_server.url + "/no-such-page")
    expect(page.get_by_role("main")).to_contain_text("There is no page at /no-such-page")


def test_token_link_signs_in_and_the_header_shows_the_role(
    page: Page, loam_server: LoamServer, artifacts: Path
) -> None:
    token = loam_server.create_token("ui-editor", "editor")

    page.goto(f"{loam_server.url}/cdc?token={token}")

    # Saved in the browser and gone from the address bar.
    expect(page).to_have_url(loam_server.url + "/cdc")
    assert page.evaluate("localStorage.getItem('loam.token')") == token
    expect(page.get_by_test_id("identity")).to_contain_text("ui-editor")
    expect(page.get_by_test_id("identity-role")).to_have_text("editor")
    page.screenshot(path=artifacts / "shell-signed-in.png")

    page.reload()
    expect(page.get_by_test_id("identity-role")).to_have_text("editor")

    # A token the server does not know is reported, and no role is shown.
    page.get_by_test_id("token-button").click()
    page.get_by_label("API token").fill("not-a-real-token")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("token-state")).to_have_text("Token rejected")
    expect(page.get_by_test_id("identity")).to_have_count(0)

    # Clearing the token signs out.
    page.get_by_test_id("token-button").click()
    expect(page.get_by_role("dialog", name="Token settings")).to_be_visible()
    page.screenshot(path=artifacts / "shell-token-control.png")
    page.get_by_test_id("token-clear").click()
    expect(page.get_by_test_id("token-state")).to_have_text("Add token")
    assert page.evaluate("localStorage.getItem('loam.token')") is None


def test_broken_component_then_stopped_server_are_reported(
    page: Page, start_loam: Callable[..., LoamServer], artifacts: Path
) -> None:
    # A Redis nobody listens on: the platform is degraded, with redis down.
    server = start_loam(env={"LOAM_SERVICES__REDIS_URL": "redis://127.0.0.1:9/0"})
    report = api_health(server)
    broken = [c for c in report["components"] if not c["ok"]]
    assert "redis" in [c["component"] for c in broken]
    redis_health = next(c for c in broken if c["component"] == "redis")

    page.goto(server.url + "/")
    total = len(report["components"])
    expect(page.get_by_test_id("health-overall")).to_have_text(
        f"Degraded: {len(broken)} of {total} down"
    )
    redis = page.get_by_test_id("health-redis")
    expect(redis).to_have_accessible_name(re.compile(r"^redis\s*Down$"))
    expect(redis).to_have_attribute("data-state", "down")
    expect(page.get_by_test_id("health-catalog")).to_have_attribute("data-state", "ok")
    redis.hover()
    tooltip = page.get_by_role("tooltip")
    expect(tooltip).to_contain_text(redis_health["detail"].splitlines()[0][:60])
    if redis_health["fix"]:
        expect(tooltip).to_contain_text(f"Fix: {redis_health['fix']}")
    page.screenshot(path=artifacts / "shell-degraded.png")

    # The server goes away: the next refresh says so instead of showing stale health.
    server.stop()
    expect(page.get_by_test_id("health-overall")).to_have_text("Server unreachable", timeout=20_000)
    expect(page.get_by_role("alert")).to_contain_text("Cannot reach the Loam server")
    expect(page.get_by_test_id("health-redis")).to_have_count(0)
    page.screenshot(path=artifacts / "shell-server-down.png")
