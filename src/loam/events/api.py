"""HTTP API of the registry, mounted at ``/api/events``: reads need a viewer, writes an editor."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from loam.api.auth import editor, viewer, workspace
from loam.core.audit import history
from loam.core.auth import Principal
from loam.events import registry
from loam.events.diff import classify, describe
from loam.events.errors import InvalidDefinition
from loam.events.files import MEDIA_TYPES, ExportFormat, render
from loam.events.importers import ImportFormat, import_definition, parse_text
from loam.events.model import parse_definition
from loam.events.naming import ENVELOPE_FIELDS
from loam.events.store import EventRegistry
from loam.events.validate import definition_problems
from loam.events.versions import Bump
from loam.workspace import Workspace

router = APIRouter()


class SaveRequest(BaseModel):
    definition: dict[str, Any]
    message: str = ""
    bump: Bump = "auto"
    base_version: str | None = Field(None, description="the version the edit started from")
    allow_similar: bool = Field(False, description="save even if the name is a near-duplicate")


class ValidateRequest(BaseModel):
    definition: dict[str, Any]
    bump: Bump = "auto"


class NameRequest(BaseModel):
    name: str
    exclude: str | None = Field(None, description="an event to leave out (the one being edited)")


class PreviewRequest(BaseModel):
    definition: dict[str, Any]
    version: str = "1-0-0"


class ImportRequest(BaseModel):
    content: str | dict[str, Any]
    format: ImportFormat = "auto"
    name: str | None = None
    owner: str | None = None
    service: str | None = None
    description: str | None = None
    status: str | None = None
    message: str = ""
    bump: Bump = "auto"
    allow_similar: bool = False


class SyncRequest(BaseModel):
    names: list[str] | None = None
    message: str = ""


def _registry(ws: Workspace = Depends(workspace)) -> EventRegistry:
    return registry(ws)


@router.get("", summary="List or search events")
def list_events(
    q: str = "",
    team: str | None = None,
    service: str | None = None,
    status: str | None = None,
    tag: str | None = None,
    param: str | None = Query(None, description="only events using this parameter"),
    limit: int = Query(50, ge=1, le=1000),
    offset: int = Query(0, ge=0),
    reg: EventRegistry = Depends(_registry),
    _: Principal = Depends(viewer),
) -> dict[str, Any]:
    hits = reg.search(
        q,
        limit=limit,
        offset=offset,
        team=team,
        service=service,
        status=status,
        tag=tag,
        param=param,
    )
    return {"query": q, "count": len(hits), "events": [h.as_dict() for h in hits]}


@router.get("/grammar", summary="The workspace's naming grammar")
def grammar(ws: Workspace = Depends(workspace), _: Principal = Depends(viewer)) -> dict[str, Any]:
    naming = ws.settings.events.naming.model_dump()
    return {
        **naming,
        "pattern": ["action", "object", "service"],
        "envelope_fields": [*ENVELOPE_FIELDS, *naming["reserved_params"]],
    }


@router.get("/facets", summary="Teams, services, statuses and tags with their event counts")
def facets(
    q: str = Query("", description="count only the events this search finds"),
    team: str | None = None,
    service: str | None = None,
    status: str | None = None,
    tag: str | None = None,
    reg: EventRegistry = Depends(_registry),
    _: Principal = Depends(viewer),
) -> dict[str, Any]:
    """Counts per value over the events matching ``q`` and the other filters.

    Each facet ignores its own filter (choosing team ``ads`` still shows how many events
    the other teams have); ``total`` counts the events matching everything.
    """
    hits = [h.summary for h in reg.search(q, limit=_ALL)]
    chosen = {"teams": team, "services": service, "statuses": status, "tags": tag}
    out: dict[str, Any] = {}
    for key in chosen:
        counts: dict[str, int] = {}
        for e in hits:
            if not _facet_match(e, chosen, skip=key):
                continue
            for v in _facet_values(e, key):
                counts[v] = counts.get(v, 0) + 1
        out[key] = dict(sorted(counts.items()))
    out["total"] = sum(1 for e in hits if _facet_match(e, chosen))
    return out


_ALL = 10_000_000
_FACET_FIELDS = {"teams": "owner", "services": "service", "statuses": "status", "tags": "tags"}


def _facet_values(summary: dict[str, Any], key: str) -> list[str]:
    value = summary.get(_FACET_FIELDS[key])
    values = value if isinstance(value, list) else [value]
    return [v for v in values if v]


def _facet_match(summary: dict[str, Any], chosen: dict[str, str | None], skip: str = "") -> bool:
    return all(
        not wanted or wanted in _facet_values(summary, key)
        for key, wanted in chosen.items()
        if key != skip
    )


@router.get("/parameters/{param}", summary="Which events use a parameter")
def events_with_param(
    param: str, reg: EventRegistry = Depends(_registry), _: Principal = Depends(viewer)
) -> dict[str, Any]:
    return {"param": param, "events": reg.events_with_param(param)}


@router.get("/validate/name", summary="Check a name while it is typed")
def check_name_get(
    name: str,
    exclude: str | None = None,
    reg: EventRegistry = Depends(_registry),
    _: Principal = Depends(viewer),
) -> dict[str, Any]:
    return reg.check_name(name, exclude=exclude).as_dict()


@router.post("/validate/name", summary="Check a name against the grammar and existing events")
def check_name_post(
    body: NameRequest, reg: EventRegistry = Depends(_registry), _: Principal = Depends(viewer)
) -> dict[str, Any]:
    return reg.check_name(body.name, exclude=body.exclude).as_dict()


@router.post("/validate", summary="Check a definition and preview the version a save would get")
def validate(
    body: ValidateRequest, reg: EventRegistry = Depends(_registry), _: Principal = Depends(viewer)
) -> dict[str, Any]:
    try:
        definition = parse_definition(body.definition)
    except InvalidDefinition as exc:
        return {"valid": False, "problems": exc.details, "name": None, "plan": None}
    problems = [p.as_detail() for p in definition_problems(definition, reg.settings.naming)]
    exists = definition.name in reg.names()
    name = reg.check_name(definition.name, exclude=definition.name if exists else None)
    plan = reg.plan(definition, body.bump).as_dict() if not problems else None
    return {"valid": not problems, "problems": problems, "name": name.as_dict(), "plan": plan}


@router.post("/preview/{fmt}", summary="An export of an unsaved definition (live preview)")
def preview(
    fmt: ExportFormat,
    body: PreviewRequest,
    ws: Workspace = Depends(workspace),
    _: Principal = Depends(viewer),
) -> Response:
    definition = parse_definition(body.definition)
    text = render(definition, body.version, fmt, policy_tag=ws.settings.events.bigquery_policy_tag)
    return Response(text, media_type=MEDIA_TYPES[fmt])


@router.post("", status_code=201, summary="Register a new event (version 1-0-0)")
def create_event(
    body: SaveRequest, reg: EventRegistry = Depends(_registry), who: Principal = Depends(editor)
) -> dict[str, Any]:
    result = reg.save(
        body.definition,
        author=who.name,
        message=body.message,
        allow_similar=body.allow_similar,
        create_only=True,
    )
    return result.as_dict()


@router.post("/import", summary="Import a Spark StructType or JSON Schema file as an event")
def import_event(
    body: ImportRequest, reg: EventRegistry = Depends(_registry), who: Principal = Depends(editor)
) -> dict[str, Any]:
    data = parse_text(body.content) if isinstance(body.content, str) else body.content
    overrides = {
        "owner": body.owner,
        "service": body.service,
        "description": body.description,
        "status": body.status,
    }
    definition = import_definition(data, fmt=body.format, name=body.name, overrides=overrides)
    result = reg.save(
        definition,
        author=who.name,
        message=body.message or "imported",
        bump=body.bump,
        allow_similar=body.allow_similar,
        action="import",
    )
    return result.as_dict()


@router.post("/sync", summary="Write the generated files to the Git working copy and push")
def sync(
    body: SyncRequest, reg: EventRegistry = Depends(_registry), who: Principal = Depends(editor)
) -> dict[str, Any]:
    return reg.sync(author=who.name, message=body.message, names=body.names).as_dict()


@router.get("/{name}", summary="An event's current version and its history")
def get_event(
    name: str, reg: EventRegistry = Depends(_registry), _: Principal = Depends(viewer)
) -> dict[str, Any]:
    current = reg.get(name)
    versions = reg.versions(name)
    return {**current.as_dict(), "versions": [_brief(v.as_dict()) for v in versions]}


@router.put("/{name}", summary="Save a change as a new version")
def edit_event(
    name: str,
    body: SaveRequest,
    reg: EventRegistry = Depends(_registry),
    who: Principal = Depends(editor),
) -> dict[str, Any]:
    definition = {**body.definition}
    given = definition.setdefault("name", name)
    if given != name:
        raise InvalidDefinition(
            f"the definition is named '{given}' but the URL names '{name}': events cannot be "
            "renamed; register the new name as a new event",
            details=[{"where": "definition.name", "problem": "differs from the URL"}],
        )
    reg.get(name)  # 404 before anything else
    result = reg.save(
        definition,
        author=who.name,
        message=body.message,
        bump=body.bump,
        base_version=body.base_version,
    )
    return result.as_dict()


@router.get("/{name}/versions", summary="Every version of an event, oldest first")
def versions(
    name: str, reg: EventRegistry = Depends(_registry), _: Principal = Depends(viewer)
) -> list[dict[str, Any]]:
    return [v.as_dict() for v in reg.versions(name)]


@router.get("/{name}/versions/{version}", summary="One version of an event")
def version(
    name: str, version: str, reg: EventRegistry = Depends(_registry), _: Principal = Depends(viewer)
) -> dict[str, Any]:
    return reg.get(name, version).as_dict()


@router.get("/{name}/diff", summary="What changed between two versions")
def diff(
    name: str,
    from_: str = Query(..., alias="from"),
    to: str | None = Query(None, description="default: the current version"),
    reg: EventRegistry = Depends(_registry),
    _: Principal = Depends(viewer),
) -> dict[str, Any]:
    changes = reg.diff(name, from_, to)
    return {
        "name": name,
        "from": from_,
        "to": to or reg.get(name).version,
        "classification": classify(changes),
        "text": describe(changes),
        "changes": [c.as_dict() for c in changes],
    }


@router.get("/{name}/export/{fmt}", summary="A version as Spark, BigQuery, JSON Schema or YAML")
def export(
    name: str,
    fmt: ExportFormat,
    version: str | None = None,
    download: bool = False,
    reg: EventRegistry = Depends(_registry),
    _: Principal = Depends(viewer),
) -> Response:
    found = reg.get(name, version)
    text = render(found.definition, found.version, fmt, policy_tag=reg.settings.bigquery_policy_tag)
    headers = {}
    if download:
        ext = "yaml" if fmt == "yaml" else "json"
        headers["Content-Disposition"] = (
            f'attachment; filename="{name}-{found.version}-{fmt}.{ext}"'
        )
    return Response(text, media_type=MEDIA_TYPES[fmt], headers=headers)


@router.get("/{name}/history", summary="Who changed the event, when, and what")
def audit_history(
    name: str,
    ws: Workspace = Depends(workspace),
    reg: EventRegistry = Depends(_registry),
    _: Principal = Depends(viewer),
) -> list[dict[str, Any]]:
    reg.get(name)
    with ws.catalog.begin() as conn:
        entries = history(conn, target=f"event:{name}")
    return [
        {"at": e.at.isoformat(), "actor": e.actor, "action": e.action, "detail": e.detail}
        for e in entries
    ]


def _brief(v: dict[str, Any]) -> dict[str, Any]:
    return {k: v[k] for k in ("version", "classification", "author", "message", "created_at")}
