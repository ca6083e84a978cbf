"""The Event Center in headless Chromium against a real ``loam up``.

A product manager's path through it: define an event with parameters nested
four levels deep, trip over the naming grammar and take the suggestion, save,
find the event in the dictionary, change it additively and then breakingly
(confirming the new MODEL version), and compare the versions. A viewer sees no
edit buttons. Every step leaves a screenshot in ``test-artifacts/events-*.png``.
"""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import LoamServer
from tests.events.conftest import load_fixture

pytestmark = pytest.mark.browser

SEED = {
    "name": "click_item_home",
    "description": "The user tapped a listing card in the home feed.",
    "owner": "marketplace",
    "status": "active",
    "tags": ["feed"],
    "params": [{"name": "item_id", "type": "string", "required": True}],
}


def api(server: LoamServer, token: str, method: str, path: str, body: Any = None) -> Any:
    request = urllib.request.Request(
        server.url + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


@pytest.fixture(scope="module")
def tokens(loam_server: LoamServer) -> dict[str, str]:
    made = {
        "editor": loam_server.create_token("pm-editor", "editor"),
        "viewer": loam_server.create_token("analyst", "viewer"),
    }
    api(loam_server, made["editor"], "POST", "/api/events", {"definition": SEED})
    return made


def tall_screenshot(page: Page, path: Path) -> None:
    """The whole page in one window as tall as it is, so sticky bars stay where they belong."""
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": 1280, "height": max(800, min(int(height), 6000))})
    page.screenshot(path=path)
    page.set_viewport_size({"width": 1280, "height": 800})


def export_text(server: LoamServer, token: str, name: str, fmt: str) -> str:
    request = urllib.request.Request(
        f"{server.url}/api/events/{name}/export/{fmt}",
        headers={"Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        text: str = response.read().decode()
    return text


def sign_in(page: Page, server: LoamServer, token: str, path: str = "/events") -> None:
    page.goto(f"{server.url}{path}?token={token}")
    expect(page.get_by_test_id("identity")).to_be_visible()


def param(page: Page, path: str) -> Locator:
    """The editor of the parameter at ``path`` (its own fields come before its children's)."""
    return page.get_by_role("group", name=f"Parameter {path}", exact=True)


def add_param(page: Page, button: str, name: str, kind: str = "string") -> Locator:
    """Clicks an "Add parameter" button; the new name field has focus, so typing names it."""
    page.get_by_role("button", name=button, exact=True).click()
    page.keyboard.type(name)
    editor = param(page, name if "to " not in button else f"{button.split(' to ')[1]}.{name}")
    if kind != "string":
        editor.get_by_label("Type", exact=True).first.select_option(kind)
    return editor


def test_define_find_change_and_compare_an_event(
    page: Page, loam_server: LoamServer, tokens: dict[str, str], artifacts: Path
) -> None:
    sign_in(page, loam_server, tokens["editor"])
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("Event dictionary")
    expect(main.get_by_role("link", name="click_item_home")).to_be_visible()
    tall_screenshot(page, artifacts / "events-01-dictionary.png")

    # -- the builder: the name is checked while it is typed ----------------------------
    main.get_by_role("link", name="New event").click()
    expect(page).to_have_url(loam_server.url + "/events/new")
    name = page.get_by_label("Event name")
    status = page.get_by_test_id("name-status")

    name.fill("click_itme_home")  # fine by the grammar, but spelt like an existing event
    duplicates = page.get_by_test_id("near-duplicates")
    expect(duplicates).to_contain_text("spelt almost the same")
    expect(duplicates.get_by_role("link", name=re.compile("click_item_home"))).to_have_attribute(
        "href", "/events/click_item_home"
    )
    page.screenshot(path=artifacts / "events-02-near-duplicate.png")

    name.fill("item_view_home")  # words in the wrong order
    expect(status).to_contain_text("wrong order")
    expect(name).to_have_attribute("aria-invalid", "true")
    suggestion = page.get_by_test_id("apply-suggestion")
    expect(suggestion).to_contain_text("view_item_home")
    page.screenshot(path=artifacts / "events-03-naming-error.png")
    suggestion.click()
    expect(name).to_have_value("view_item_home")
    expect(status).to_contain_text("Follows the naming grammar")
    expect(page.get_by_test_id("near-duplicates")).to_have_count(0)

    page.get_by_label("Description", exact=True).first.fill(
        "A listing card became visible in the home feed."
    )
    page.get_by_label("Owner team").fill("marketplace")
    page.get_by_label("Tags").fill("feed, kpi")

    # -- parameters, four levels: item > seller > badges (array of objects) > kind ------
    item = add_param(page, "+ Add parameter", "item", "object")
    item.get_by_label("Required").first.check()
    item_id = add_param(page, "+ Add parameter to item", "item_id")
    item_id.get_by_label("Required").check()
    item_id.get_by_label("Pattern (regex)").fill("^it_[0-9a-z]+$")
    item_id.get_by_label("Examples").fill("it_8f2c19")
    add_param(page, "+ Add parameter to item", "seller", "object")
    badges = add_param(page, "+ Add parameter to item.seller", "badges", "array")
    badges.get_by_label("Each element is").select_option("object")
    page.get_by_role("button", name="+ Add parameter to item.seller.badges[]").click()
    page.keyboard.type("kind")
    kind = param(page, "item.seller.badges[].kind")
    kind.get_by_label("Type", exact=True).select_option("enum")
    kind.get_by_label("Allowed values").fill("new, top_rated")
    kind.get_by_label("Required").check()

    # A parameter name that breaks the rules is flagged at the field itself.
    wrong = add_param(page, "+ Add parameter", "userId", "integer")
    problems = wrong.get_by_test_id("field-problems").first
    expect(problems).to_contain_text("snake_case")
    expect(problems).to_contain_text("user_id")
    expect(wrong.get_by_label("Name", exact=True)).to_have_attribute("aria-invalid", "true")
    tall_screenshot(page, artifacts / "events-04-param-name-error.png")
    wrong.get_by_label("Name", exact=True).fill("position")
    position = param(page, "position")
    position.get_by_label("Required").check()
    position.get_by_label("Minimum").fill("0")
    expect(page.get_by_text("✓ No problems found.")).to_be_visible()

    # The live preview shows the generated schemas as the form changes.
    preview = page.get_by_role("complementary", name="Live preview")
    expect(preview.get_by_test_id("export-spark")).to_contain_text('"top_rated"')
    expect(preview.get_by_test_id("export-spark")).to_contain_text('"containsNull": false')
    preview.get_by_role("tab", name="BigQuery").click()
    expect(preview.get_by_test_id("export-bigquery")).to_contain_text('"REPEATED"')
    tall_screenshot(page, artifacts / "events-05-builder.png")

    # -- save: the dialog says what the save will do first --------------------------------
    page.get_by_role("button", name="Review and save…").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("will be registered as version 1-0-0")
    page.screenshot(path=artifacts / "events-06-register.png")
    dialog.get_by_role("button", name="Register 1-0-0").click()
    expect(page).to_have_url(loam_server.url + "/events/view_item_home")
    expect(main.get_by_role("heading", level=1)).to_have_text("view_item_home")
    expect(main.get_by_test_id("saved-banner")).to_contain_text("registered as version 1-0-0")
    tree = main.get_by_role("list", name="Parameters")
    expect(tree.locator('[data-path="item.seller.badges[].kind"]')).to_contain_text("enum")
    expect(tree.locator('[data-path="item.seller.badges[].kind"]')).to_have_attribute(
        "data-depth", "4"
    )
    expect(main.get_by_test_id("volume-panel")).to_contain_text("No events received yet")
    tall_screenshot(page, artifacts / "events-07-event-page.png")

    # -- the dictionary finds it; the search and filters live in the URL ------------------
    page.get_by_role("link", name="Event dictionary").first.click()
    page.get_by_label("Search events").fill("badges")
    expect(page).to_have_url(re.compile(r"/events\?q=badges$"))
    results = main.get_by_test_id("event-results")
    expect(results.get_by_role("link")).to_have_count(1)
    expect(results).to_contain_text("view_item_home")
    expect(results).to_contain_text("marketplace")
    expect(results).to_contain_text("Found in parameters")
    page.get_by_label("Search events").fill("")
    expect(page).to_have_url(loam_server.url + "/events")
    page.get_by_test_id("facet-tag-kpi").click()
    expect(page).to_have_url(re.compile(r"tag=kpi"))
    expect(results.get_by_role("link")).to_have_count(1)
    page.screenshot(path=artifacts / "events-08-dictionary-filtered.png")
    page.go_back()
    expect(page).not_to_have_url(re.compile(r"tag=kpi"))
    registered = api(loam_server, tokens["viewer"], "GET", "/api/events")["count"]
    expect(results.get_by_role("link")).to_have_count(registered)
    page.goto(loam_server.url + "/events?q=view")  # a shared link shows the same list
    expect(page.get_by_label("Search events")).to_have_value("view")
    results.get_by_role("link", name="view_item_home").click()

    # -- an additive change: a new optional parameter, moved by keyboard ------------------
    main.get_by_role("link", name="Edit event").click()
    expect(page).to_have_url(loam_server.url + "/events/view_item_home/edit")
    expect(page.get_by_label("Event name")).to_have_attribute("readonly", "")
    add_param(page, "+ Add parameter", "is_promoted", "boolean")
    up = page.get_by_role("button", name="Move is_promoted up")
    up.focus()
    page.keyboard.press("Enter")
    top_level = page.locator(".param-list-top > .param-list > .param-editor")
    expect(top_level.nth(1)).to_have_attribute("data-path", "is_promoted")
    expect(page.get_by_role("button", name="Move is_promoted up")).to_be_focused()
    page.get_by_role("button", name="Review and save…").click()
    expect(dialog.get_by_test_id("save-plan")).to_contain_text("Additive")
    expect(dialog.get_by_test_id("save-plan")).to_contain_text("1-0-0 → 1-0-1")
    expect(dialog.get_by_test_id("plan-meaning")).to_contain_text("nothing downstream")
    expect(dialog).to_contain_text("optional parameter 'is_promoted' (boolean) added")
    dialog.get_by_label("What changed and why (optional)").fill("track boosted cards")
    page.screenshot(path=artifacts / "events-09-additive.png")
    dialog.get_by_role("button", name="Save version 1-0-1").click()
    expect(main.get_by_test_id("version-history")).to_contain_text("track boosted cards")
    expect(main.locator(".facts")).to_contain_text("1-0-1")

    # -- a breaking change: removing a parameter needs an explicit MODEL bump --------------
    main.get_by_role("link", name="Edit event").click()
    page.get_by_role("button", name="Remove position").click()
    expect(param(page, "position")).to_have_count(0)
    page.get_by_role("button", name="Review and save…").click()
    plan = dialog.get_by_test_id("save-plan")
    expect(plan).to_contain_text("Breaking")
    expect(plan).to_contain_text("1-0-1 → 2-0-0")
    expect(dialog).to_contain_text("parameter 'position' removed")
    save = dialog.get_by_role("button", name="Save breaking version 2-0-0")
    expect(save).to_be_disabled()
    page.screenshot(path=artifacts / "events-10-breaking.png")
    dialog.get_by_label("I understand: save as the breaking version 2-0-0").check()
    save.click()
    expect(main.get_by_test_id("saved-banner")).to_contain_text("2-0-0 (breaking)")
    expect(main.locator(".facts")).to_contain_text("2-0-0")
    history = main.get_by_test_id("version-history")
    expect(history).to_contain_text("Breaking")
    expect(history).to_contain_text("pm-editor")
    assert (
        api(loam_server, tokens["viewer"], "GET", "/api/events/view_item_home")["version"]
        == "2-0-0"
    )

    # -- the diff: any two versions side by side ------------------------------------------
    main.get_by_role("link", name="Compare versions").click()
    expect(page).to_have_url(re.compile(r"/events/view_item_home/diff\?from=1-0-1&to=2-0-0$"))
    page.get_by_label("From").select_option("1-0-0")
    expect(page).to_have_url(re.compile(r"from=1-0-0&to=2-0-0"))
    summary = main.get_by_test_id("diff-summary")
    expect(summary).to_contain_text("1-0-0 → 2-0-0")
    expect(
        summary.locator(".change-breaking", has_text="parameter 'position' removed")
    ).to_be_visible()
    expect(summary.locator(".change-additive", has_text="is_promoted")).to_be_visible()
    left, right = main.get_by_test_id("diff-from"), main.get_by_test_id("diff-to")
    expect(left.locator('[data-path="position"]')).to_have_class(re.compile("mark-removed"))
    expect(right.locator('[data-path="position"]')).to_have_count(0)
    expect(right.locator('[data-path="is_promoted"]')).to_have_class(re.compile("mark-added"))
    tall_screenshot(page, artifacts / "events-11-diff.png")


def test_a_near_duplicate_is_registered_only_when_confirmed(
    page: Page, loam_server: LoamServer, tokens: dict[str, str]
) -> None:
    sign_in(page, loam_server, tokens["editor"], "/events/new")
    page.get_by_label("Event name").fill("click_itme_home")
    expect(page.get_by_test_id("near-duplicates")).to_contain_text("click_item_home")
    page.get_by_role("button", name="Review and save…").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Similar events already exist")
    register = dialog.get_by_role("button", name="Register 1-0-0")
    expect(register).to_be_disabled()
    dialog.get_by_label("It is a different event: register it anyway").check()
    expect(register).to_be_enabled()
    # Escape closes the dialog and keeps the work.
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(page.get_by_label("Event name")).to_have_value("click_itme_home")


def test_the_form_reads_and_writes_a_definition_without_losing_anything(
    page: Page, loam_server: LoamServer, tokens: dict[str, str], artifacts: Path
) -> None:
    """A hand-written event (three levels, arrays of objects, an array of arrays, enums,
    constraints, PII) opened in the builder and reviewed unchanged is not a change."""
    definition = load_fixture("click_item_home.yaml")
    definition["name"] = "impression_item_home"
    api(loam_server, tokens["editor"], "POST", "/api/events", {"definition": definition})
    sign_in(page, loam_server, tokens["editor"], "/events/impression_item_home/edit")
    expect(page.get_by_role("group", name="Elements of grid[]")).to_be_visible()
    tall_screenshot(page, artifacts / "events-14-edit-nested.png")
    deep = param(page, "item.seller.region")
    expect(deep).to_be_visible()
    page.get_by_role("button", name="Collapse all").click()
    expect(deep).to_be_hidden()
    expect(param(page, "badges").get_by_label("Name", exact=True).first).to_have_value("badges")
    page.screenshot(path=artifacts / "events-15-collapsed.png")
    page.get_by_role("button", name="Expand all").click()
    expect(deep).to_be_visible()
    page.get_by_role("button", name="Review and save…").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_test_id("save-plan")).to_contain_text("Nothing changed")
    expect(dialog.get_by_role("button", name="Nothing to save")).to_be_disabled()
    dialog.get_by_role("button", name="Close").click()

    # Someone else saves while this form is open: the save is held back, not lost or forced.
    add_param(page, "+ Add parameter", "seen_at", "timestamp")
    changed = {**definition, "description": "Changed by someone else."}
    api(
        loam_server,
        tokens["editor"],
        "PUT",
        "/api/events/impression_item_home",
        {"definition": changed, "base_version": "1-0-0"},
    )
    page.get_by_role("button", name="Review and save…").click()
    stale = dialog.get_by_test_id("stale-version")
    expect(stale).to_contain_text("You started from 1-0-0")
    expect(stale).to_contain_text("at 1-0-1 now")
    expect(dialog.get_by_role("button", name=re.compile("Save"))).to_be_disabled()


def test_a_viewer_reads_but_sees_no_edit_buttons(
    page: Page, loam_server: LoamServer, tokens: dict[str, str], artifacts: Path
) -> None:
    sign_in(page, loam_server, tokens["viewer"])
    main = page.get_by_role("main")
    expect(main.get_by_role("link", name="click_item_home")).to_be_visible()
    expect(main.get_by_role("link", name="New event")).to_have_count(0)

    main.get_by_role("link", name="click_item_home").click()
    expect(main.get_by_role("heading", level=1)).to_have_text("click_item_home")
    expect(main.get_by_role("list", name="Parameters")).to_contain_text("item_id")
    expect(main.get_by_role("link", name="Edit event")).to_have_count(0)
    tall_screenshot(page, artifacts / "events-12-viewer.png")

    # The exports are there to read, copy and download: byte for byte the registry's files.
    expect(main.get_by_test_id("export-spark")).to_contain_text('"item_id"')
    spark = export_text(loam_server, tokens["viewer"], "click_item_home", "spark")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    main.get_by_role("button", name="Copy").click()
    expect(main.get_by_text("Copied to the clipboard.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == spark
    main.get_by_role("tab", name="JSON Schema").click()
    expect(main.get_by_test_id("export-jsonschema")).to_contain_text("2020-12")
    with page.expect_download() as download:
        main.get_by_role("button", name="Download").click()
    assert download.value.suggested_filename == "click_item_home-1-0-0-jsonschema.json"
    saved = Path(download.value.path()).read_text()
    assert saved == export_text(loam_server, tokens["viewer"], "click_item_home", "jsonschema")
    # Arrow keys move between the tabs, as in any tab list.
    main.get_by_role("tab", name="JSON Schema").focus()
    page.keyboard.press("ArrowLeft")
    expect(main.get_by_role("tab", name="BigQuery")).to_be_focused()
    expect(main.get_by_test_id("export-bigquery")).to_contain_text('"REQUIRED"')

    # Typing the edit address directly explains instead of showing a form.
    page.goto(loam_server.url + "/events/click_item_home/edit")
    expect(main).to_contain_text("Editing needs the editor role")
    expect(page.get_by_label("Event name")).to_have_count(0)


def test_errors_are_shown_not_swallowed(
    page: Page, loam_server: LoamServer, tokens: dict[str, str], artifacts: Path
) -> None:
    sign_in(page, loam_server, tokens["viewer"], "/events/no_such_event")
    panel = page.get_by_test_id("error-panel")
    expect(panel).to_contain_text("Cannot show no_such_event")
    expect(panel).to_contain_text("event_not_found")
    page.screenshot(path=artifacts / "events-13-not-found.png")
