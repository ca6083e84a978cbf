"""An in-memory lineage graph over column edges: walk it, ask what a change breaks,
and follow PII tags downstream.

>>> from loam.lineage import extract
>>> g = LineageGraph.from_results([extract("CREATE TABLE b AS SELECT email FROM a")])
>>> sorted(str(c) for c in g.downstream(ColumnRef("a", "email")))
['b.email']
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from loam.lineage.errors import LineageNotFound
from loam.lineage.model import ColumnEdge, ColumnRef, EdgeKind, EdgeSubkind, QueryLineage

ALL_COLUMNS = "*"


@dataclass(frozen=True, slots=True)
class Link:
    """One upstream -> downstream step, with every way and query it was seen in."""

    upstream: ColumnRef
    downstream: ColumnRef
    subkinds: frozenset[EdgeSubkind]
    queries: frozenset[str]

    @property
    def direct(self) -> bool:
        return any(s.kind is EdgeKind.DIRECT for s in self.subkinds)


@dataclass(frozen=True, slots=True)
class ImpactedColumn:
    column: ColumnRef
    depth: int
    direct: bool
    """True when the changed value flows into this column; False when it only influences it."""
    owner: str | None = None


@dataclass(frozen=True, slots=True)
class Impact:
    """What a dropped or changed column reaches downstream."""

    changed: ColumnRef
    columns: tuple[ImpactedColumn, ...]
    tables: tuple[str, ...]
    owners: Mapping[str, str | None]
    queries: tuple[str, ...]


@dataclass
class LineageGraph:
    _up: dict[ColumnRef, dict[ColumnRef, set[EdgeSubkind]]] = field(default_factory=dict)
    _down: dict[ColumnRef, dict[ColumnRef, set[EdgeSubkind]]] = field(default_factory=dict)
    _queries: dict[tuple[ColumnRef, ColumnRef], set[str]] = field(default_factory=dict)
    _table_up: dict[str, set[str]] = field(default_factory=dict)
    _table_down: dict[str, set[str]] = field(default_factory=dict)
    _columns_of: dict[str, set[ColumnRef]] = field(default_factory=dict)

    # -- building -------------------------------------------------------------
    @classmethod
    def from_results(
        cls, results: Iterable[QueryLineage], query_ids: Iterable[str] | None = None
    ) -> LineageGraph:
        graph = cls()
        ids = iter(query_ids) if query_ids is not None else None
        for index, result in enumerate(results):
            query_id = next(ids) if ids is not None else f"q{index}"
            graph.add_result(result, query_id)
        return graph

    def add_result(self, result: QueryLineage, query_id: str | None = None) -> None:
        for statement in result.statements:
            for edge in statement.edges:
                self.add_edge(edge, query_id)
            for source in statement.in_tables:
                for target in statement.out_tables:
                    self._link_tables(source, target)

    def add_edge(self, edge: ColumnEdge, query_id: str | None = None) -> None:
        down = edge.downstream
        self._note(down)
        for up in edge.upstreams:
            self._note(up)
            self._up.setdefault(down, {}).setdefault(up, set()).add(edge.subkind)
            self._down.setdefault(up, {}).setdefault(down, set()).add(edge.subkind)
            if query_id is not None:
                self._queries.setdefault((up, down), set()).add(query_id)
            if up.table and down.table:
                self._link_tables(up.table, down.table)

    def _note(self, ref: ColumnRef) -> None:
        if ref.table:
            self._columns_of.setdefault(ref.table, set()).add(ref)

    def _link_tables(self, source: str, target: str) -> None:
        if source == target:
            return
        self._table_down.setdefault(source, set()).add(target)
        self._table_up.setdefault(target, set()).add(source)

    # -- reading --------------------------------------------------------------
    def columns(self, table: str) -> set[ColumnRef]:
        return set(self._columns_of.get(table, set()))

    def tables(self) -> set[str]:
        return set(self._columns_of) | set(self._table_up) | set(self._table_down)

    def links(self) -> list[Link]:
        return [
            Link(up, down, frozenset(kinds), frozenset(self._queries.get((up, down), ())))
            for down, ups in self._up.items()
            for up, kinds in ups.items()
        ]

    def _require(self, ref: ColumnRef) -> None:
        if ref not in self._up and ref not in self._down:
            raise LineageNotFound(f"column {ref} is not in the lineage graph")

    def _walk(
        self,
        start: Iterable[ColumnRef],
        adjacency: dict[ColumnRef, dict[ColumnRef, set[EdgeSubkind]]],
        depth: int | None,
        direct_only: bool,
    ) -> dict[ColumnRef, tuple[int, bool]]:
        """Breadth-first: node -> (distance, reached through DIRECT edges only)."""
        seen: dict[ColumnRef, tuple[int, bool]] = {}
        queue = deque((s, 0, True) for s in start)
        origins = set()
        while queue:
            node, distance, direct = queue.popleft()
            if distance == 0:
                origins.add(node)
            if depth is not None and distance >= depth:
                continue
            for nxt, kinds in adjacency.get(node, {}).items():
                is_direct = any(k.kind is EdgeKind.DIRECT for k in kinds)
                if direct_only and not is_direct:
                    continue
                path_direct = direct and is_direct
                old = seen.get(nxt)
                if nxt in origins or (
                    old and (old[0] <= distance + 1 and (old[1] or not path_direct))
                ):
                    continue
                seen[nxt] = (
                    distance + 1 if not old else min(old[0], distance + 1),
                    path_direct or bool(old and old[1]),
                )
                queue.append((nxt, distance + 1, path_direct))
        return seen

    def upstream(
        self, ref: ColumnRef, depth: int | None = None, direct_only: bool = False
    ) -> dict[ColumnRef, int]:
        """Every column ``ref`` is computed from, with its distance."""
        self._require(ref)
        return {n: d for n, (d, _) in self._walk([ref], self._up, depth, direct_only).items()}

    def downstream(
        self, ref: ColumnRef, depth: int | None = None, direct_only: bool = False
    ) -> dict[ColumnRef, int]:
        """Every column computed from ``ref``, with its distance."""
        self._require(ref)
        return {n: d for n, (d, _) in self._walk([ref], self._down, depth, direct_only).items()}

    def upstream_tables(self, table: str, depth: int | None = None) -> dict[str, int]:
        return self._table_walk(table, self._table_up, depth)

    def downstream_tables(self, table: str, depth: int | None = None) -> dict[str, int]:
        return self._table_walk(table, self._table_down, depth)

    def _table_walk(
        self, table: str, adjacency: dict[str, set[str]], depth: int | None
    ) -> dict[str, int]:
        if table not in self.tables():
            raise LineageNotFound(f"table {table} is not in the lineage graph")
        seen: dict[str, int] = {}
        queue = deque([(table, 0)])
        while queue:
            node, distance = queue.popleft()
            if depth is not None and distance >= depth:
                continue
            for nxt in adjacency.get(node, ()):
                if nxt != table and nxt not in seen:
                    seen[nxt] = distance + 1
                    queue.append((nxt, distance + 1))
        return seen

    # -- questions ----------------------------------------------------------
    def impact(self, ref: ColumnRef, owners: Mapping[str, str] | None = None) -> Impact:
        """What breaks or changes if ``ref`` is dropped or changed: every column reached
        downstream (through values or influences), their tables and owners, and the
        queries that read the column along the way."""
        starts = [ref, *self._fields_of(ref)]
        whole = ColumnRef(ref.table, ALL_COLUMNS)
        if ref.table and whole in self._down:
            starts.append(whole)  # SELECT * from the table carries the column too
        if not any(s in self._down or s in self._up for s in starts):
            raise LineageNotFound(f"column {ref} is not in the lineage graph")
        reached = self._walk(starts, self._down, None, False)
        owners = owners or {}
        columns = tuple(
            sorted(
                (
                    ImpactedColumn(c, d, direct, owners.get(c.table) if c.table else None)
                    for c, (d, direct) in reached.items()
                ),
                key=lambda i: (i.depth, str(i.column)),
            )
        )
        tables = tuple(dict.fromkeys(c.column.table for c in columns if c.column.table))
        queries: set[str] = set()
        frontier = set(starts) | set(reached)
        for (up, down), ids in self._queries.items():
            if up in frontier and down in reached:
                queries |= ids
        return Impact(
            changed=ref,
            columns=columns,
            tables=tables,
            owners={t: owners.get(t) for t in tables},
            queries=tuple(sorted(queries)),
        )

    def _fields_of(self, ref: ColumnRef) -> list[ColumnRef]:
        """Struct fields read below a column (``params.value``, ``params[key=page].value``)."""
        if not ref.table:
            return []
        prefixes = (ref.column + ".", ref.column + "[")
        return sorted(
            (c for c in self._columns_of.get(ref.table, ()) if c.column.startswith(prefixes)),
            key=lambda c: c.column,
        )

    def propagate_tags(
        self, tags: Mapping[ColumnRef, Iterable[str]]
    ) -> dict[ColumnRef, frozenset[str]]:
        """Tags such as ``pii`` follow DIRECT edges downstream (a value copied, transformed
        or aggregated keeps its tag; a column only filtered on does not pass it on)."""
        result: dict[ColumnRef, set[str]] = {}
        for ref, names in tags.items():
            names = set(names)
            result.setdefault(ref, set()).update(names)
            for reached in self._walk([ref, *self._fields_of(ref)], self._down, None, True):
                result.setdefault(reached, set()).update(names)
        return {ref: frozenset(names) for ref, names in result.items()}

    # -- end points -----------------------------------------------------------
    def sinks(self) -> list[ColumnRef]:
        """Columns that feed nothing else (ignoring a column feeding itself)."""
        nodes = set(self._up) | set(self._down)
        return sorted(
            (n for n in nodes if not (set(self._down.get(n, {})) - {n}) and n in self._up),
            key=lambda n: (n.table or "", n.column),
        )

    def sources_of(self, ref: ColumnRef) -> set[ColumnRef]:
        """The columns at the start of every path into ``ref`` (nothing feeds them), and
        ``ref`` itself when it feeds itself."""
        found = {ref} if ref in self._up.get(ref, {}) else set()
        reached = self._walk([ref], self._up, None, False)
        for node in reached:
            if node != ref and not (set(self._up.get(node, {})) - {node}):
                found.add(node)
        return found
