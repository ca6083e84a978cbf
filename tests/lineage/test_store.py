"""The lineage store on SQLite and PostgreSQL: edges with first/last seen and the
queries behind them, deduplicated queries, the per-edge query cap, owners, tags,
and the graph read back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from loam.lineage import ColumnRef, EdgeKind, extract
from loam.lineage import store as store_module
from loam.lineage.service import LineageService
from loam.lineage.sources import LoggedQuery
from loam.lineage.store import LineageStore, fingerprint
from loam.lineage.tables import lineage_edge_queries, lineage_edges

T0 = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


def logged(query_id: str, sql: str, at: datetime, user: str = "etl@acme.io") -> LoggedQuery:
    return LoggedQuery(query_id, sql, "test", created_at=at, user=user)


def record(store: LineageStore, *queries: LoggedQuery) -> None:
    store.record([(q, extract(q.sql, dialect="bigquery", default_db="acme")) for q in queries])


STG = "CREATE TABLE stg.users AS SELECT id, LOWER(email) AS email FROM raw.users WHERE id > 0"
MART = "CREATE TABLE mart.mail AS SELECT email, COUNT(*) AS n FROM stg.users GROUP BY email"


def test_edges_round_trip_with_kinds_and_seen_times(store: LineageStore) -> None:
    record(store, logged("j1", STG, T0), logged("j2", MART, T0 + timedelta(hours=1)))
    graph = store.graph()
    email = ColumnRef("acme.raw.users", "email")
    assert graph.downstream(email) == {
        ColumnRef("acme.stg.users", "email"): 1,
        ColumnRef("acme.mart.mail", "email"): 2,
        ColumnRef("acme.mart.mail", "n"): 2,
    }
    links = {(str(k.upstream), str(k.downstream)): k for k in graph.links()}
    filtered = links[("acme.raw.users.id", "acme.stg.users.email")]
    assert {s.kind for s in filtered.subkinds} == {EdgeKind.INDIRECT}
    assert {s.value for s in links[("acme.raw.users.email", "acme.stg.users.email")].subkinds} == {
        "transformation"
    }

    # Seen again a day later: last_seen moves, first_seen stays, the sighting is counted.
    record(store, logged("j3", STG.replace("id > 0", "id > 5"), T0 + timedelta(days=1)))
    with store.catalog.begin() as conn:
        rows = conn.execute(sa.select(lineage_edges)).all()
    [row] = [r for r in rows if r.subkind == "transformation"]
    assert "LOWER" in row.expression
    assert row.first_seen.replace(tzinfo=None) == T0.replace(tzinfo=None)
    assert row.last_seen.replace(tzinfo=None) == (T0 + timedelta(days=1)).replace(tzinfo=None)
    assert row.seen_count == 2


def test_queries_are_deduplicated_by_shape(store: LineageStore) -> None:
    record(
        store,
        logged("j1", STG, T0),
        logged("j2", STG.replace("id > 0", "id > 7") + " -- rerun", T0 + timedelta(hours=2)),
    )
    assert store.counts()["queries"] == 1
    service = LineageService(store)
    impact = service.impact(service.resolve("raw.users.email"))
    [query] = impact["queries"]
    assert query["query_id"] == "j1" and query["runs"] == 2 and query["user"] == "etl@acme.io"
    assert query["last_seen"].startswith("2024-05-01T10:00")
    assert fingerprint("SELECT 1 FROM t WHERE x = 'a'") != fingerprint("SELECT 1 FROM u")


def test_each_edge_keeps_at_most_the_query_cap(
    store: LineageStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "MAX_QUERIES_PER_EDGE", 3)
    shapes = [
        f"INSERT INTO mart.copy SELECT email FROM raw.users WHERE {col} IS NOT NULL"
        for col in ("a", "b", "c", "d", "e")
    ]
    record(store, *(logged(f"j{i}", sql, T0) for i, sql in enumerate(shapes)))
    assert store.counts()["queries"] == 5
    with store.catalog.begin() as conn:
        direct = conn.execute(
            sa.select(lineage_edges.c.id).where(lineage_edges.c.subkind == "identity")
        ).scalar_one()
        linked = conn.execute(
            sa.select(sa.func.count())
            .select_from(lineage_edge_queries)
            .where(lineage_edge_queries.c.edge_id == direct)
        ).scalar_one()
    assert linked == 3


def test_owners_and_tags_upsert_and_pii_follows_direct_edges(store: LineageStore) -> None:
    record(store, logged("j1", STG, T0), logged("j2", MART, T0))
    store.set_owner("acme.mart.mail", "crm@acme.io")
    store.set_owner("acme.mart.mail", "growth@acme.io")
    assert store.owners() == {"acme.mart.mail": "growth@acme.io"}
    email = ColumnRef("acme.raw.users", "email")
    assert store.tag(email, "pii") is True
    assert store.tag(email, "pii") is False
    reached = {row["id"] for row in LineageService(store).tagged("pii")}
    # The id only filters stg.users.email, so it carries no PII; the COUNT(*) reads no value.
    assert reached == {"acme.raw.users.email", "acme.stg.users.email", "acme.mart.mail.email"}
    assert store.untag(email, "pii") is True
    assert LineageService(store).tagged("pii") == []


def test_impact_names_columns_tables_owners_and_queries(store: LineageStore) -> None:
    record(store, logged("j1", STG, T0), logged("j2", MART, T0, user="bi@acme.io"))
    store.set_owner("acme.mart.mail", "crm@acme.io")
    service = LineageService(store)
    report = service.impact(service.resolve("acme.raw.users.email"))
    assert [c["id"] for c in report["columns"]] == [
        "acme.stg.users.email",
        "acme.mart.mail.email",
        "acme.mart.mail.n",
    ]
    assert {t["name"]: t["owner"] for t in report["tables"]} == {
        "acme.stg.users": None,
        "acme.mart.mail": "crm@acme.io",
    }
    assert sorted(q["query_id"] for q in report["queries"]) == ["j1", "j2"]


def test_graph_is_cached_until_the_store_changes(store: LineageStore) -> None:
    record(store, logged("j1", STG, T0))
    first = store.graph()
    assert store.graph() is first
    record(store, logged("j2", MART, T0))
    assert store.graph() is not first
    assert ColumnRef("acme.mart.mail", "email") in store.graph()


def test_search_finds_tables_then_columns(store: LineageStore) -> None:
    record(store, logged("j1", STG, T0), logged("j2", MART, T0))
    found = store.search("mail")
    assert ("acme.mart.mail", None) in found
    assert found.index(("acme.mart.mail", None)) < found.index(("acme.mart.mail", "email"))
    assert ("acme.raw.users", "email") in found


def test_huge_query_text_is_cut_and_flagged(store: LineageStore) -> None:
    columns = ", ".join(f"col_{i} AS out_col_{i}" for i in range(1200))
    sql = f"CREATE TABLE wide AS SELECT {columns} FROM src"
    assert len(sql) > store_module.MAX_SQL_CHARS
    record(store, logged("wide-1", sql, T0))
    [query] = store.stored_queries([1])
    assert len(query.sql) == store_module.MAX_SQL_CHARS
    with store.catalog.begin() as conn:
        flagged = conn.execute(sa.text("SELECT sql_truncated FROM lineage_queries")).scalar_one()
    assert flagged
    assert store.counts()["edges"] == 1200
