"""The in-memory lineage graph: walking, impact analysis, PII propagation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loam.lineage import ColumnRef, LineageGraph, LineageNotFound, extract
from loam.lineage.sources import lineage_of, read_query_log

PIPELINE = [
    "CREATE TABLE stg.users AS SELECT id, LOWER(email) AS email, country FROM raw.users",
    "CREATE TABLE stg.orders AS SELECT id, user_id, amount FROM raw.orders WHERE status = 'paid'",
    """CREATE TABLE mart.revenue AS
       SELECT u.country, SUM(o.amount) AS revenue
       FROM stg.orders AS o JOIN stg.users AS u ON u.id = o.user_id
       GROUP BY u.country""",
    "CREATE VIEW mart.mailing AS SELECT email, country FROM stg.users",
    "CREATE TABLE mart.domains AS SELECT SPLIT(email, '@')[1] AS domain FROM mart.mailing",
]


@pytest.fixture
def graph() -> LineageGraph:
    return LineageGraph.from_results([extract(sql) for sql in PIPELINE])


def test_downstream_to_any_depth(graph: LineageGraph) -> None:
    reached = graph.downstream(ColumnRef("raw.users", "email"))
    assert reached == {
        ColumnRef("stg.users", "email"): 1,
        ColumnRef("mart.mailing", "email"): 2,
        ColumnRef("mart.domains", "domain"): 3,
    }
    assert graph.downstream(ColumnRef("raw.users", "email"), depth=1) == {
        ColumnRef("stg.users", "email"): 1
    }


def test_upstream_includes_influences_unless_direct_only(graph: LineageGraph) -> None:
    revenue = ColumnRef("mart.revenue", "revenue")
    everything = graph.upstream(revenue)
    assert ColumnRef("raw.orders", "amount") in everything
    assert ColumnRef("raw.orders", "status") in everything  # filtered on upstream
    assert ColumnRef("raw.users", "id") in everything  # joined on
    assert set(graph.upstream(revenue, direct_only=True)) == {
        ColumnRef("stg.orders", "amount"),
        ColumnRef("raw.orders", "amount"),
    }


def test_table_level_walks(graph: LineageGraph) -> None:
    assert graph.downstream_tables("raw.users") == {
        "stg.users": 1,
        "mart.revenue": 2,
        "mart.mailing": 2,
        "mart.domains": 3,
    }
    assert graph.upstream_tables("mart.revenue") == {
        "stg.orders": 1,
        "stg.users": 1,
        "raw.orders": 2,
        "raw.users": 2,
    }


def test_impact_of_dropping_a_join_key(graph: LineageGraph) -> None:
    owners = {"mart.revenue": "finance", "stg.orders": "data-eng"}
    impact = graph.impact(ColumnRef("raw.orders", "user_id"), owners=owners)
    assert {c.column for c in impact.columns} == {
        ColumnRef("stg.orders", "user_id"),
        ColumnRef("mart.revenue", "country"),
        ColumnRef("mart.revenue", "revenue"),
    }
    by_column = {c.column: c for c in impact.columns}
    assert by_column[ColumnRef("stg.orders", "user_id")].direct
    assert not by_column[ColumnRef("mart.revenue", "revenue")].direct  # only joined on
    assert impact.tables == ("stg.orders", "mart.revenue")
    assert impact.owners == {"stg.orders": "data-eng", "mart.revenue": "finance"}
    assert impact.queries == ("q1", "q2")


def test_impact_of_unknown_column(graph: LineageGraph) -> None:
    with pytest.raises(LineageNotFound, match=r"raw\.users\.nope"):
        graph.impact(ColumnRef("raw.users", "nope"))


def test_pii_follows_direct_edges_only(graph: LineageGraph) -> None:
    tags = graph.propagate_tags({ColumnRef("raw.users", "email"): {"pii"}})
    tagged = {ref for ref, names in tags.items() if "pii" in names}
    assert tagged == {
        ColumnRef("raw.users", "email"),
        ColumnRef("stg.users", "email"),
        ColumnRef("mart.mailing", "email"),
        ColumnRef("mart.domains", "domain"),
    }
    # country is grouped on next to revenue; revenue is not personal data
    country = graph.propagate_tags({ColumnRef("raw.users", "country"): {"geo"}})
    assert ColumnRef("mart.revenue", "revenue") not in country
    assert ColumnRef("mart.revenue", "country") in country


def test_select_star_without_schema_carries_every_column() -> None:
    graph = LineageGraph.from_results([extract("INSERT INTO backup.users SELECT * FROM raw.users")])
    impact = graph.impact(ColumnRef("raw.users", "email"))
    assert [c.column for c in impact.columns] == [ColumnRef("backup.users", "*")]


def test_new_user_asks_what_breaks(tmp_path: Path) -> None:
    """Load a query log, ask what breaks if a source column is dropped, get columns and owners."""
    log = tmp_path / "queries.jsonl"
    log.write_text(
        "\n".join(json.dumps({"id": f"job-{i}", "sql": sql}) for i, sql in enumerate(PIPELINE))
    )
    batch = read_query_log(log)
    pairs = lineage_of(batch.queries)
    graph = LineageGraph()
    for query, result in pairs:
        graph.add_result(result, query.query_id)
    owners = {
        "mart.mailing": "crm@acme.io",
        "mart.domains": "growth@acme.io",
        "stg.users": "de@acme.io",
    }
    impact = graph.impact(ColumnRef("raw.users", "email"), owners=owners)
    assert [(str(c.column), c.owner) for c in impact.columns] == [
        ("stg.users.email", "de@acme.io"),
        ("mart.mailing.email", "crm@acme.io"),
        ("mart.domains.domain", "growth@acme.io"),
    ]
    assert impact.queries == ("job-0", "job-3", "job-4")


def test_struct_fields_count_as_the_column() -> None:
    """Dropping a struct/array column breaks whatever reads its fields (GA4 event params)."""
    sql = """CREATE TABLE mart.pages AS
    SELECT user_id,
      (SELECT value.string_value FROM UNNEST(event_params) WHERE key = 'page') AS page
    FROM `acme.ga.events_20240101`"""
    schema = {"acme.ga.events_yyyymmdd": ["user_id", "event_params"]}
    graph = LineageGraph.from_results([extract(sql, dialect="bigquery", schema=schema)])
    params = ColumnRef("acme.ga.events_yyyymmdd", "event_params")
    impact = graph.impact(params)
    assert ColumnRef("mart.pages", "page") in {c.column for c in impact.columns}
    tags = graph.propagate_tags({params: {"pii"}})
    assert ColumnRef("mart.pages", "page") in tags
    assert ColumnRef("mart.pages", "user_id") not in tags
