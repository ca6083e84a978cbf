"""Query-log sources: pure readers that turn logs into ``LoggedQuery`` records.

* ``read_bigquery_jobs``: an export of BigQuery ``INFORMATION_SCHEMA.JOBS``
  (JSON lines or CSV), incremental by creation time.
* ``read_query_log``: a generic JSON-lines query log.
* ``read_dbt_manifest``: compiled SQL per model from a dbt ``manifest.json``,
  plus the owners, column schemas and tags the manifest documents.
"""

from __future__ import annotations

from loam.lineage.sources.base import LoggedQuery, QueryLogBatch, ReadReport, query_hash
from loam.lineage.sources.bigquery_jobs import read_bigquery_jobs
from loam.lineage.sources.dbt import DbtProject, read_dbt_manifest
from loam.lineage.sources.jsonl import read_query_log
from loam.lineage.sources.run import lineage_of

__all__ = [
    "DbtProject",
    "LoggedQuery",
    "QueryLogBatch",
    "ReadReport",
    "lineage_of",
    "query_hash",
    "read_bigquery_jobs",
    "read_dbt_manifest",
    "read_query_log",
]
