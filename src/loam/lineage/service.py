"""Questions asked of the stored lineage, answered as plain data for the CLI and the API:
name resolution, upstream/downstream, the graph around a table or column, impact
analysis with owners and queries, and where tags such as PII travel.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from loam.lineage.errors import LineageInputError, LineageNotFound
from loam.lineage.graph import LineageGraph
from loam.lineage.model import ColumnRef
from loam.lineage.store import LineageStore

Direction = Literal["upstream", "downstream", "both"]
MAX_GRAPH_NODES = 400
MAX_DEPTH = 50


def node_id(ref: ColumnRef) -> str:
    return str(ref)


@dataclass(frozen=True, slots=True)
class Focus:
    """What a question is about: a whole table, or one column of it."""

    table: str
    column: str | None = None

    @property
    def ref(self) -> ColumnRef:
        if self.column is None:
            raise LineageInputError(f"{self.table} is a table: name one of its columns")
        return ColumnRef(self.table, self.column)

    def __str__(self) -> str:
        return self.table if self.column is None else f"{self.table}.{self.column}"


def check_depth(depth: int | None) -> int | None:
    if depth is not None and not 1 <= depth <= MAX_DEPTH:
        raise LineageInputError(f"depth must be between 1 and {MAX_DEPTH}, not {depth}")
    return depth


class LineageService:
    def __init__(self, store: LineageStore) -> None:
        self.store = store
        self.graph: LineageGraph = store.graph()
        self._tables: set[str] | None = None

    # -- names ---------------------------------------------------------------
    @property
    def tables(self) -> set[str]:
        if self._tables is None:
            self._tables = self.store.tables() | {t for t in self.graph.tables() if t}
        return self._tables

    def _match_table(self, written: str) -> str | None:
        if written in self.tables:
            return written
        lower = written.lower()
        matches = sorted(
            t for t in self.tables if t.lower() == lower or t.lower().endswith("." + lower)
        )
        if len(matches) > 1:
            raise LineageInputError(
                f"{written!r} matches several tables: {', '.join(matches[:8])}; write it in full",
                details=[{"where": "name", "candidates": matches[:20]}],
            )
        return matches[0] if matches else None

    def resolve_table(self, text: str) -> str:
        text = text.strip()
        if not text:
            raise LineageInputError("name a table")
        table = self._match_table(text)
        if table is None:
            raise LineageNotFound(
                f"table {text} is not in the lineage store", details=self._suggest(text)
            )
        return table

    def resolve(self, text: str, column: str | None = None) -> Focus:
        """``db.table`` or ``db.table.column`` (the longest known table prefix wins);
        ``column`` given separately skips the guessing."""
        text = text.strip()
        if not text:
            raise LineageInputError("name a table or a column (table.column)")
        if column is not None:
            return self._column(self.resolve_table(text), column.strip(), f"{text}.{column}")
        parts = text.split(".")
        for cut in range(len(parts), 0, -1):
            table = self._match_table(".".join(parts[:cut]))
            if table is None:
                continue
            if cut == len(parts):
                return Focus(table)
            return self._column(table, ".".join(parts[cut:]), text)
        raise LineageNotFound(
            f"{text} is not a table or column in the lineage store", details=self._suggest(text)
        )

    def _column(self, table: str, column: str, written: str) -> Focus:
        known = {c.column for c in self.graph.columns(table)}
        known |= {name for name, _ in self.store.columns_of(table)}
        if column not in known:  # case differs (Snowflake folds to upper): a unique match
            same = [k for k in known if k.lower() == column.lower()]
            column = same[0] if len(same) == 1 else column
        prefixes = (column + ".", column + "[")
        if column in known or any(k.startswith(prefixes) for k in known):
            return Focus(table, column)
        listed = ", ".join(sorted(known)[:12])
        raise LineageNotFound(
            f"column {column!r} is not in table {table} (its columns: {listed})",
            details=[{"where": written, "table": table, "columns": sorted(known)[:50]}],
        )

    def _suggest(self, text: str) -> list[dict[str, Any]]:
        last = text.split(".")[-1]
        found = self.store.search(last, limit=5) if last else []
        if not found:
            return []
        return [{"did_you_mean": [t if c is None else f"{t}.{c}" for t, c in found]}]

    # -- labels --------------------------------------------------------------
    def tag_map(self) -> tuple[dict[ColumnRef, frozenset[str]], dict[ColumnRef, set[str]]]:
        """(tags every column carries after propagation, tags set on the column itself)."""
        own = self.store.tags()
        return self.graph.propagate_tags(own), own

    def _column_view(
        self,
        ref: ColumnRef,
        owners: dict[str, str],
        tags: dict[ColumnRef, frozenset[str]],
        **extra: Any,
    ) -> dict[str, Any]:
        carried = sorted(tags.get(ref, ()))
        return {
            "id": node_id(ref),
            "table": ref.table,
            "column": ref.column,
            "owner": owners.get(ref.table or ""),
            "tags": carried,
            "pii": "pii" in carried,
            **extra,
        }

    # -- walks -----------------------------------------------------------------
    def _starts(self, focus: Focus) -> list[ColumnRef]:
        if focus.column is not None:
            return [focus.ref]
        columns = {c for c in self.graph.columns(focus.table)}
        columns |= {ColumnRef(focus.table, name) for name, _ in self.store.columns_of(focus.table)}
        return sorted(columns, key=lambda c: c.column)

    def _reach(
        self, starts: Iterable[ColumnRef], upstream: bool, depth: int | None, direct_only: bool
    ) -> dict[ColumnRef, int]:
        found: dict[ColumnRef, int] = {}
        for start in starts:
            if start not in self.graph:
                continue
            walk = self.graph.upstream if upstream else self.graph.downstream
            for ref, distance in walk(start, depth, direct_only).items():
                if ref not in found or distance < found[ref]:
                    found[ref] = distance
        return found

    def walk(
        self, focus: Focus, upstream: bool, depth: int | None = None, direct_only: bool = False
    ) -> dict[str, Any]:
        """Every column upstream (or downstream) of a column or table, nearest first."""
        check_depth(depth)
        starts = self._starts(focus)
        reached = self._reach(starts, upstream, depth, direct_only)
        for start in starts:
            reached.pop(start, None)
        owners = self.store.owners()
        tags, _ = self.tag_map()
        columns = [
            self._column_view(ref, owners, tags, depth=distance)
            for ref, distance in sorted(reached.items(), key=lambda i: (i[1], str(i[0])))
        ]
        return {
            "focus": {"table": focus.table, "column": focus.column},
            "direction": "upstream" if upstream else "downstream",
            "columns": columns,
            "tables": sorted({c["table"] for c in columns if c["table"]}),
        }

    def neighbourhood(
        self, focus: Focus, depth: int | None = 2, direction: Direction = "both"
    ) -> dict[str, Any]:
        """Nodes grouped by table and the edges among them, for drawing."""
        check_depth(depth)
        starts = self._starts(focus)
        side: dict[ColumnRef, tuple[str, int]] = {s: ("focus", 0) for s in starts}
        if direction in ("upstream", "both"):
            for ref, distance in self._reach(starts, True, depth, False).items():
                side.setdefault(ref, ("upstream", distance))
        if direction in ("downstream", "both"):
            for ref, distance in self._reach(starts, False, depth, False).items():
                side.setdefault(ref, ("downstream", distance))
        truncated = len(side) > MAX_GRAPH_NODES
        if truncated:
            kept = sorted(side.items(), key=lambda i: (i[1][1], str(i[0])))[:MAX_GRAPH_NODES]
            side = dict(kept)
        owners = self.store.owners()
        tags, own = self.tag_map()
        nodes = [
            self._column_view(
                ref, owners, tags, side=where, depth=distance, tagged=sorted(own.get(ref, ()))
            )
            for ref, (where, distance) in sorted(side.items(), key=lambda i: str(i[0]))
        ]
        tables: dict[str, dict[str, Any]] = {}
        for node in nodes:
            name = node["table"] or "?"
            entry = tables.setdefault(
                name,
                {
                    "name": name,
                    "owner": owners.get(name),
                    "columns": [],
                    "depth": None,
                    "side": node["side"],
                },
            )
            entry["columns"].append(node["id"])
            signed = node["depth"] * (-1 if node["side"] == "upstream" else 1)
            if entry["depth"] is None or abs(signed) < abs(entry["depth"]):
                entry["depth"], entry["side"] = signed, node["side"]
            if node["side"] == "focus":
                entry["side"], entry["depth"] = "focus", 0
        edges = [
            {
                "id": f"{node_id(link.upstream)}->{node_id(link.downstream)}",
                "source": node_id(link.upstream),
                "target": node_id(link.downstream),
                "kind": "DIRECT" if link.direct else "INDIRECT",
                "subkinds": sorted(s.value for s in link.subkinds),
                "queries": len(link.queries),
            }
            for link in self.graph.links_among(side)
            if link.upstream != link.downstream
        ]
        edges.sort(key=lambda e: e["id"])
        return {
            "focus": {"table": focus.table, "column": focus.column},
            "depth": depth,
            "direction": direction,
            "nodes": nodes,
            "tables": sorted(tables.values(), key=lambda t: (t["depth"], t["name"])),
            "edges": edges,
            "truncated": truncated,
        }

    # -- impact --------------------------------------------------------------
    def impact(self, focus: Focus) -> dict[str, Any]:
        """What breaks if the column (or every column of the table) is dropped or changed."""
        owners = self.store.owners()
        tags, _ = self.tag_map()
        reached: dict[ColumnRef, tuple[int, bool]] = {}
        query_ids: set[str] = set()
        for start in self._starts(focus):
            try:
                found = self.graph.impact(start, owners)
            except LineageNotFound:
                continue
            query_ids.update(found.queries)
            for item in found.columns:
                if focus.column is None and item.column.table == focus.table:
                    continue
                old = reached.get(item.column)
                if old is None or (item.depth, not item.direct) < (old[0], not old[1]):
                    reached[item.column] = (item.depth, item.direct)
        columns = [
            self._column_view(ref, owners, tags, depth=depth, direct=direct)
            for ref, (depth, direct) in sorted(reached.items(), key=lambda i: (i[1][0], str(i[0])))
        ]
        tables: dict[str, dict[str, Any]] = {}
        for column in columns:
            name = column["table"] or "?"
            entry = tables.setdefault(
                name, {"name": name, "owner": owners.get(name), "columns": []}
            )
            entry["columns"].append(column["column"])
        writers = self.store.writers(tables)
        for name, entry in tables.items():
            entry["written_by"] = writers.get(name, [])
        by_owner: dict[str, list[str]] = {}
        for name, entry in tables.items():
            by_owner.setdefault(entry["owner"] or "(no owner)", []).append(name)
        queries = [
            {
                "id": q.pk,
                "query_id": q.query_id,
                "source": q.source,
                "user": q.user,
                "sql": q.sql,
                "statement_type": q.statement_type,
                "last_seen": q.last_seen.isoformat(),
                "runs": q.run_count,
            }
            for q in self.store.stored_queries(query_ids)
        ]
        return {
            "changed": {"table": focus.table, "column": focus.column},
            "columns": columns,
            "tables": list(tables.values()),
            "owners": [{"owner": o, "tables": t} for o, t in sorted(by_owner.items())],
            "queries": queries,
            "pii": any(c["pii"] for c in columns),
        }

    # -- tags --------------------------------------------------------------------
    def tagged(self, tag: str | None = None) -> list[dict[str, Any]]:
        """Columns carrying a tag: set on them, or reached through DIRECT edges."""
        carried, own = self.tag_map()
        owners = self.store.owners()
        out = []
        for ref, names in sorted(carried.items(), key=lambda i: str(i[0])):
            if tag is not None and tag not in names:
                continue
            out.append(self._column_view(ref, owners, carried, set_here=sorted(own.get(ref, ()))))
        return out
