"""Request authentication: ``Authorization: Bearer <token>`` and role checks."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends, Request

from loam.core.auth import Principal, Role
from loam.core.errors import PermissionDenied, Unauthenticated
from loam.workspace import Workspace


def workspace(request: Request) -> Workspace:
    ws: Workspace = request.app.state.workspace
    return ws


def principal(request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated(
            "missing API token: send 'Authorization: Bearer <token>' "
            "(`loam token create NAME --role viewer` makes one)"
        )
    ws = workspace(request)
    admin = ws.settings.auth.admin_token
    if admin is not None and token.strip() == admin.get_secret_value():
        return Principal("bootstrap-admin", Role.admin)
    found = ws.tokens.verify(token.strip())
    if found is None:
        raise Unauthenticated("unknown or revoked API token")
    return found


def require(role: Role) -> Callable[..., Principal]:
    """A dependency that lets the request through only with at least ``role``."""

    def check(who: Principal = Depends(principal)) -> Principal:
        if not who.can(role):
            raise PermissionDenied(
                f"'{who.name}' is a {who.role.name}; this needs the {role.name} role"
            )
        return who

    return check


viewer = require(Role.viewer)
editor = require(Role.editor)
admin = require(Role.admin)
