"""``/api/lineage/…`` through the real app: roles, answers a UI can draw, and one error
shape for bad input."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import bearer

LOG = "\n".join(
    json.dumps(row)
    for row in [
        {
            "id": "stg",
            "user": "etl@shop.io",
            "timestamp": "2024-06-01T02:00:00Z",
            "default_db": "shop",
            "sql": "CREATE TABLE stg.buyers AS SELECT b.id, LOWER(b.email) AS email, c.name AS "
            "country FROM raw.buyers b JOIN raw.countries c ON b.country_id = c.id",
        },
        {
            "id": "mart",
            "user": "bi@shop.io",
            "timestamp": "2024-06-02T02:00:00Z",
            "default_db": "shop",
            "sql": "CREATE TABLE mart.countries AS SELECT country, COUNT(DISTINCT email) AS "
            "buyers FROM stg.buyers GROUP BY country",
        },
    ]
)


def error_of(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()["error"]
    assert body["code"] == code and body["status"] == status and body["message"]
    return body


@pytest.fixture
def loaded(client: TestClient, tokens: dict[str, str]) -> TestClient:
    done = client.post(
        "/api/lineage/ingest",
        json={"source": "query-log", "content": LOG},
        headers=bearer(tokens["editor"]),
    )
    assert done.status_code == 200, done.text
    assert done.json()["edges"] > 0
    owner = client.put(
        "/api/lineage/owners",
        json={"table": "mart.countries", "owner": "bi@shop.io"},
        headers=bearer(tokens["editor"]),
    )
    assert owner.json() == {"table": "shop.mart.countries", "owner": "bi@shop.io"}
    return client


def test_writes_need_an_editor(client: TestClient, tokens: dict[str, str]) -> None:
    body = {"source": "query-log", "content": LOG}
    error_of(client.post("/api/lineage/ingest", json=body), 401, "unauthenticated")
    error_of(
        client.post("/api/lineage/ingest", json=body, headers=bearer(tokens["viewer"])),
        403,
        "forbidden",
    )


def test_graph_around_a_column_groups_columns_by_table(
    loaded: TestClient,
    tokens: dict[str, str],
) -> None:
    graph = loaded.get(
        "/api/lineage/graph",
        params={"name": "shop.stg.buyers", "column": "email", "depth": 1},
        headers=bearer(tokens["viewer"]),
    ).json()
    assert graph["focus"] == {"table": "shop.stg.buyers", "column": "email"}
    assert {t["name"]: t["side"] for t in graph["tables"]} == {
        "shop.raw.buyers": "upstream",
        "shop.raw.countries": "upstream",  # its id is a join key
        "shop.stg.buyers": "focus",
        "shop.mart.countries": "downstream",
    }
    kinds = {(e["source"], e["target"]): e["kind"] for e in graph["edges"]}
    assert kinds[("shop.raw.buyers.email", "shop.stg.buyers.email")] == "DIRECT"
    assert kinds[("shop.stg.buyers.email", "shop.mart.countries.buyers")] == "DIRECT"
    # The join keys only influence the email: INDIRECT edges.
    assert kinds[("shop.raw.buyers.country_id", "shop.stg.buyers.email")] == "INDIRECT"
    node_ids = {n["id"] for n in graph["nodes"]}
    assert all(e["source"] in node_ids and e["target"] in node_ids for e in graph["edges"])
    owners = {t["name"]: t["owner"] for t in graph["tables"]}
    assert owners["shop.mart.countries"] == "bi@shop.io"

    upstream_only = loaded.get(
        "/api/lineage/graph",
        params={"name": "shop.stg.buyers.email", "direction": "upstream"},
        headers=bearer(tokens["viewer"]),
    ).json()
    assert {t["side"] for t in upstream_only["tables"]} == {"upstream", "focus"}


def test_impact_upstream_downstream_and_search(
    loaded: TestClient,
    tokens: dict[str, str],
) -> None:
    h = bearer(tokens["viewer"])
    impact = loaded.get("/api/lineage/impact", params={"name": "raw.buyers.email"}, headers=h)
    data = impact.json()
    assert [c["id"] for c in data["columns"]] == [
        "shop.stg.buyers.email",
        "shop.mart.countries.buyers",
    ]
    assert {"owner": "bi@shop.io", "tables": ["shop.mart.countries"]} in data["owners"]
    assert {t["name"]: t["written_by"] for t in data["tables"]} == {
        "shop.stg.buyers": ["etl@shop.io"],
        "shop.mart.countries": ["bi@shop.io"],
    }
    assert sorted(q["query_id"] for q in data["queries"]) == ["mart", "stg"]

    up = loaded.get(
        "/api/lineage/upstream",
        params={"name": "mart.countries.country", "direct_only": True},
        headers=h,
    ).json()
    assert [c["id"] for c in up["columns"]] == [
        "shop.stg.buyers.country",
        "shop.raw.countries.name",
    ]
    down = loaded.get(
        "/api/lineage/downstream", params={"name": "raw.countries", "depth": 1}, headers=h
    ).json()
    assert "shop.stg.buyers.country" in {c["id"] for c in down["columns"]}

    summary = loaded.get("/api/lineage", headers=h).json()
    assert summary["counts"]["queries"] == 2
    assert {t["table"] for t in summary["busiest_tables"]} == {
        "shop.stg.buyers",
        "shop.mart.countries",
    }
    hits = loaded.get("/api/lineage/search", params={"q": "countr"}, headers=h).json()["results"]
    assert hits[0] == {
        "id": "shop.mart.countries",
        "table": "shop.mart.countries",
        "column": None,
        "kind": "table",
        "owner": "bi@shop.io",
    }
    assert "shop.stg.buyers.country" in {h["id"] for h in hits}


def test_tags_are_set_by_editors_and_followed_downstream(
    loaded: TestClient,
    tokens: dict[str, str],
) -> None:
    body = {"name": "raw.buyers.email", "tag": "PII"}
    error_of(
        loaded.put("/api/lineage/tags", json=body, headers=bearer(tokens["viewer"])),
        403,
        "forbidden",
    )
    done = loaded.put("/api/lineage/tags", json=body, headers=bearer(tokens["editor"])).json()
    assert done["column"] == "shop.raw.buyers.email" and done["added"] is True
    assert done["reaches"] == [
        "shop.mart.countries.buyers",
        "shop.raw.buyers.email",
        "shop.stg.buyers.email",
    ]
    listed = loaded.get(
        "/api/lineage/tags", params={"tag": "pii"}, headers=bearer(tokens["viewer"])
    ).json()["columns"]
    assert {c["id"] for c in listed} == set(done["reaches"])
    graph = loaded.get(
        "/api/lineage/graph",
        params={"name": "shop.mart.countries.buyers"},
        headers=bearer(tokens["viewer"]),
    ).json()
    assert {n["id"] for n in graph["nodes"] if n["pii"]} == set(done["reaches"])


def test_extract_answers_edges_without_storing(
    client: TestClient,
    tokens: dict[str, str],
) -> None:
    done = client.post(
        "/api/lineage/extract",
        json={"sql": "SELECT * FROM t", "schema": {"t": ["a", "b"]}},
        headers=bearer(tokens["viewer"]),
    ).json()
    assert {e["downstream"]["column"] for e in done["edges"]} == {"a", "b"}
    counts = client.get("/api/lineage", headers=bearer(tokens["viewer"])).json()["counts"]
    assert counts["edges"] == 0


def test_bad_input_answers_one_error_shape(
    loaded: TestClient,
    tokens: dict[str, str],
) -> None:
    h = bearer(tokens["viewer"])
    unknown = error_of(
        loaded.get("/api/lineage/impact", params={"name": "shop.raw.buyers.phone"}, headers=h),
        404,
        "lineage_not_found",
    )
    assert "column 'phone' is not in table shop.raw.buyers" in unknown["message"]
    assert "email" in unknown["details"][0]["columns"]
    nothing = error_of(
        loaded.get("/api/lineage/graph", params={"name": "nowhere.at_all"}, headers=h),
        404,
        "lineage_not_found",
    )
    assert "nowhere.at_all" in nothing["message"]
    depth = error_of(
        loaded.get("/api/lineage/graph", params={"name": "raw.buyers", "depth": 0}, headers=h),
        422,
        "invalid_input",
    )
    assert depth["details"][0]["where"] == "query.depth"
    error_of(
        loaded.get("/api/lineage/upstream", params={"name": "raw.buyers", "depth": "x"}, headers=h),
        422,
        "invalid_input",
    )
    sql = error_of(
        loaded.post("/api/lineage/extract", json={"sql": "SELEC FROM ((("}, headers=h),
        422,
        "lineage_invalid_input",
    )
    assert sql["message"].startswith("the SQL could not be parsed")
    assert sql["details"][0]["statement"] == 1
    ambiguous = error_of(
        loaded.get("/api/lineage/impact", params={"name": "buyers.email"}, headers=h),
        422,
        "lineage_invalid_input",
    )
    assert "'buyers' matches several tables" in ambiguous["message"]
    assert ambiguous["details"][0]["candidates"] == ["shop.raw.buyers", "shop.stg.buyers"]
    editor = bearer(tokens["editor"])
    empty = error_of(
        loaded.post("/api/lineage/ingest", json={"source": "bigquery-jobs"}, headers=editor),
        422,
        "lineage_invalid_input",
    )
    assert "needs `content`" in empty["message"]
    broken = error_of(
        loaded.post(
            "/api/lineage/ingest",
            json={"source": "query-log", "content": '{"sql": "SELECT 1"}\n{oops'},
            headers=editor,
        ),
        422,
        "query_log_error",
    )
    assert ":2: not valid JSON" in broken["message"]
    error_of(
        loaded.put("/api/lineage/tags", json={"name": "raw.buyers", "tag": "pii"}, headers=editor),
        422,
        "lineage_invalid_input",
    )
