"""The lineage store: column edges, the queries behind them, owners, tags and
ingestion runs, kept in the catalog (SQLite or PostgreSQL).

Writes are batched upserts: an edge seen again moves its ``last_seen`` forward
and counts the sighting; a query seen again (same text once comments, spacing
and literals are set aside) counts a run instead of adding a row, and each edge
keeps at most ``MAX_QUERIES_PER_EDGE`` queries, so a huge log cannot explode the
catalog.

>>> from loam.core.catalog import Catalog
>>> from loam.lineage import extract
>>> from loam.lineage.sources import LoggedQuery
>>> catalog = Catalog("sqlite://", migrations=[MIGRATIONS])
>>> catalog.migrate()
>>> store = LineageStore(catalog)
>>> sql = "CREATE TABLE b AS SELECT email FROM a"
>>> stats = store.record([(LoggedQuery("job-1", sql, "doc"), extract(sql))])
>>> sorted(str(c) for c in store.graph().downstream(ColumnRef("a", "email")))
['b.email']
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from loam.core.catalog import Catalog
from loam.lineage.model import ColumnRef, QueryLineage
from loam.lineage.sources.base import LoggedQuery, normalise_sql
from loam.lineage.store_read import (
    CHUNK,
    StoredQuery,
    StoreReader,
    _chunks,
    _key,
    aware,
    utc,
)
from loam.lineage.tables import (
    NAME,
    lineage_columns,
    lineage_edge_queries,
    lineage_edges,
    lineage_owners,
    lineage_queries,
    lineage_tags,
)

MIGRATIONS = Path(__file__).parent / "migrations" / "versions"
MAX_SQL_CHARS = 20_000
MAX_EXPRESSION_CHARS = 2_000
MAX_QUERIES_PER_EDGE = 50

_LITERAL_RE = re.compile(r"'(?:[^'\\]|\\.|'')*'|\b\d+(?:\.\d+)?\b")


def fingerprint(sql: str) -> str:
    """One hash for every run of a query shape: reruns with other literals
    (dates, ids) are the same query.

    >>> fingerprint("SELECT * FROM t WHERE d = '2024-01-01'") == fingerprint(
    ...     "select * from t where d = '2024-02-01' -- rerun".replace("select * from t where",
    ...     "SELECT * FROM t WHERE"))
    True
    """
    shape = _LITERAL_RE.sub("?", normalise_sql(sql))
    return hashlib.sha256(shape.encode()).hexdigest()


@dataclass(slots=True)
class RecordStats:
    queries: int = 0
    failed: int = 0
    edges: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)
    """(query id, reason) of the first few queries that could not be parsed."""


class LineageStore(StoreReader):
    """Lineage kept in the catalog. Open one per workspace: ``LineageStore(ws.catalog)``."""

    def __init__(self, catalog: Catalog) -> None:
        super().__init__(catalog)
        self._ids: dict[tuple[str, str], int] = {}

    # -- dialect helpers -----------------------------------------------------
    def _insert(self, table: sa.Table) -> Any:
        if self.catalog.backend == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)

    def _later(self, a: Any, b: Any) -> Any:
        return sa.func.greatest(a, b) if self.catalog.backend == "postgresql" else sa.func.max(a, b)

    def _earlier(self, a: Any, b: Any) -> Any:
        return sa.func.least(a, b) if self.catalog.backend == "postgresql" else sa.func.min(a, b)

    # -- columns -------------------------------------------------------------
    def add_columns(
        self,
        columns: Iterable[tuple[str, str, str | None]],
        origin: str,
        seen: datetime | None = None,
    ) -> int:
        """Known columns ``(table, column, type)`` as nodes, even before any query reads them."""
        at = utc(seen)
        rows = {
            (t[:NAME], c[:NAME]): {
                "table_name": t[:NAME],
                "column_name": c[:NAME],
                "data_type": (d or None) and d[:200],
                "origin": origin,
                "first_seen": at,
                "last_seen": at,
            }
            for t, c, d in columns
        }
        if not rows:
            return 0
        stmt = self._insert(lineage_columns)
        stmt = stmt.on_conflict_do_update(
            index_elements=["table_name", "column_name"],
            set_={"data_type": stmt.excluded.data_type, "last_seen": stmt.excluded.last_seen},
        )
        with self.catalog.begin() as conn:
            for part in _chunks(list(rows.values()), 2000):
                conn.execute(stmt, list(part))
        return len(rows)

    def _column_ids(self, conn: Connection, keys: set[tuple[str, str]], at: datetime) -> None:
        missing = sorted(k for k in keys if k not in self._ids)
        if not missing:
            return
        # A no-op update on conflict, so RETURNING hands back the ids of existing rows too.
        stmt = self._insert(lineage_columns)
        stmt = stmt.on_conflict_do_update(
            index_elements=["table_name", "column_name"],
            set_={"last_seen": lineage_columns.c.last_seen},
        ).returning(
            lineage_columns.c.id, lineage_columns.c.table_name, lineage_columns.c.column_name
        )
        rows = [
            {
                "table_name": t,
                "column_name": c,
                "origin": "query",
                "first_seen": at,
                "last_seen": at,
            }
            for t, c in missing
        ]
        for part in _chunks(rows, 1000):
            for row in conn.execute(stmt, list(part)):
                self._ids[(row.table_name, row.column_name)] = row.id

    # -- queries and edges ---------------------------------------------------
    def record(self, pairs: Iterable[tuple[LoggedQuery, QueryLineage]]) -> RecordStats:
        """Store the edges of extracted queries, with the queries that produced them."""
        stats = RecordStats()
        pairs = [(q, r) for q, r in pairs if r is not None]
        for part in _chunks(pairs, 500):
            known = dict(self._ids)
            try:
                with self.catalog.begin() as conn:
                    self._record_chunk(conn, part, stats)
            except BaseException:
                self._ids = known  # ids of rows the rollback took back are not kept
                raise
        return stats

    def _record_chunk(
        self,
        conn: Connection,
        pairs: Sequence[tuple[LoggedQuery, QueryLineage]],
        stats: RecordStats,
    ) -> None:
        now = utc(None)
        queries: dict[str, dict[str, Any]] = {}
        for logged, result in pairs:
            stats.queries += 1
            error = result.error or next((s.error for s in result.statements if s.error), None)
            if error:
                stats.failed += 1
                if len(stats.errors) < 20:
                    stats.errors.append((logged.query_id, error))
            at = utc(logged.created_at) if logged.created_at else now
            key = fingerprint(logged.sql)
            row = queries.get(key)
            if row is None:
                queries[key] = {
                    "fingerprint": key,
                    "query_id": logged.query_id[:300],
                    "source": logged.source[:40],
                    "sql": logged.sql[:MAX_SQL_CHARS],
                    "sql_truncated": len(logged.sql) > MAX_SQL_CHARS,
                    "user_name": (logged.user or None) and str(logged.user)[:300],
                    "statement_type": result.statement_type.value,
                    "error": error,
                    "first_seen": at,
                    "last_seen": at,
                    "run_count": logged.occurrences,
                }
            else:
                row["first_seen"] = min(row["first_seen"], at)
                row["last_seen"] = max(row["last_seen"], at)
                row["run_count"] += logged.occurrences
        q = self._insert(lineage_queries)
        q = q.on_conflict_do_update(
            index_elements=["fingerprint"],
            set_={
                "last_seen": self._later(lineage_queries.c.last_seen, q.excluded.last_seen),
                "first_seen": self._earlier(lineage_queries.c.first_seen, q.excluded.first_seen),
                "run_count": lineage_queries.c.run_count + q.excluded.run_count,
                "error": q.excluded.error,
            },
        )
        q = q.returning(lineage_queries.c.id, lineage_queries.c.fingerprint)
        query_pk: dict[str, int] = {}
        if queries:
            for found in conn.execute(q, list(queries.values())):
                query_pk[found.fingerprint] = found.id

        keys: set[tuple[str, str]] = set()
        for _, result in pairs:
            for edge in result.edges:
                keys.add(_key(edge.downstream))
                keys.update(_key(u) for u in edge.upstreams)
        self._column_ids(conn, keys, now)

        edges: dict[tuple[int, int, str], dict[str, Any]] = {}
        links: dict[tuple[int, int, str], set[int]] = {}
        for logged, result in pairs:
            at = utc(logged.created_at) if logged.created_at else now
            pk = query_pk[fingerprint(logged.sql)]
            for edge in result.edges:
                down = self._ids[_key(edge.downstream)]
                for up_ref in edge.upstreams:
                    link = (self._ids[_key(up_ref)], down, edge.subkind.value)
                    row = edges.get(link)
                    if row is None:
                        edges[link] = row = {
                            "upstream_id": link[0],
                            "downstream_id": down,
                            "kind": edge.kind.value,
                            "subkind": edge.subkind.value,
                            "expression": edge.expression[:MAX_EXPRESSION_CHARS],
                            "confidence": edge.confidence,
                            "first_seen": at,
                            "last_seen": at,
                            "seen_count": 0,
                        }
                    row["first_seen"] = min(row["first_seen"], at)
                    row["last_seen"] = max(row["last_seen"], at)
                    row["confidence"] = max(row["confidence"], edge.confidence)
                    row["seen_count"] += logged.occurrences
                    links.setdefault(link, set()).add(pk)
        if not edges:
            return
        stats.edges += len(edges)
        e = self._insert(lineage_edges)
        e = e.on_conflict_do_update(
            index_elements=["upstream_id", "downstream_id", "subkind"],
            set_={
                "last_seen": self._later(lineage_edges.c.last_seen, e.excluded.last_seen),
                "first_seen": self._earlier(lineage_edges.c.first_seen, e.excluded.first_seen),
                "confidence": self._later(lineage_edges.c.confidence, e.excluded.confidence),
                "seen_count": lineage_edges.c.seen_count + e.excluded.seen_count,
                "expression": e.excluded.expression,
            },
        )
        e = e.returning(
            lineage_edges.c.id,
            lineage_edges.c.upstream_id,
            lineage_edges.c.downstream_id,
            lineage_edges.c.subkind,
        )
        edge_ids: dict[tuple[int, int, str], int] = {}
        for part in _chunks(list(edges.values()), 1000):
            for stored in conn.execute(e, list(part)):
                edge_ids[(stored.upstream_id, stored.downstream_id, stored.subkind)] = stored.id
        self._link_queries(conn, links, edge_ids)

    def _link_queries(
        self,
        conn: Connection,
        links: dict[tuple[int, int, str], set[int]],
        edge_ids: dict[tuple[int, int, str], int],
    ) -> None:
        linked: dict[int, set[int]] = {}
        eq = lineage_edge_queries.c
        ids = list(edge_ids.values())
        for part in _chunks(ids):
            for existing in conn.execute(
                sa.select(eq.edge_id, eq.query_pk).where(eq.edge_id.in_(part))
            ):
                linked.setdefault(existing.edge_id, set()).add(existing.query_pk)
        rows = []
        for link, pks in links.items():
            edge_id = edge_ids[link]
            have = linked.setdefault(edge_id, set())
            for pk in sorted(pks - have):
                if len(have) >= MAX_QUERIES_PER_EDGE:
                    break
                have.add(pk)
                rows.append({"edge_id": edge_id, "query_pk": pk})
        if rows:
            conn.execute(lineage_edge_queries.insert(), rows)

    # -- owners and tags -----------------------------------------------------
    def set_owner(self, table: str, owner: str, source: str = "user") -> None:
        stmt = self._insert(lineage_owners).values(
            table_name=table[:NAME], owner=owner[:300], source=source, updated_at=utc(None)
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["table_name"],
            set_={
                "owner": stmt.excluded.owner,
                "source": stmt.excluded.source,
                "updated_at": stmt.excluded.updated_at,
            },
        )
        with self.catalog.begin() as conn:
            conn.execute(stmt)

    def tag(self, ref: ColumnRef, tag: str, source: str = "user") -> bool:
        """Tag a column; False when it already had the tag."""
        stmt = (
            self._insert(lineage_tags)
            .values(
                table_name=ref.table or "",
                column_name=ref.column,
                tag=tag,
                source=source,
                created_at=utc(None),
            )
            .on_conflict_do_nothing(index_elements=["table_name", "column_name", "tag"])
            .returning(lineage_tags.c.tag)
        )
        with self.catalog.begin() as conn:
            return conn.execute(stmt).first() is not None

    def untag(self, ref: ColumnRef, tag: str) -> bool:
        t = lineage_tags.c
        with self.catalog.begin() as conn:
            done = conn.execute(
                lineage_tags.delete().where(
                    t.table_name == (ref.table or ""), t.column_name == ref.column, t.tag == tag
                )
            )
            return bool(done.rowcount)


__all__ = [
    "CHUNK",
    "MIGRATIONS",
    "LineageStore",
    "RecordStats",
    "StoredQuery",
    "aware",
    "fingerprint",
    "utc",
]
