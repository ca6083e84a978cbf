"""The lineage data model: column references, typed edges, statement results.

Edge kinds follow OpenLineage's column-lineage facet: a DIRECT edge means the
upstream value flows into the downstream column (copied, transformed or
aggregated); an INDIRECT edge means the upstream column only influences it
(it is used in a join, filter, grouping, window or condition).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class EdgeKind(enum.StrEnum):
    DIRECT = "DIRECT"
    INDIRECT = "INDIRECT"


class EdgeSubkind(enum.StrEnum):
    IDENTITY = "identity"
    TRANSFORMATION = "transformation"
    AGGREGATION = "aggregation"
    JOIN = "join"
    FILTER = "filter"
    GROUP_BY = "group_by"
    WINDOW = "window"
    CONDITIONAL = "conditional"

    @property
    def kind(self) -> EdgeKind:
        return EdgeKind.DIRECT if self in _DIRECT_SUBKINDS else EdgeKind.INDIRECT

    @property
    def in_projection(self) -> bool:
        """True when the column appears inside the projected expression itself."""
        return self not in _QUERY_LEVEL_SUBKINDS


_DIRECT_SUBKINDS = frozenset(
    {EdgeSubkind.IDENTITY, EdgeSubkind.TRANSFORMATION, EdgeSubkind.AGGREGATION}
)
_QUERY_LEVEL_SUBKINDS = frozenset({EdgeSubkind.JOIN, EdgeSubkind.FILTER, EdgeSubkind.GROUP_BY})


class StatementType(enum.StrEnum):
    SELECT = "SELECT"
    INSERT = "INSERT"
    CREATE_TABLE_AS = "CREATE_TABLE_AS"
    CREATE_VIEW = "CREATE_VIEW"
    CREATE_TABLE = "CREATE_TABLE"
    MERGE = "MERGE"
    UPDATE = "UPDATE"
    DELETE = "DELETE"
    DROP = "DROP"
    ALTER = "ALTER"
    OTHER = "OTHER"
    UNKNOWN = "UNKNOWN"


@dataclass(frozen=True, slots=True, order=True)
class ColumnRef:
    """One column of one table. ``table`` is None when the column could not be tied
    to a table; ``column`` may be a dotted struct path (``by_product.code``) or
    ``*`` (all columns of the table, when its schema is unknown)."""

    table: str | None
    column: str

    def __str__(self) -> str:
        return f"{self.table or '?'}.{self.column}"


@dataclass(frozen=True, slots=True)
class ColumnEdge:
    """``downstream`` is computed from ``upstreams`` in the way ``subkind`` says."""

    downstream: ColumnRef
    upstreams: tuple[ColumnRef, ...]
    subkind: EdgeSubkind
    expression: str
    confidence: float

    @property
    def kind(self) -> EdgeKind:
        return self.subkind.kind


@dataclass(frozen=True, slots=True)
class StatementLineage:
    """What one SQL statement reads, writes and derives. ``error`` is set (and the
    rest may be partial) when the statement could not be parsed or analysed."""

    sql: str
    statement_type: StatementType
    in_tables: tuple[str, ...] = ()
    out_tables: tuple[str, ...] = ()
    edges: tuple[ColumnEdge, ...] = ()
    output_columns: tuple[str, ...] = ()
    confidence: float = 1.0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def direct_edges(self) -> tuple[ColumnEdge, ...]:
        return tuple(e for e in self.edges if e.kind is EdgeKind.DIRECT)


@dataclass(frozen=True, slots=True)
class QueryLineage:
    """The lineage of one SQL text, which may hold several statements (a script)."""

    sql: str
    statements: tuple[StatementLineage, ...] = field(default_factory=tuple)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and all(s.ok for s in self.statements)

    @property
    def edges(self) -> tuple[ColumnEdge, ...]:
        return tuple(e for s in self.statements for e in s.edges)

    @property
    def in_tables(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t for s in self.statements for t in s.in_tables))

    @property
    def out_tables(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t for s in self.statements for t in s.out_tables))

    @property
    def statement_type(self) -> StatementType:
        if not self.statements:
            return StatementType.UNKNOWN
        return self.statements[-1].statement_type
