"""Lineage store at ~100k edges: batched upserts, reading the graph back, impact.

Writes ``--edges`` column edges (from ``--edges / 50`` queries of 25 columns with two
upstreams each) into a fresh catalog, writes them again (the upsert path: every
edge seen twice), loads the whole graph and asks an impact question. The peer is
the plain way of storing them: one upsert statement per edge, committed per query,
timed on a slice of the same edges in the same run. SQLite always; PostgreSQL too
when it answers (``LOAM_TEST_POSTGRES_URL``).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from loam.capabilities import migration_folders
from loam.core.catalog import Catalog
from loam.lineage.model import (
    ColumnEdge,
    ColumnRef,
    EdgeSubkind,
    QueryLineage,
    StatementLineage,
    StatementType,
)
from loam.lineage.service import LineageService
from loam.lineage.sources import LoggedQuery
from loam.lineage.store import LineageStore

COLUMNS = 25
POSTGRES = os.environ.get(
    "LOAM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def workload(queries: int) -> list[tuple[LoggedQuery, QueryLineage]]:
    """A layered warehouse: table i reads tables i // 2 and i // 3, 25 columns each."""
    start = datetime(2024, 1, 1, tzinfo=UTC)
    pairs = []
    for i in range(1, queries + 1):
        target, left, right = f"p.d.t{i}", f"p.d.t{i // 2}", f"p.d.t{i // 3}"
        edges = tuple(
            ColumnEdge(
                ColumnRef(target, f"c{c}"),
                (ColumnRef(left, f"c{c}"), ColumnRef(right, f"c{(c + 1) % COLUMNS}")),
                EdgeSubkind.TRANSFORMATION,
                f"{left}.c{c} + {right}.c{(c + 1) % COLUMNS}",
                1.0,
            )
            for c in range(COLUMNS)
        )
        sql = f"CREATE TABLE {target} AS SELECT ... FROM {left} JOIN {right}"
        statement = StatementLineage(
            sql, StatementType.CREATE_TABLE_AS, (left, right), (target,), edges
        )
        logged = LoggedQuery(
            f"job-{i}", sql, "bench", created_at=start + timedelta(minutes=i), user="etl"
        )
        pairs.append((logged, QueryLineage(sql, (statement,))))
    return pairs


@contextmanager
def catalogs(with_postgres: bool) -> Iterator[list[tuple[str, Catalog]]]:
    folder = tempfile.mkdtemp(prefix="loam-bench-store-")
    found = [
        (
            "sqlite",
            Catalog(f"sqlite:///{Path(folder) / 'catalog.db'}", migrations=migration_folders()),
        )
    ]
    admin = None
    name = f"loam_bench_{uuid.uuid4().hex[:8]}"
    if with_postgres:
        try:
            admin = sa.create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            url = POSTGRES.rsplit("/", 1)[0] + f"/{name}"
            found.append(("postgresql", Catalog(url, migrations=migration_folders())))
        except Exception as error:  # no server: SQLite only
            print(f"(PostgreSQL skipped: {str(error).splitlines()[0]})")
            admin = None
    for _, catalog in found:
        catalog.migrate()
    try:
        yield found
    finally:
        for _, catalog in found:
            catalog.dispose()
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def one_by_one(catalog: Catalog, pairs: list[tuple[LoggedQuery, QueryLineage]]) -> int:
    """The peer: look up or insert each column, upsert each edge, one statement at a time."""
    from loam.lineage.tables import lineage_columns, lineage_edges

    insert = (
        sa.dialects.postgresql.insert
        if catalog.backend == "postgresql"
        else sa.dialects.sqlite.insert
    )
    written = 0
    for logged, result in pairs:
        with catalog.begin() as conn:
            for edge in result.edges:
                ids = []
                for ref in (edge.downstream, *edge.upstreams):
                    conn.execute(
                        insert(lineage_columns)
                        .values(
                            table_name=ref.table,
                            column_name=ref.column,
                            origin="peer",
                            first_seen=logged.created_at,
                            last_seen=logged.created_at,
                        )
                        .on_conflict_do_nothing(index_elements=["table_name", "column_name"])
                    )
                    ids.append(
                        conn.execute(
                            sa.select(lineage_columns.c.id).where(
                                lineage_columns.c.table_name == ref.table,
                                lineage_columns.c.column_name == ref.column,
                            )
                        ).scalar_one()
                    )
                for up in ids[1:]:
                    stmt = insert(lineage_edges).values(
                        upstream_id=up,
                        downstream_id=ids[0],
                        kind="DIRECT",
                        subkind=edge.subkind.value,
                        expression=edge.expression,
                        confidence=edge.confidence,
                        first_seen=logged.created_at,
                        last_seen=logged.created_at,
                        seen_count=1,
                    )
                    conn.execute(
                        stmt.on_conflict_do_update(
                            index_elements=["upstream_id", "downstream_id", "subkind"],
                            set_={"seen_count": lineage_edges.c.seen_count + 1},
                        )
                    )
                    written += 1
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", type=int, default=100_000)
    parser.add_argument("--peer-edges", type=int, default=5_000)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args(argv)
    per_query = COLUMNS * 2
    pairs = workload(max(1, args.edges // per_query))
    total = len(pairs) * per_query
    peer_pairs = workload(max(1, args.peer_edges // per_query))
    rows = []
    with catalogs(not args.no_postgres) as found:
        for backend, catalog in found:
            store = LineageStore(catalog)
            started = time.perf_counter()
            store.record(pairs)
            first = time.perf_counter() - started
            started = time.perf_counter()
            store.record(pairs)
            again = time.perf_counter() - started
            started = time.perf_counter()
            graph = store.graph()
            load = time.perf_counter() - started
            started = time.perf_counter()
            service = LineageService(store)
            impact = service.impact(service.resolve("p.d.t1.c0"))
            ask = time.perf_counter() - started
            assert len(graph.links()) == total and store.counts()["edges"] == total
            rows.append(
                (
                    f"loam store ({backend})",
                    total,
                    total / first,
                    total / again,
                    load,
                    ask,
                    len(impact["columns"]),
                )
            )
            peer_catalog = Catalog(catalog.url, migrations=migration_folders())
            with peer_catalog.begin() as conn:
                for table in (
                    "lineage_edge_queries",
                    "lineage_edges",
                    "lineage_queries",
                    "lineage_columns",
                ):
                    conn.execute(sa.text(f"DELETE FROM {table}"))
            started = time.perf_counter()
            written = one_by_one(peer_catalog, peer_pairs)
            peer = time.perf_counter() - started
            rows.append(
                (
                    f"one upsert per edge ({backend})",
                    written,
                    written / peer,
                    None,
                    None,
                    None,
                    None,
                )
            )
            peer_catalog.dispose()
    print(
        f"{'':34} {'edges':>8} {'write edges/s':>14} {'rewrite/s':>10} {'load s':>7} "
        f"{'impact s':>9} {'reached':>8}"
    )
    for name, edges, rate, rewrite, load, ask, reached in rows:
        print(
            f"{name:34} {edges:>8} {rate:>14,.0f} "
            f"{'' if rewrite is None else f'{rewrite:,.0f}':>10} "
            f"{'' if load is None else f'{load:.2f}':>7} {'' if ask is None else f'{ask:.2f}':>9} "
            f"{'' if reached is None else reached:>8}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
