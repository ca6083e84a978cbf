"""Lineage of logged queries: each query extracted with its own dialect, defaults and
destination, many at once across processes."""

from __future__ import annotations

from collections.abc import Iterable

from loam.lineage.extract import DEFAULT_TIMEOUT
from loam.lineage.model import QueryLineage
from loam.lineage.names import SchemaInput
from loam.lineage.parallel import Query, extract_many
from loam.lineage.sources.base import LoggedQuery


def lineage_of(
    queries: Iterable[LoggedQuery],
    schema: SchemaInput | None = None,
    dialect: str | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    processes: int | None = 1,
) -> list[tuple[LoggedQuery, QueryLineage]]:
    """Each logged query beside its lineage (failures carry ``error``, never raise)."""
    logged = list(queries)
    jobs = [
        Query(
            sql=q.sql,
            dialect=q.dialect,
            default_db=q.default_db,
            default_schema=q.default_schema,
            destination=q.destination_table,
        )
        for q in logged
    ]
    results = extract_many(
        jobs, dialect=dialect, schema=schema, timeout=timeout, processes=processes
    )
    return list(zip(logged, results, strict=True))
