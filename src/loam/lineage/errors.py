"""Errors of the lineage capability.

    LoamError
    └── LineageError                 base of everything lineage raises on purpose
        ├── LineageInputError        a query, schema or option is malformed   (terminal)
        ├── QueryLogError            a query-log file cannot be read          (terminal)
        └── LineageNotFound          a table or column is not in the graph    (terminal)

Extraction itself never raises for bad SQL: a statement that cannot be parsed
comes back with ``error`` set, so one bad query never stops a batch.
"""

from __future__ import annotations

from loam.core.errors import LoamError


class LineageError(LoamError):
    code = "lineage_error"
    status = 500


class LineageInputError(LineageError):
    code = "lineage_invalid_input"
    status = 422


class QueryLogError(LineageError):
    code = "query_log_error"
    status = 422


class LineageNotFound(LineageError):
    code = "lineage_not_found"
    status = 404
