"""``/api/lineage/…``: extract, ingest, the graph around a table or column, upstream,
downstream, impact, tags, owners, search and runs. Reads need a viewer token,
writes an editor token."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from loam.api.auth import editor, viewer, workspace
from loam.core import audit
from loam.core.auth import Principal
from loam.lineage.errors import LineageInputError
from loam.lineage.extract import extract as extract_sql
from loam.lineage.ingest import NEEDS_PATH, IngestOptions
from loam.lineage.ingest import ingest as run_ingest
from loam.lineage.runs import RunLog
from loam.lineage.service import MAX_DEPTH, LineageService
from loam.lineage.store import LineageStore
from loam.workspace import Workspace

router = APIRouter()
MAX_CONTENT = 64 * 1024 * 1024

Name = Query(min_length=1, max_length=2000, description="table, or table.column")
Column = Query(None, max_length=1000, description="the column, when `name` is only the table")
Depth = Query(None, ge=1, le=MAX_DEPTH, description="steps to follow (default: all)")


def store(ws: Workspace = Depends(workspace)) -> LineageStore:
    return LineageStore(ws.catalog)


def service(found: LineageStore = Depends(store)) -> LineageService:
    return LineageService(found)


class ExtractRequest(BaseModel):
    sql: str = Field(min_length=1, max_length=1_000_000)
    dialect: str | None = Field(None, description="sqlglot dialect, e.g. bigquery")
    default_db: str | None = None
    default_schema: str | None = None
    schema_: dict[str, list[str]] | None = Field(
        None, alias="schema", description="known columns per table, to expand SELECT *"
    )


class IngestRequest(BaseModel):
    source: Literal["bigquery-jobs", "query-log", "dbt-manifest", "warehouse", "events"]
    content: str | None = Field(
        None,
        max_length=MAX_CONTENT,
        description="the file's text (query log, JOBS export, manifest, event definitions)",
    )
    name: str | None = Field(None, max_length=300)
    since: datetime | None = None
    full: bool = False
    dialect: str | None = None
    default_db: str | None = None
    default_schema: str | None = None
    dataset: str | None = None


class TagRequest(BaseModel):
    name: str = Field(min_length=1, description="table.column")
    tag: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$")


class OwnerRequest(BaseModel):
    table: str = Field(min_length=1)
    owner: str = Field(min_length=1, max_length=300)


@router.get("", summary="Lineage: what the store holds")
def summary(_: Principal = Depends(viewer), found: LineageStore = Depends(store)) -> dict[str, Any]:
    owners = found.owners()
    return {
        "capability": "lineage",
        "built": True,
        "counts": found.counts(),
        "busiest_tables": [
            {"table": t, "edges": n, "owner": owners.get(t)} for t, n in found.busiest_tables()
        ],
    }


@router.post("/extract", summary="Column edges of one SQL text (nothing stored)")
def extract(body: ExtractRequest, _: Principal = Depends(viewer)) -> dict[str, Any]:
    result = extract_sql(
        body.sql,
        dialect=body.dialect,
        default_db=body.default_db,
        default_schema=body.default_schema,
        schema=body.schema_,
    )
    problems = [
        {"statement": index, "problem": s.error}
        for index, s in enumerate(result.statements, start=1)
        if s.error
    ]
    if result.error:
        problems.append({"statement": 0, "problem": result.error})
    if problems and not any(s.ok for s in result.statements):
        raise LineageInputError(
            f"the SQL could not be parsed: {problems[0]['problem']}", details=problems
        )
    return {
        "statement_type": result.statement_type.value,
        "in_tables": list(result.in_tables),
        "out_tables": list(result.out_tables),
        "edges": [
            {
                "downstream": {"table": e.downstream.table, "column": e.downstream.column},
                "upstreams": [{"table": u.table, "column": u.column} for u in e.upstreams],
                "kind": e.kind.value,
                "subkind": e.subkind.value,
                "expression": e.expression,
                "confidence": e.confidence,
            }
            for e in result.edges
        ],
        "errors": problems,
    }


@router.post("/ingest", summary="Read a source into the lineage store (editor)")
def ingest(
    body: IngestRequest,
    who: Principal = Depends(editor),
    ws: Workspace = Depends(workspace),
    found: LineageStore = Depends(store),
) -> dict[str, Any]:
    if body.source in NEEDS_PATH and not body.content:
        raise LineageInputError(f"source {body.source} needs `content`: the file's text")
    options = IngestOptions(
        name=body.name,
        since=body.since,
        full=body.full,
        dialect=body.dialect,
        default_db=body.default_db,
        default_schema=body.default_schema,
        dataset=body.dataset,
        processes=1,
    )
    with tempfile.TemporaryDirectory(prefix="loam-lineage-") as folder:
        path: Path | None = None
        if body.content is not None:
            suffix = ".json" if body.source in ("dbt-manifest", "events") else ".jsonl"
            path = Path(folder) / f"upload{suffix}"
            path.write_text(body.content)
        report = run_ingest(found, body.source, path, options=options, workspace=ws)
    with ws.catalog.begin() as conn:
        audit.record(
            conn,
            who.name,
            "lineage.ingest",
            f"lineage:{report.name}",
            {"run": report.run_id, "edges": report.edges, "source": body.source},
        )
    return report.as_dict()


@router.get("/search", summary="Tables and columns whose name contains q")
def search(
    q: str = Query(min_length=1, max_length=200),
    limit: int = Query(20, ge=1, le=100),
    _: Principal = Depends(viewer),
    found: LineageStore = Depends(store),
) -> dict[str, Any]:
    owners = found.owners()
    return {
        "results": [
            {
                "id": table if column is None else f"{table}.{column}",
                "table": table,
                "column": column,
                "kind": "table" if column is None else "column",
                "owner": owners.get(table),
            }
            for table, column in found.search(q, limit)
        ]
    }


@router.get("/graph", summary="Nodes (grouped by table) and edges around a table or column")
def graph(
    name: str = Name,
    column: str | None = Column,
    depth: int | None = Query(2, ge=1, le=MAX_DEPTH),
    direction: Literal["upstream", "downstream", "both"] = "both",
    _: Principal = Depends(viewer),
    svc: LineageService = Depends(service),
) -> dict[str, Any]:
    return svc.neighbourhood(svc.resolve(name, column), depth, direction)


@router.get("/upstream", summary="Every column a column or table comes from")
def upstream(
    name: str = Name,
    column: str | None = Column,
    depth: int | None = Depth,
    direct_only: bool = False,
    _: Principal = Depends(viewer),
    svc: LineageService = Depends(service),
) -> dict[str, Any]:
    return svc.walk(svc.resolve(name, column), True, depth, direct_only)


@router.get("/downstream", summary="Every column computed from a column or table")
def downstream(
    name: str = Name,
    column: str | None = Column,
    depth: int | None = Depth,
    direct_only: bool = False,
    _: Principal = Depends(viewer),
    svc: LineageService = Depends(service),
) -> dict[str, Any]:
    return svc.walk(svc.resolve(name, column), False, depth, direct_only)


@router.get("/impact", summary="What breaks if a column is dropped or changed")
def impact(
    name: str = Name,
    column: str | None = Column,
    _: Principal = Depends(viewer),
    svc: LineageService = Depends(service),
) -> dict[str, Any]:
    return svc.impact(svc.resolve(name, column))


@router.get("/tags", summary="Tagged columns: set on them or reached through DIRECT edges")
def tags(
    tag: str | None = Query(None, max_length=100),
    _: Principal = Depends(viewer),
    svc: LineageService = Depends(service),
) -> dict[str, Any]:
    return {"columns": svc.tagged(tag)}


@router.put("/tags", summary="Tag a column (editor)")
def set_tag(
    body: TagRequest,
    who: Principal = Depends(editor),
    ws: Workspace = Depends(workspace),
    svc: LineageService = Depends(service),
) -> dict[str, Any]:
    ref = svc.resolve(body.name).ref
    tag = body.tag.lower()
    added = svc.store.tag(ref, tag)
    with ws.catalog.begin() as conn:
        audit.record(conn, who.name, "lineage.tag", f"column:{ref}", {"tag": tag})
    reached = [c["id"] for c in LineageService(svc.store).tagged(tag)]
    return {"column": str(ref), "tag": tag, "added": added, "reaches": reached}


@router.delete("/tags", summary="Remove a tag from a column (editor)")
def remove_tag(
    name: str = Name,
    tag: str = Query(min_length=1, max_length=100),
    who: Principal = Depends(editor),
    ws: Workspace = Depends(workspace),
    svc: LineageService = Depends(service),
) -> dict[str, Any]:
    ref = svc.resolve(name).ref
    removed = svc.store.untag(ref, tag.lower())
    with ws.catalog.begin() as conn:
        audit.record(conn, who.name, "lineage.untag", f"column:{ref}", {"tag": tag})
    return {"column": str(ref), "tag": tag.lower(), "removed": removed}


@router.get("/owners", summary="Table owners")
def owners(_: Principal = Depends(viewer), found: LineageStore = Depends(store)) -> dict[str, Any]:
    return {"owners": [{"table": t, "owner": o} for t, o in sorted(found.owners().items())]}


@router.put("/owners", summary="Set a table's owner (editor)")
def set_owner(
    body: OwnerRequest,
    who: Principal = Depends(editor),
    ws: Workspace = Depends(workspace),
    svc: LineageService = Depends(service),
) -> dict[str, Any]:
    table = svc.resolve_table(body.table)
    svc.store.set_owner(table, body.owner)
    with ws.catalog.begin() as conn:
        audit.record(conn, who.name, "lineage.owner", f"table:{table}", {"owner": body.owner})
    return {"table": table, "owner": body.owner}


@router.get("/runs", summary="The last ingestion runs and their watermarks")
def runs(
    limit: int = Query(20, ge=1, le=200),
    _: Principal = Depends(viewer),
    found: LineageStore = Depends(store),
) -> dict[str, Any]:
    return {"runs": [r.as_dict() for r in RunLog(found.catalog).list(limit)]}
