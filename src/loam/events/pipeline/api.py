"""``/api/events/stats``, quarantine and write keys: the pipeline's part of the events API."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.convertors import StringConvertor, register_url_convertor

from loam.api.auth import admin, editor, viewer
from loam.events.pipeline.loader import QUARANTINE_TABLE, q
from loam.events.pipeline.runtime import runtime_of
from loam.events.pipeline.volume import MAX_DAYS, event_volume


class _EventNameConvertor(StringConvertor):
    """One path segment that is not one of the registry's fixed first segments.

    This router is mounted before the registry's, so ``/{name}/volume`` would otherwise
    shadow ``GET /parameters/{param}`` for a parameter called ``volume``.
    """

    regex = "(?!(?:parameters|validate|preview)/)[^/]+"


register_url_convertor("loam_event_name", _EventNameConvertor())

router = APIRouter()


@router.get("/stats", summary="Pipeline stats: accepted, quarantined, duplicates, lag, loaded")
async def stats(request: Request, _: object = Depends(viewer)) -> dict[str, Any]:
    from loam.events.pipeline.stats import pipeline_stats

    return await run_in_threadpool(pipeline_stats, runtime_of(request.app))


@router.get(
    "/{name:loam_event_name}/volume",
    summary="One event's daily volume: loaded, quarantined (top reasons), duplicates",
)
def volume(
    request: Request,
    name: str,
    days: int = Query(14, ge=1, le=MAX_DAYS, description="How many UTC days, ending today"),
    _: object = Depends(viewer),
) -> dict[str, Any]:
    return event_volume(runtime_of(request.app), name, days)


@router.get("/quarantine", summary="Quarantined events, newest first")
def quarantine(
    request: Request,
    event_name: str | None = None,
    rule: str | None = None,
    limit: int = 100,
    _: object = Depends(viewer),
) -> dict[str, Any]:
    from loam.events.pipeline.quarantine import quarantine_exists

    runtime = runtime_of(request.app)
    if not quarantine_exists(runtime):
        return {"records": []}
    sql = (
        "SELECT received_at, source, rule, path, message, event_name, event_id, schema_version, "
        f"raw, replayed_at FROM {q(QUARANTINE_TABLE)} WHERE true"
    )
    params: list[Any] = []
    if event_name:
        sql += " AND event_name = ?"
        params.append(event_name)
    if rule:
        sql += " AND rule = ?"
        params.append(rule)
    sql += f" ORDER BY received_at DESC LIMIT {max(1, min(limit, 1000))}"
    rows = runtime.workspace.warehouse.query(sql, params).to_pylist()
    return {"records": rows}


@router.post("/quarantine/replay", summary="Replay quarantined events after a schema fix")
def replay(
    request: Request, event_name: str | None = None, _: object = Depends(editor)
) -> dict[str, Any]:
    from loam.events.pipeline.quarantine import replay as run_replay

    r = run_replay(runtime_of(request.app), event_name)
    return {
        "considered": r.considered,
        "replayed": r.replayed,
        "still_invalid": r.still_invalid,
        "problems": r.problems,
    }


@router.post("/keys", summary="Make a write key for a source (shown once)")
def create_key(
    request: Request, body: dict[str, str], _: object = Depends(admin)
) -> dict[str, str]:
    source = body.get("source", "")
    return {"source": source, "write_key": runtime_of(request.app).keys.create(source)}


@router.get("/keys", summary="Write keys (never their secrets)")
def list_keys(request: Request, _: object = Depends(admin)) -> list[dict[str, Any]]:
    return [
        {
            "id": k.id,
            "source": k.source,
            "prefix": k.prefix,
            "created_at": k.created_at,
            "revoked": k.revoked,
        }
        for k in runtime_of(request.app).keys.list()
    ]
