"""dbt ``manifest.json``: compiled SQL per model, its relation, owners, columns and tags.

Each model (and snapshot) with compiled code becomes one ``LoggedQuery`` whose
``destination_table`` is the model's relation, so the model's SELECT lands in
that table. Ephemeral models have no relation and are skipped: dbt inlines them
into the models that use them. Run ``dbt compile`` (or any build) first, so the
manifest holds ``compiled_code``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loam.lineage.errors import QueryLogError
from loam.lineage.sources.base import LoggedQuery, ReadReport

SOURCE = "dbt"
_ADAPTER_DIALECTS = {
    "databricks": "databricks",
    "spark": "spark",
    "sqlserver": "tsql",
    "fabric": "tsql",
}


@dataclass(slots=True)
class DbtProject:
    queries: list[LoggedQuery]
    schema: dict[str, list[str]] = field(default_factory=dict)
    """Documented columns per relation (models and sources)."""
    owners: dict[str, str] = field(default_factory=dict)
    """Relation -> owner, from ``meta.owner`` (or ``config.meta.owner``)."""
    tags: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    """(relation, column) -> tags, from column ``tags`` and ``meta.pii``."""
    report: ReadReport = field(default_factory=ReadReport)
    dialect: str | None = None


def relation_of(node: dict[str, Any]) -> str | None:
    relation = node.get("relation_name")
    if relation:
        return str(relation).replace('"', "").replace("`", "")
    parts = [node.get("database"), node.get("schema"), node.get("alias") or node.get("name")]
    return ".".join(str(p) for p in parts if p) or None


def _owner(node: dict[str, Any]) -> str | None:
    for meta in (node.get("meta") or {}, (node.get("config") or {}).get("meta") or {}):
        if meta.get("owner"):
            return str(meta["owner"])
    return None


def read_dbt_manifest(path: str | Path) -> DbtProject:
    path = Path(path)
    if not path.exists():
        raise QueryLogError(f"dbt manifest {path} does not exist")
    try:
        manifest = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise QueryLogError(f"{path}: not valid JSON: {error.msg}") from error
    if not isinstance(manifest, dict) or "nodes" not in manifest:
        raise QueryLogError(f"{path}: not a dbt manifest (no 'nodes')")
    adapter = str((manifest.get("metadata") or {}).get("adapter_type") or "") or None
    dialect = _ADAPTER_DIALECTS.get(adapter or "", adapter)
    project = DbtProject(queries=[], dialect=dialect)
    nodes = {**manifest.get("sources", {}), **manifest["nodes"]}
    for unique_id, node in nodes.items():
        kind = node.get("resource_type")
        if kind not in ("model", "snapshot", "source", "seed"):
            continue
        is_query = kind in ("model", "snapshot")
        if is_query:
            project.report.read += 1
            if (node.get("config") or {}).get("materialized") == "ephemeral":
                project.report.skip("ephemeral")  # inlined into its users' SQL
                continue
        relation = relation_of(node)
        if relation is None:
            if is_query:
                project.report.skip("no relation")
            continue
        columns = node.get("columns") or {}
        if columns:
            project.schema[relation] = [c.get("name") or name for name, c in columns.items()]
        for name, column in columns.items():
            tags = set(column.get("tags") or [])
            if (column.get("meta") or {}).get("pii"):
                tags.add("pii")
            if tags:
                project.tags[(relation, column.get("name") or name)] = tags
        owner = _owner(node)
        if owner:
            project.owners[relation] = owner
        if not is_query:
            continue
        materialized = (node.get("config") or {}).get("materialized")
        sql = node.get("compiled_code") or node.get("compiled_sql")
        if not sql:
            project.report.skip("not compiled")
            continue
        project.queries.append(
            LoggedQuery(
                query_id=unique_id,
                sql=sql,
                source=SOURCE,
                dialect=dialect,
                destination_table=relation,
                statement_type=str(materialized or "model").upper(),
            )
        )
    project.report.kept = len(project.queries)
    return project
