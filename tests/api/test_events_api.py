"""The registry over HTTP: roles, the one error shape, and what the web UI needs."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from tests.api.conftest import bearer
from tests.events.conftest import FIXTURES, load_fixture


def assert_error(res: Any, status: int, code: str) -> dict[str, Any]:
    assert res.status_code == status, res.text
    body = res.json()
    assert set(body) == {"error"}
    err = body["error"]
    assert set(err) == {"code", "message", "status", "details"}
    assert err["status"] == status and err["code"] == code
    assert isinstance(err["message"], str) and err["message"]
    assert isinstance(err["details"], list)
    return err


@pytest.fixture
def editor(tokens: dict[str, str]) -> dict[str, str]:
    return bearer(tokens["editor"])


@pytest.fixture
def viewer(tokens: dict[str, str]) -> dict[str, str]:
    return bearer(tokens["viewer"])


@pytest.fixture
def created(client: TestClient, editor: dict[str, str]) -> dict[str, Any]:
    res = client.post(
        "/api/events",
        json={"definition": load_fixture("click_item_home.yaml"), "message": "first"},
        headers=editor,
    )
    assert res.status_code == 201, res.text
    body: dict[str, Any] = res.json()
    return body


def test_create_returns_the_first_version(created: dict[str, Any]) -> None:
    assert created["version"] == "1-0-0" and created["created"] is True
    assert created["author"] == "test-editor"
    assert created["definition"]["params"][0]["name"] == "item"


def test_writes_need_the_editor_role(client: TestClient, viewer: dict[str, str]) -> None:
    res = client.post(
        "/api/events", json={"definition": {"name": "view_item_home"}}, headers=viewer
    )
    err = assert_error(res, 403, "forbidden")
    assert "needs the editor role" in err["message"]
    assert_error(client.post("/api/events", json={"definition": {}}), 401, "unauthenticated")


def test_viewer_reads(client: TestClient, created: dict[str, Any], viewer: dict[str, str]) -> None:
    body = client.get("/api/events/click_item_home", headers=viewer).json()
    assert body["version"] == "1-0-0"
    assert body["versions"] == [
        {
            "version": "1-0-0",
            "classification": "additive",
            "author": "test-editor",
            "message": "first",
            "created_at": body["versions"][0]["created_at"],
        }
    ]


def test_bad_names_answer_the_part_and_a_suggestion(
    client: TestClient, editor: dict[str, str]
) -> None:
    res = client.post(
        "/api/events", json={"definition": {"name": "item_click_home"}}, headers=editor
    )
    err = assert_error(res, 422, "invalid_event_name")
    assert err["details"][0]["part"] == "order"
    assert err["details"][0]["suggestion"] == "click_item_home"


def test_malformed_bodies_get_the_error_shape(client: TestClient, editor: dict[str, str]) -> None:
    assert_error(client.post("/api/events", json={"nope": 1}, headers=editor), 422, "invalid_input")
    res = client.post(
        "/api/events", content=b"{not json", headers={**editor, "content-type": "application/json"}
    )
    assert_error(res, 422, "invalid_input")
    bad_param = {"name": "view_item_home", "params": [{"name": "x", "type": "decimal"}]}
    err = assert_error(
        client.post("/api/events", json={"definition": bad_param}, headers=editor),
        422,
        "invalid_definition",
    )
    assert err["details"][0]["where"] == "params.x.type"
    unknown_key = {
        "name": "view_item_home",
        "params": [{"name": "x", "type": "string", "requird": True}],
    }
    err = assert_error(
        client.post("/api/events", json={"definition": unknown_key}, headers=editor),
        422,
        "invalid_definition",
    )
    assert err["details"][0] == {"where": "params.x.requird", "problem": "unknown key"}


def test_near_duplicates_are_refused_naming_the_event(
    client: TestClient, created: dict[str, Any], editor: dict[str, str]
) -> None:
    data = load_fixture("click_item_home.yaml") | {"name": "click_items_home"}
    err = assert_error(
        client.post("/api/events", json={"definition": data}, headers=editor),
        409,
        "duplicate_event",
    )
    assert err["details"][0]["existing"] == "click_item_home"
    res = client.post(
        "/api/events", json={"definition": data, "allow_similar": True}, headers=editor
    )
    assert res.status_code == 201


def test_edit_additive_then_breaking(
    client: TestClient, created: dict[str, Any], editor: dict[str, str]
) -> None:
    data = load_fixture("click_item_home.yaml")
    data["params"].append({"name": "ref", "type": "string"})
    res = client.put(
        "/api/events/click_item_home",
        json={"definition": data, "base_version": "1-0-0"},
        headers=editor,
    )
    assert res.json()["version"] == "1-0-1" and res.json()["classification"] == "additive"
    data["params"][1]["type"] = "float"
    err = assert_error(
        client.put("/api/events/click_item_home", json={"definition": data}, headers=editor),
        409,
        "breaking_change",
    )
    assert "position" in err["message"] and err["details"][0]["suggestion"] == "model"
    res = client.put(
        "/api/events/click_item_home", json={"definition": data, "bump": "model"}, headers=editor
    )
    assert res.json()["version"] == "2-0-0"
    stale = client.put(
        "/api/events/click_item_home",
        json={"definition": data, "base_version": "1-0-1"},
        headers=editor,
    )
    assert_error(stale, 409, "stale_version")


def test_edit_cannot_rename_or_create(
    client: TestClient, created: dict[str, Any], editor: dict[str, str]
) -> None:
    data = load_fixture("click_item_home.yaml") | {"name": "view_item_home"}
    assert_error(
        client.put("/api/events/click_item_home", json={"definition": data}, headers=editor),
        422,
        "invalid_definition",
    )
    assert_error(
        client.put("/api/events/view_item_home", json={"definition": data}, headers=editor),
        404,
        "event_not_found",
    )


def test_diff_between_versions(
    client: TestClient, created: dict[str, Any], editor: dict[str, str]
) -> None:
    data = load_fixture("click_item_home.yaml")
    data["params"] = [p for p in data["params"] if p["name"] != "grid"]
    client.put(
        "/api/events/click_item_home", json={"definition": data, "bump": "model"}, headers=editor
    )
    body = client.get("/api/events/click_item_home/diff?from=1-0-0&to=2-0-0", headers=editor).json()
    assert body["classification"] == "breaking"
    assert body["changes"][0]["kind"] == "param_removed"
    assert body["changes"][0]["path"] == "params.grid"
    assert "parameter 'grid' removed (breaking)" in body["text"]
    missing = client.get("/api/events/click_item_home/diff?from=7-0-0", headers=editor)
    assert "has no version 7-0-0" in assert_error(missing, 404, "event_not_found")["message"]
    assert_error(
        client.get("/api/events/click_item_home/diff", headers=editor), 422, "invalid_input"
    )


@pytest.mark.parametrize(
    ("fmt", "media"),
    [
        ("spark", "application/json"),
        ("bigquery", "application/json"),
        ("jsonschema", "application/schema+json"),
        ("yaml", "application/yaml"),
    ],
)
def test_exports(
    client: TestClient, created: dict[str, Any], viewer: dict[str, str], fmt: str, media: str
) -> None:
    res = client.get(f"/api/events/click_item_home/export/{fmt}?download=1", headers=viewer)
    assert res.status_code == 200 and res.headers["content-type"].startswith(media)
    assert "attachment" in res.headers["content-disposition"]
    golden = {
        "spark": "click_item_home.spark.json",
        "bigquery": "click_item_home.bigquery.json",
        "jsonschema": "click_item_home.jsonschema.json",
    }
    if fmt in golden:
        assert json.loads(res.text) == json.loads((FIXTURES / golden[fmt]).read_text())
    else:
        assert yaml.safe_load(res.text) == load_fixture("click_item_home.yaml")
    assert_error(
        client.get("/api/events/click_item_home/export/avro", headers=viewer), 422, "invalid_input"
    )


def test_live_preview_of_an_unsaved_definition(client: TestClient, viewer: dict[str, str]) -> None:
    res = client.post(
        "/api/events/preview/spark",
        json={
            "definition": {"name": "view_item_home", "params": [{"name": "n", "type": "integer"}]}
        },
        headers=viewer,
    )
    assert (
        res.text == '{"fields":[{"metadata":{},"name":"n","nullable":true,"type":"long"}],'
        '"type":"struct"}'
    )


def test_validate_as_you_type(
    client: TestClient, created: dict[str, Any], viewer: dict[str, str]
) -> None:
    body = client.get("/api/events/validate/name?name=click_itme_home", headers=viewer).json()
    assert body["valid"] is True  # the grammar is fine (objects are open) ...
    assert body["near_duplicates"][0]["existing"] == "click_item_home"  # ... but it is taken
    body = client.post(
        "/api/events/validate/name", json={"name": "clik_item_home"}, headers=viewer
    ).json()
    assert body["problems"][0]["part"] == "action" and body["suggestion"] == "click_item_home"
    edited = load_fixture("click_item_home.yaml")
    edited["params"].pop()
    body = client.post("/api/events/validate", json={"definition": edited}, headers=viewer).json()
    assert body["valid"] is True and body["name"]["near_duplicates"] == []
    assert body["plan"]["classification"] == "breaking" and body["plan"]["version"] is None
    assert body["plan"]["needs_model_bump"] is True
    body = client.post(
        "/api/events/validate", json={"definition": edited, "bump": "model"}, headers=viewer
    ).json()
    assert body["plan"]["version"] == "2-0-0"
    body = client.post(
        "/api/events/validate",
        json={
            "definition": {
                "name": "view_item_home",
                "params": [{"name": "user_id", "type": "string"}],
            }
        },
        headers=viewer,
    ).json()
    assert body["valid"] is False and "shadows the envelope" in body["problems"][0]["problem"]
    body = client.post(
        "/api/events/validate", json={"definition": {"name": 3}}, headers=viewer
    ).json()
    assert body["valid"] is False and body["problems"][0]["where"] == "name"


def test_search_filters_params_and_facets(
    client: TestClient, created: dict[str, Any], editor: dict[str, str]
) -> None:
    other = copy.deepcopy(load_fixture("click_item_home.yaml"))
    other.update(
        name="search_keyword_search",
        owner="search",
        service="search",
        tags=["serp"],
        description="The user submits a keyword",
    )
    client.post("/api/events", json={"definition": other}, headers=editor)
    found = client.get("/api/events?q=keyw", headers=editor).json()
    assert [e["name"] for e in found["events"]] == ["search_keyword_search"]
    assert found["events"][0]["owner"] == "search"
    found = client.get("/api/events?team=marketplace", headers=editor).json()
    assert [e["name"] for e in found["events"]] == ["click_item_home"]
    uses = client.get("/api/events/parameters/region_code", headers=editor).json()
    assert uses["events"]["click_item_home"] == ["item.seller.region.region_code"]
    facets = client.get("/api/events/facets", headers=editor).json()
    assert facets["teams"] == {"marketplace": 1, "search": 1}
    assert facets["tags"]["serp"] == 1
    assert_error(client.get("/api/events?limit=0", headers=editor), 422, "invalid_input")


def test_history_says_who_when_what(
    client: TestClient, created: dict[str, Any], editor: dict[str, str]
) -> None:
    entries = client.get("/api/events/click_item_home/history", headers=editor).json()
    assert entries[0]["actor"] == "test-editor" and entries[0]["action"] == "events.create"
    assert entries[0]["detail"] == {"version": "1-0-0", "message": "first"} and entries[0]["at"]


def test_import_spark_and_jsonschema(client: TestClient, editor: dict[str, str]) -> None:
    spark = (FIXTURES / "click_item_home.spark.json").read_text()
    res = client.post(
        "/api/events/import",
        json={
            "content": spark,
            "format": "spark",
            "name": "click_item_home",
            "owner": "marketplace",
        },
        headers=editor,
    )
    assert res.status_code == 200, res.text
    assert res.json()["definition"]["params"] == load_fixture("click_item_home.yaml")["params"]
    schema = json.loads((FIXTURES / "click_item_home.jsonschema.json").read_text())
    res = client.post("/api/events/import", json={"content": schema}, headers=editor)
    body = res.json()
    assert body["version"] == "1-0-1" and body["classification"] == "metadata"  # tags, tier, …
    res = client.post(
        "/api/events/import", json={"content": spark, "format": "spark"}, headers=editor
    )
    assert "give one" in assert_error(res, 422, "import_failed")["message"]
    res = client.post("/api/events/import", json={"content": "{oops"}, headers=editor)
    assert "not valid JSON" in assert_error(res, 422, "import_failed")["message"]


def test_sync_without_git_configured(client: TestClient, editor: dict[str, str]) -> None:
    err = assert_error(
        client.post("/api/events/sync", json={}, headers=editor), 409, "git_not_configured"
    )
    assert "[events.git] path" in err["message"]


def test_grammar_for_the_ui(client: TestClient, viewer: dict[str, str]) -> None:
    body = client.get("/api/events/grammar", headers=viewer).json()
    assert body["pattern"] == ["action", "object", "service"]
    assert "click" in body["actions"] and "user_id" in body["envelope_fields"]


def test_unknown_event(client: TestClient, viewer: dict[str, str]) -> None:
    err = assert_error(
        client.get("/api/events/nope_nope_nope", headers=viewer), 404, "event_not_found"
    )
    assert "no event named 'nope_nope_nope'" in err["message"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("put", "/api/events/click_item_home", {"definition": {"name": "click_item_home"}}),
        ("post", "/api/events/import", {"content": "{}"}),
        ("post", "/api/events/sync", {}),
    ],
)
def test_every_write_needs_an_editor(
    client: TestClient,
    created: dict[str, Any],
    viewer: dict[str, str],
    method: str,
    path: str,
    body: dict[str, Any],
) -> None:
    res = client.request(method.upper(), path, json=body, headers=viewer)
    assert "needs the editor role" in assert_error(res, 403, "forbidden")["message"]
    assert client.get("/api/events/click_item_home", headers=viewer).json()["version"] == "1-0-0"
