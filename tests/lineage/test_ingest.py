"""Ingestion of every source into the store: incremental BigQuery JOBS runs with
watermarks, dbt owners and tags, warehouse columns as nodes, and event schemas so
that lineage starts at event parameters."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from loam.lineage import ColumnRef, LineageInputError, QueryLogError
from loam.lineage.ingest import IngestOptions, ingest
from loam.lineage.runs import RunLog
from loam.lineage.service import LineageService
from loam.lineage.store import LineageStore
from loam.workspace import Workspace
from tests.lineage.test_sources import JOBS, MANIFEST


def _jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def test_bigquery_jobs_ingestion_is_incremental(store: LineageStore, tmp_path: Path) -> None:
    first = ingest(store, "bigquery-jobs", _jsonl(tmp_path / "jobs1.jsonl", JOBS[:5]))
    assert first.since is None
    assert first.skipped == {"failed": 1, "script parent": 1, "information_schema": 1}
    assert first.duplicates == 1 and first.edges > 0
    assert first.watermark is not None and first.watermark.isoformat().startswith("2024-03-02T13")

    # The next export overlaps the first: only jobs after the watermark are read.
    second = ingest(store, "bigquery-jobs", _jsonl(tmp_path / "jobs2.jsonl", JOBS))
    assert second.since == first.watermark
    assert second.skipped["older than since"] == 5
    assert second.kept == 1  # j6; j7 is still running
    assert second.watermark is not None and second.watermark > first.watermark
    graph = store.graph()
    assert graph.upstream(ColumnRef("acme.mart.contacts", "contact")) == {
        ColumnRef("acme.mart.users", "email"): 1,
        ColumnRef("acme.raw.users", "email"): 2,
    }
    runs = RunLog(store.catalog).list()
    assert [r.status for r in runs] == ["ok", "ok"]
    assert runs[0].watermark == second.watermark

    # --full reads everything again; nothing is duplicated in the store.
    edges = store.counts()["edges"]
    again = ingest(
        store, "bigquery-jobs", tmp_path / "jobs2.jsonl", options=IngestOptions(full=True)
    )
    assert again.since is None and again.kept == 2
    assert store.counts()["edges"] == edges


def test_a_failed_run_is_recorded_and_does_not_move_the_watermark(
    store: LineageStore, tmp_path: Path
) -> None:
    ingest(store, "bigquery-jobs", _jsonl(tmp_path / "jobs.jsonl", JOBS[:2]))
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"job_id": "x", "query": "SELECT 1"}\nnot json\n')
    with pytest.raises(QueryLogError, match=r"bad.jsonl:2: not valid JSON"):
        ingest(store, "bigquery-jobs", bad)
    runs = RunLog(store.catalog).list()
    assert runs[0].status == "failed" and "not valid JSON" in (runs[0].message or "")
    assert RunLog(store.catalog).last_watermark("bigquery-jobs") == runs[1].watermark


def test_unknown_source_and_missing_path_are_clear(store: LineageStore) -> None:
    with pytest.raises(LineageInputError, match="unknown source kind 'kafka'"):
        ingest(store, "kafka")
    with pytest.raises(LineageInputError, match="query-log needs the path"):
        ingest(store, "query-log")


def test_dbt_manifest_brings_owners_tags_and_model_edges(
    store: LineageStore, tmp_path: Path
) -> None:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(MANIFEST))
    report = ingest(store, "dbt-manifest", path)
    assert report.owners == 2 and report.tags == 1 and report.edges > 0
    assert store.owners()["ANALYTICS.STG.STG_USERS"] == "growth-team"
    service = LineageService(store)
    tagged = {row["id"] for row in service.tagged("pii")}
    # The manifest documents `email`; Snowflake folds it to EMAIL, as the SQL does.
    assert tagged == {"RAW.SHOP.USERS.EMAIL", "ANALYTICS.STG.STG_USERS.EMAIL"}
    impact = service.impact(service.resolve("raw.shop.users.email"))
    assert impact["owners"] == [{"owner": "growth-team", "tables": ["ANALYTICS.STG.STG_USERS"]}]


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    ws = Workspace.open(tmp_path / "ws", create=True, environ={})
    yield ws
    ws.close()


def test_warehouse_tables_become_nodes_and_expand_select_star(workspace: Workspace) -> None:
    workspace.warehouse.execute(
        "CREATE TABLE orders (id INTEGER, buyer STRUCT(email VARCHAR, country VARCHAR), total DOUBLE)"
    )
    store = LineageStore(workspace.catalog)
    report = ingest(
        store, "warehouse", workspace=workspace, options=IngestOptions(dataset="shop.raw")
    )
    assert report.read == 1 and report.columns == 5
    assert [c for c, _ in store.columns_of("shop.raw.orders")] == [
        "id",
        "buyer",
        "buyer.email",
        "buyer.country",
        "total",
    ]
    log = Path(workspace.path) / "log.jsonl"
    _jsonl(
        log,
        [
            {
                "id": "q1",
                "sql": "CREATE TABLE shop.mart.orders AS SELECT * FROM shop.raw.orders",
                "dialect": "bigquery",
            }
        ],
    )
    ingest(store, "query-log", log)
    # SELECT * was expanded from the warehouse's columns.
    assert store.graph().downstream(ColumnRef("shop.raw.orders", "total")) == {
        ColumnRef("shop.mart.orders", "total"): 1
    }
    focus = LineageService(store).resolve("shop.raw.orders")
    assert focus.column is None


EVENTS = {
    "events": [
        {
            "name": "order_completed",
            "owner": "checkout-team",
            "params": [
                {"name": "order_id", "type": "string", "required": True},
                {
                    "name": "buyer",
                    "type": "object",
                    "params": [
                        {"name": "email", "type": "string", "pii": True},
                        {"name": "country", "type": "string"},
                    ],
                },
                {
                    "name": "items",
                    "type": "array",
                    "items": {
                        "type": "object",
                        "params": [
                            {"name": "sku", "type": "string"},
                            {"name": "price", "type": "float"},
                        ],
                    },
                },
            ],
        }
    ]
}


def test_event_schemas_start_lineage_at_event_parameters(
    workspace: Workspace, tmp_path: Path
) -> None:
    store = LineageStore(workspace.catalog)
    definitions = tmp_path / "events.json"
    definitions.write_text(json.dumps(EVENTS))
    report = ingest(store, "events", definitions, options=IngestOptions(dataset="acme.analytics"))
    assert report.read == 1 and report.owners == 1
    table = "acme.analytics.order_completed"
    columns = {c for c, _ in store.columns_of(table)}
    assert {"order_id", "buyer", "buyer.email", "items.sku", "items.price", "event_id"} <= columns
    assert store.owners()[table] == "checkout-team"

    log = tmp_path / "log.jsonl"
    _jsonl(
        log,
        [
            {
                "id": "etl-1",
                "dialect": "bigquery",
                "default_db": "acme",
                "sql": "CREATE TABLE mart.buyers AS SELECT o.buyer.email AS email, i.price "
                "FROM analytics.order_completed AS o, UNNEST(o.items) AS i",
            }
        ],
    )
    ingest(store, "query-log", log)
    service = LineageService(store)
    up = service.walk(service.resolve("acme.mart.buyers.email"), upstream=True)
    assert [c["id"] for c in up["columns"]] == [
        f"{table}.buyer.email",
        "event:order_completed.buyer.email",
    ]
    assert "event:order_completed.items.price" in {
        c["id"] for c in service.walk(service.resolve("acme.mart.buyers.price"), True)["columns"]
    }
    # The PII flag of the parameter travels to the mart.
    pii = {row["id"] for row in service.tagged("pii")}
    assert "acme.mart.buyers.email" in pii and "acme.mart.buyers.price" not in pii


def test_events_from_the_event_center_registry(workspace: Workspace) -> None:
    """The registry's current versions, as the collection pipeline will load them."""
    import loam.events
    from tests.events.conftest import load_fixture

    loam.events.registry(workspace).save(load_fixture("click_item_home.yaml"), author="ana")
    store = LineageStore(workspace.catalog)
    report = ingest(store, "events", workspace=workspace, options=IngestOptions(dataset="app"))
    assert report.read == 1 and report.owners == 1
    columns = {c for c, _ in store.columns_of("app.click_item_home")}
    # Nested objects are STRUCT paths, arrays of objects read through UNNEST; the
    # envelope is the Event Center's own.
    assert {
        "item.item_id",
        "item.seller.seller_id",
        "item.seller.region.region_code",
        "badges.kind",
        "position",
        "event_timestamp",
    } <= columns
    assert set(loam.events.ENVELOPE_FIELDS) <= columns
    assert store.owners()["app.click_item_home"] == "marketplace"
    pii = {row["id"] for row in LineageService(store).tagged("pii")}
    assert pii == {
        "app.click_item_home.item.seller.seller_id",
        "event:click_item_home.item.seller.seller_id",
    }

    log = workspace.path / "log.jsonl"
    _jsonl(
        log,
        [
            {
                "id": "feed-sellers",
                "dialect": "bigquery",
                "sql": "CREATE TABLE mart.feed_sellers AS SELECT item.seller.seller_id AS seller, "
                "COUNT(*) AS taps FROM app.click_item_home GROUP BY 1",
            }
        ],
    )
    ingest(store, "query-log", log)
    service = LineageService(store)
    impact = service.impact(service.resolve("event:click_item_home.item.seller.seller_id"))
    assert "mart.feed_sellers.seller" in {c["id"] for c in impact["columns"]}
    assert "mart.feed_sellers.seller" in {row["id"] for row in service.tagged("pii")}
