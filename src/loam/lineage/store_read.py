"""Reading the lineage store: the graph of every stored edge (cached until the store
changes), the queries behind edges, known tables and columns, search, owners, tags."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from loam.core.catalog import Catalog
from loam.lineage.graph import LineageGraph
from loam.lineage.model import ColumnEdge, ColumnRef, EdgeSubkind
from loam.lineage.tables import (
    lineage_columns,
    lineage_edge_queries,
    lineage_edges,
    lineage_owners,
    lineage_queries,
    lineage_runs,
    lineage_tags,
)

CHUNK = 400  # rows per IN (...) lookup


def utc(moment: datetime | None) -> datetime:
    """A naive UTC timestamp (how both catalogs compare it) for ``moment`` or now."""
    moment = moment or datetime.now(UTC)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None)


def aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class StoredQuery:
    pk: int
    query_id: str
    source: str
    sql: str
    user: str | None
    statement_type: str | None
    error: str | None
    first_seen: datetime
    last_seen: datetime
    run_count: int


def _key(ref: ColumnRef) -> tuple[str, str]:
    return (ref.table or "", ref.column)


def _ref(table: str, column: str) -> ColumnRef:
    return ColumnRef(table or None, column)


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# One cached graph per engine (not per URL: two in-memory catalogs share "sqlite://").
_GRAPH_CACHE: weakref.WeakKeyDictionary[Engine, tuple[tuple[Any, ...], LineageGraph]] = (
    weakref.WeakKeyDictionary()
)
_GRAPH_LOCK = threading.Lock()


class StoreReader:
    """The read side of ``LineageStore``."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def owners(self) -> dict[str, str]:
        with self.catalog.begin() as conn:
            rows = conn.execute(sa.select(lineage_owners.c.table_name, lineage_owners.c.owner))
            return {r.table_name: r.owner for r in rows}

    def tags(self) -> dict[ColumnRef, set[str]]:
        """Tags set on columns (by people, dbt or event schemas), before propagation."""
        found: dict[ColumnRef, set[str]] = {}
        with self.catalog.begin() as conn:
            for r in conn.execute(sa.select(lineage_tags)):
                found.setdefault(_ref(r.table_name, r.column_name), set()).add(r.tag)
        return found

    # -- reading -------------------------------------------------------------
    def _generation(self, conn: Connection) -> tuple[Any, ...]:
        return (
            conn.execute(sa.select(sa.func.max(lineage_edges.c.id))).scalar(),
            conn.execute(sa.select(sa.func.max(lineage_runs.c.id))).scalar(),
            conn.execute(sa.select(sa.func.count()).select_from(lineage_edge_queries)).scalar(),
        )

    def graph(self) -> LineageGraph:
        """Every stored edge as a ``LineageGraph`` (cached until the store changes)."""
        with self.catalog.begin() as conn:
            generation = self._generation(conn)
            with _GRAPH_LOCK:
                cached = _GRAPH_CACHE.get(self.catalog.engine)
                if cached and cached[0] == generation:
                    return cached[1]
            graph = self._load_graph(conn)
        with _GRAPH_LOCK:
            _GRAPH_CACHE[self.catalog.engine] = (generation, graph)
        return graph

    def _load_graph(self, conn: Connection) -> LineageGraph:
        up = lineage_columns.alias("up")
        down = lineage_columns.alias("down")
        e = lineage_edges.c
        rows = conn.execute(
            sa.select(
                e.id,
                up.c.table_name.label("ut"),
                up.c.column_name.label("uc"),
                down.c.table_name.label("dt"),
                down.c.column_name.label("dc"),
                e.subkind,
                e.expression,
                e.confidence,
            )
            .join_from(lineage_edges, up, up.c.id == e.upstream_id)
            .join(down, down.c.id == e.downstream_id)
        )
        queries: dict[int, list[str]] = {}
        for link in conn.execute(sa.select(lineage_edge_queries)):
            queries.setdefault(link.edge_id, []).append(str(link.query_pk))
        graph = LineageGraph()
        for r in rows:
            edge = ColumnEdge(
                _ref(r.dt, r.dc),
                (_ref(r.ut, r.uc),),
                EdgeSubkind(r.subkind),
                r.expression,
                r.confidence,
            )
            graph.add_edge(edge, None)
            for pk in queries.get(r.id, ()):
                graph.add_edge(edge, pk)
        return graph

    def stored_queries(self, pks: Iterable[int | str]) -> list[StoredQuery]:
        wanted = sorted({int(p) for p in pks})
        out: list[StoredQuery] = []
        with self.catalog.begin() as conn:
            for part in _chunks(wanted):
                for r in conn.execute(
                    sa.select(lineage_queries).where(lineage_queries.c.id.in_(part))
                ):
                    out.append(
                        StoredQuery(
                            r.id,
                            r.query_id,
                            r.source,
                            r.sql,
                            r.user_name,
                            r.statement_type,
                            r.error,
                            aware(r.first_seen) or r.first_seen,
                            aware(r.last_seen) or r.last_seen,
                            r.run_count,
                        )
                    )
        return sorted(out, key=lambda q: q.last_seen, reverse=True)

    def tables(self) -> set[str]:
        with self.catalog.begin() as conn:
            rows = conn.execute(sa.select(lineage_columns.c.table_name).distinct())
            return {r.table_name for r in rows if r.table_name}

    def columns_of(self, table: str) -> list[tuple[str, str | None]]:
        c = lineage_columns.c
        with self.catalog.begin() as conn:
            rows = conn.execute(
                sa.select(c.column_name, c.data_type).where(c.table_name == table).order_by(c.id)
            )
            return [(r.column_name, r.data_type) for r in rows]

    def schema(self) -> dict[str, list[str]]:
        """Columns known per table (warehouse, events, dbt): expands ``SELECT *``."""
        c = lineage_columns.c
        found: dict[str, list[str]] = {}
        with self.catalog.begin() as conn:
            rows = conn.execute(
                sa.select(c.table_name, c.column_name).where(
                    c.origin != "query", c.table_name != ""
                )
            )
            for r in rows:
                found.setdefault(r.table_name, []).append(r.column_name)
        return found

    def search(self, text: str, limit: int = 20) -> list[tuple[str, str | None]]:
        """Tables and columns whose name contains ``text`` (tables first)."""
        c = lineage_columns.c
        needle = f"%{text.lower()}%"
        with self.catalog.begin() as conn:
            tables = conn.execute(
                sa.select(c.table_name)
                .distinct()
                .where(sa.func.lower(c.table_name).like(needle), c.table_name != "")
                .order_by(c.table_name)
                .limit(limit)
            )
            found: list[tuple[str, str | None]] = [(r.table_name, None) for r in tables]
            full = sa.func.lower(c.table_name + "." + c.column_name)
            columns = conn.execute(
                sa.select(c.table_name, c.column_name)
                .where(full.like(needle), c.table_name != "", c.column_name != "*")
                .order_by(sa.func.length(c.column_name), c.table_name, c.column_name)
                .limit(limit)
            )
            found.extend((r.table_name, r.column_name) for r in columns)
        return found[: limit * 2]

    def writers(self, tables: Iterable[str]) -> dict[str, list[str]]:
        """Who ran the queries that write each table, most runs first: the people to ask
        when a table has no recorded owner."""
        c, e = lineage_columns.c, lineage_edges.c
        eq, q = lineage_edge_queries.c, lineage_queries.c
        wanted = sorted(set(tables))
        runs: dict[str, dict[str, int]] = {}
        with self.catalog.begin() as conn:
            for part in _chunks(wanted):
                rows = conn.execute(
                    sa.select(c.table_name, q.user_name, sa.func.sum(q.run_count).label("runs"))
                    .select_from(lineage_edges)
                    .join(lineage_columns, c.id == e.downstream_id)
                    .join(lineage_edge_queries, eq.edge_id == e.id)
                    .join(lineage_queries, q.id == eq.query_pk)
                    .where(c.table_name.in_(part), q.user_name.is_not(None))
                    .group_by(c.table_name, q.user_name)
                )
                for r in rows:
                    runs.setdefault(r.table_name, {})[r.user_name] = int(r.runs or 0)
        return {
            table: [u for u, _ in sorted(users.items(), key=lambda i: (-i[1], i[0]))]
            for table, users in runs.items()
        }

    def busiest_tables(self, limit: int = 8) -> list[tuple[str, int]]:
        """Tables written by the most edges: good places to start exploring."""
        c, e = lineage_columns.c, lineage_edges.c
        with self.catalog.begin() as conn:
            rows = conn.execute(
                sa.select(c.table_name, sa.func.count(e.id).label("edges"))
                .join_from(lineage_edges, lineage_columns, c.id == e.downstream_id)
                .where(c.table_name != "")
                .group_by(c.table_name)
                .order_by(sa.desc("edges"), c.table_name)
                .limit(limit)
            )
            return [(r.table_name, int(r.edges)) for r in rows]

    def counts(self) -> dict[str, int]:
        with self.catalog.begin() as conn:
            return {
                name: int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() or 0)
                for name, table in (
                    ("columns", lineage_columns),
                    ("edges", lineage_edges),
                    ("queries", lineage_queries),
                    ("owners", lineage_owners),
                    ("tags", lineage_tags),
                    ("runs", lineage_runs),
                )
            }
