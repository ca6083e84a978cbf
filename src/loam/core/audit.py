"""The audit log: who changed what, and when. Append-only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from loam.core.catalog.tables import audit_log


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    target: str
    detail: dict[str, Any]


def record(
    conn: Connection, actor: str, action: str, target: str, detail: dict[str, Any] | None = None
) -> None:
    """Append one entry inside the caller's transaction, so the change and its record commit together."""
    conn.execute(
        audit_log.insert().values(
            at=datetime.now(UTC), actor=actor, action=action, target=target, detail=detail or {}
        )
    )


def history(conn: Connection, target: str | None = None, limit: int = 100) -> list[AuditEntry]:
    q = sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if target is not None:
        q = q.where(audit_log.c.target == target)
    return [AuditEntry(r.id, r.at, r.actor, r.action, r.target, r.detail) for r in conn.execute(q)]
