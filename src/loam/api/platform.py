"""Platform endpoints: health, who am I, API tokens, capability list."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from loam import __version__
from loam.api.auth import admin, viewer, workspace
from loam.capabilities import CAPABILITIES
from loam.core import audit
from loam.core.auth import Principal, Role
from loam.workspace import Workspace

router = APIRouter(prefix="/api")


class ComponentHealth(BaseModel):
    component: str
    backend: str
    ok: bool
    detail: str
    fix: str


class HealthReport(BaseModel):
    status: Literal["ok", "degraded"]
    version: str
    components: list[ComponentHealth]


class Me(BaseModel):
    name: str
    role: str


class TokenRequest(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    role: Literal["viewer", "editor", "admin"] = "viewer"


class TokenCreated(BaseModel):
    id: int
    name: str
    role: str
    token: str = Field(description="shown once; only its hash is kept")


class TokenView(BaseModel):
    id: int
    name: str
    role: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


class CapabilityView(BaseModel):
    name: str
    title: str
    summary: str
    built: bool


@router.get("/health", response_model=HealthReport, tags=["platform"])
def health(ws: Workspace = Depends(workspace)) -> HealthReport:
    checks = ws.health()
    return HealthReport(
        status="ok" if all(c.ok for c in checks) else "degraded",
        version=__version__,
        components=[ComponentHealth(**c.as_dict()) for c in checks],
    )


@router.get("/auth/me", response_model=Me, tags=["platform"])
def me(who: Principal = Depends(viewer)) -> Me:
    return Me(name=who.name, role=who.role.name)


@router.get("/capabilities", response_model=list[CapabilityView], tags=["platform"])
def capabilities(_: Principal = Depends(viewer)) -> list[CapabilityView]:
    return [
        CapabilityView(
            name=c.name, title=c.title, summary=c.summary, built=c.module("api") is not None
        )
        for c in CAPABILITIES
    ]


@router.get("/auth/tokens", response_model=list[TokenView], tags=["platform"])
def list_tokens(
    _: Principal = Depends(admin), ws: Workspace = Depends(workspace)
) -> list[TokenView]:
    return [
        TokenView(
            id=t.id,
            name=t.name,
            role=t.role.name,
            prefix=t.prefix,
            created_at=t.created_at,
            last_used_at=t.last_used_at,
            revoked=t.revoked,
        )
        for t in ws.tokens.list()
    ]


@router.post("/auth/tokens", response_model=TokenCreated, status_code=201, tags=["platform"])
def create_token(
    body: TokenRequest, who: Principal = Depends(admin), ws: Workspace = Depends(workspace)
) -> TokenCreated:
    token = ws.tokens.create(body.name, Role[body.role])
    created = next(t for t in reversed(ws.tokens.list()) if t.name == body.name)
    with ws.catalog.begin() as conn:
        audit.record(
            conn,
            who.name,
            "token.create",
            f"token:{created.id}",
            {"name": body.name, "role": body.role},
        )
    return TokenCreated(id=created.id, name=body.name, role=body.role, token=token)


@router.delete("/auth/tokens/{token_id}", status_code=204, tags=["platform"])
def revoke_token(
    token_id: int, who: Principal = Depends(admin), ws: Workspace = Depends(workspace)
) -> None:
    ws.tokens.revoke(token_id)
    with ws.catalog.begin() as conn:
        audit.record(conn, who.name, "token.revoke", f"token:{token_id}")
