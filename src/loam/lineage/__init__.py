"""Column-level lineage from SQL: extraction, query-log sources and an in-memory graph.

>>> from loam.lineage import extract
>>> edges = extract("CREATE TABLE d AS SELECT id, SUM(x) AS total FROM s GROUP BY id").edges
>>> sorted({(str(e.downstream), e.kind.value) for e in edges})
[('d.id', 'DIRECT'), ('d.id', 'INDIRECT'), ('d.total', 'DIRECT'), ('d.total', 'INDIRECT')]
"""

from __future__ import annotations

from loam.lineage.errors import LineageError, LineageInputError, LineageNotFound, QueryLogError
from loam.lineage.extract import extract
from loam.lineage.graph import Impact, ImpactedColumn, LineageGraph, Link
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
from loam.lineage.parallel import Query, extract_many, iter_extract

__all__ = [
    "ColumnEdge",
    "ColumnRef",
    "EdgeKind",
    "EdgeSubkind",
    "Impact",
    "ImpactedColumn",
    "LineageError",
    "LineageGraph",
    "LineageInputError",
    "LineageNotFound",
    "Link",
    "Query",
    "QueryLineage",
    "QueryLogError",
    "StatementLineage",
    "StatementType",
    "extract",
    "extract_many",
    "fold_shard",
    "iter_extract",
]
