"""Column-level lineage from SQL: extraction, query-log sources and an in-memory graph.

>>> from loam.lineage import extract
>>> edges = extract("CREATE TABLE d AS SELECT id, SUM(x) AS total FROM s GROUP BY id").edges
>>> sorted({(str(e.downstream), e.kind.value) for e in edges})
[('d.id', 'DIRECT'), ('d.id', 'INDIRECT'), ('d.total', 'DIRECT'), ('d.total', 'INDIRECT')]
"""

from __future__ import annotations

from loam.lineage.errors import LineageError, LineageInputError, LineageNotFound, QueryLogError
from loam.lineage.extract import extract
from loam.lineage.model import (
    ColumnEdge,
    ColumnRef,
    EdgeKind,
    EdgeSubkind,
    QueryLineage,
    StatementLineage,
    StatementType,
)
from loam.lineage.names import fold_shard

__all__ = [
    "ColumnEdge",
    "ColumnRef",
    "EdgeKind",
    "EdgeSubkind",
    "LineageError",
    "LineageInputError",
    "LineageNotFound",
    "QueryLineage",
    "QueryLogError",
    "StatementLineage",
    "StatementType",
    "extract",
    "fold_shard",
]
