"""What the registry hands out: saved versions, list summaries, save plans and results."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from loam.events.diff import Change
from loam.events.model import EventDefinition
from loam.events.versions import Classification


@dataclass(frozen=True)
class EventVersion:
    """One saved, immutable version of an event."""

    name: str
    version: str
    definition: EventDefinition
    classification: str
    changes: list[dict[str, Any]]
    author: str
    message: str
    created_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "classification": self.classification,
            "changes": self.changes,
            "author": self.author,
            "message": self.message,
            "created_at": self.created_at.isoformat(),
            "definition": self.definition.to_data(),
        }


@dataclass(frozen=True)
class EventSummary:
    """What a list of events shows of each."""

    name: str
    version: str
    description: str
    owner: str
    service: str
    status: str
    tier: str
    tags: list[str]
    updated_at: datetime
    updated_by: str

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "updated_at": self.updated_at.isoformat()}


@dataclass(frozen=True)
class SavePlan:
    """What saving a definition would do, without doing it."""

    name: str
    exists: bool
    current: str | None
    version: str | None  # None: the change is refused as it stands (breaking without MODEL)
    classification: Classification
    changes: list[Change]
    needs_model_bump: bool
    refusal: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "exists": self.exists,
            "current_version": self.current,
            "version": self.version,
            "classification": self.classification,
            "needs_model_bump": self.needs_model_bump,
            "refusal": self.refusal,
            "changes": [c.as_dict() for c in self.changes],
        }


@dataclass(frozen=True)
class SaveResult:
    version: EventVersion
    created: bool  # a new event
    changed: bool  # False: identical to the current version, nothing saved
    git: dict[str, Any] | None = field(default=None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "changed": self.changed,
            "git": self.git,
            **self.version.as_dict(),
        }


def version_from(row: Any) -> EventVersion:
    return EventVersion(
        row.name,
        row.version,
        EventDefinition.model_validate(row.definition),
        row.classification,
        list(row.changes),
        row.author,
        row.message,
        _utc(row.created_at),
    )


def summary_from(row: Any) -> EventSummary:
    return EventSummary(
        row.name,
        row.current_version,
        row.description,
        row.owner,
        row.service,
        row.status,
        row.tier,
        list(row.tags or []),
        _utc(row.updated_at),
        row.updated_by,
    )


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
