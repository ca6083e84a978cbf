"""Writing a version: the rows, the denormalised summary and the audit entry, in one transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from loam.core.audit import record
from loam.events.diff import Change, classify, diff_definitions
from loam.events.errors import StaleVersion
from loam.events.model import EventDefinition
from loam.events.records import EventVersion, SaveResult
from loam.events.tables import event_definitions as defs
from loam.events.tables import event_versions as vers
from loam.events.versions import FIRST_VERSION, Bump, SchemaVer, next_version


def insert_new_event(
    conn: Connection,
    definition: EventDefinition,
    author: str,
    message: str,
    now: datetime,
    action: str,
) -> SaveResult:
    row = summary_values(definition) | {
        "name": definition.name,
        "current_version": str(FIRST_VERSION),
        "created_at": now,
        "created_by": author,
        "updated_at": now,
        "updated_by": author,
    }
    inserted = conn.execute(defs.insert().values(**row)).inserted_primary_key
    event_id = int(inserted[0]) if inserted else _event_id(conn, definition.name)
    version = _insert_version(
        conn, event_id, definition, FIRST_VERSION, "additive", [], author, message, now
    )
    record(
        conn,
        author,
        f"events.{'import' if action == 'import' else 'create'}",
        f"event:{definition.name}",
        {"version": version.version, "message": message},
    )
    return SaveResult(version, created=True, changed=True)


def insert_next_version(
    conn: Connection,
    current: EventVersion,
    definition: EventDefinition,
    author: str,
    message: str,
    bump: Bump,
    base_version: str | None,
    now: datetime,
    action: str,
) -> SaveResult:
    if base_version is not None and base_version != current.version:
        raise StaleVersion(
            f"event '{definition.name}' is at version {current.version}, not {base_version}: "
            "someone saved a newer version; reload it, re-apply your change and save again",
            details=[{"where": "base_version", "problem": f"current is {current.version}"}],
        )
    changes = diff_definitions(current.definition, definition)
    cls = classify(changes)
    if cls == "none" and bump == "auto":
        return SaveResult(current, created=False, changed=False)
    number = next_version(
        SchemaVer.parse(current.version), cls, bump, breaking=breaking_text(changes)
    )
    version = _insert_version(
        conn,
        _event_id(conn, definition.name),
        definition,
        number,
        cls,
        changes,
        author,
        message,
        now,
    )
    conn.execute(
        defs.update()
        .where(defs.c.name == definition.name)
        .values(
            current_version=str(number),
            updated_at=now,
            updated_by=author,
            **summary_values(definition),
        )
    )
    record(
        conn,
        author,
        f"events.{'import' if action == 'import' else 'edit'}",
        f"event:{definition.name}",
        {
            "from": current.version,
            "version": str(number),
            "classification": cls,
            "message": message,
            "changes": [c.message for c in changes],
        },
    )
    return SaveResult(version, created=False, changed=True)


def _insert_version(
    conn: Connection,
    event_id: int,
    definition: EventDefinition,
    number: SchemaVer,
    cls: str,
    changes: list[Change],
    author: str,
    message: str,
    now: datetime,
) -> EventVersion:
    data = definition.to_data()
    change_data = [c.as_dict() for c in changes]
    conn.execute(
        vers.insert().values(
            event_id=event_id,
            version=str(number),
            model=number.model,
            revision=number.revision,
            addition=number.addition,
            definition=data,
            classification=cls,
            changes=change_data,
            author=author,
            message=message,
            created_at=now,
        )
    )
    return EventVersion(
        definition.name, str(number), definition, cls, change_data, author, message, now
    )


def _event_id(conn: Connection, name: str) -> int:
    return int(conn.execute(sa.select(defs.c.id).where(defs.c.name == name)).scalar_one())


def breaking_text(changes: list[Change]) -> str:
    return "; ".join(c.message for c in changes if c.impact == "breaking")


def summary_values(d: EventDefinition) -> dict[str, Any]:
    return {
        "description": d.description,
        "owner": d.owner,
        "service": d.service,
        "status": d.status,
        "tier": d.tier,
        "tags": list(d.tags),
    }
