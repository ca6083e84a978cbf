"""Checking an event before it is saved: its name, its parameter tree, its parameter names."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from loam.config import EventNamingSettings
from loam.events.duplicates import NameIndex, NearDuplicate
from loam.events.errors import InvalidDefinition, InvalidEventName
from loam.events.model import EventDefinition, Problem, structure_problems
from loam.events.naming import (
    analyse_event_name,
    check_event_name,
    param_problems,
    parse_event_name,
)


@dataclass(frozen=True)
class NameReport:
    """A name checked against the grammar and the registered events."""

    name: str
    problems: list[Problem]
    near_duplicates: list[NearDuplicate] = field(default_factory=list)
    parts: dict[str, str] | None = None
    suggestion: str | None = None

    @property
    def valid(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "valid": self.valid,
            "parts": self.parts,
            "problems": [p.as_detail() for p in self.problems],
            "suggestion": self.suggestion,
            "near_duplicates": [d.as_dict() for d in self.near_duplicates],
        }


def check_name(
    name: str,
    settings: EventNamingSettings,
    index: NameIndex | None = None,
    *,
    exclude: str | None = None,
) -> NameReport:
    problems, suggestion = analyse_event_name(name, settings)
    parsed = parse_event_name(name, settings) if not problems else None
    dups = index.near_duplicates(name, exclude=exclude) if index is not None else []
    parts = (
        {"action": parsed.action, "object": parsed.object, "service": parsed.service}
        if parsed
        else None
    )
    return NameReport(name, problems, dups, parts, suggestion)


def definition_problems(
    definition: EventDefinition, settings: EventNamingSettings
) -> list[Problem]:
    """Everything wrong with a definition, name first, then the parameter tree."""
    return [
        *check_event_name(definition.name, settings),
        *structure_problems(definition.params),
        *param_problems(definition.params, settings),
    ]


def require_valid(definition: EventDefinition, settings: EventNamingSettings) -> None:
    """Raise InvalidEventName or InvalidDefinition listing every problem."""
    problems = definition_problems(definition, settings)
    if not problems:
        return
    details = [p.as_detail() for p in problems]
    first = problems[0]
    hint = f" (suggestion: {first.suggestion})" if first.suggestion else ""
    more = f"; {len(problems) - 1} more problem(s) in details" if len(problems) > 1 else ""
    if first.where.startswith("name"):
        raise InvalidEventName(
            f"event name '{definition.name}': {first.message}{hint}{more}", details=details
        )
    raise InvalidDefinition(f"{first.where}: {first.message}{hint}{more}", details=details)
