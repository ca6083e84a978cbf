"""Columns that exist before any query reads them: the workspace warehouse's tables
and the Event Center's event schemas, as lineage nodes.

Event schemas: the pipeline loads event ``X`` into warehouse table ``X`` (optionally
under a dataset prefix), each parameter a column and each nested object a STRUCT
column, so parameter ``device.os`` is column ``device.os`` of table ``X`` and an
array of objects ``items[].price`` is ``items.price`` (how UNNEST reads it). Each
parameter is also a node of ``event:X`` with a DIRECT identity edge into its
column, so lineage starts at the event parameter; PII parameters are tagged ``pii``.

The adapter reads anything shaped like the Event Center's definitions (``name``,
``owner``, ``params`` of ``name``/``type``/``pii``/``params``/``items``): objects
from ``loam.events`` or plain dicts from a JSON file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from loam.lineage.errors import LineageInputError, QueryLogError

EVENT_PREFIX = "event:"
DEFAULT_ENVELOPE = ("event_id", "event_name", "event_timestamp", "user_id", "session_id")


class ItemLike(Protocol):
    type: Any
    params: Any
    items: Any


class ParameterLike(ItemLike, Protocol):
    name: str
    pii: bool


class EventSchemaLike(Protocol):
    name: str
    owner: str
    params: Sequence[Any]


@dataclass(frozen=True, slots=True)
class EventColumn:
    path: str
    type: str
    pii: bool


@dataclass(slots=True)
class EventTable:
    event: str
    table: str
    owner: str | None
    columns: list[EventColumn] = field(default_factory=list)

    @property
    def event_node(self) -> str:
        return EVENT_PREFIX + self.event


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _walk(params: Iterable[Any] | None, prefix: str, inherited_pii: bool) -> Iterator[EventColumn]:
    for param in params or ():
        name = str(_get(param, "name"))
        path = f"{prefix}{name}"
        kind = str(_get(param, "type", "") or "")
        pii = bool(_get(param, "pii", False)) or inherited_pii
        yield EventColumn(path, kind, pii)
        nested = _get(param, "params")
        if nested:
            yield from _walk(nested, path + ".", pii)
        item = _get(param, "items")
        while item is not None:  # arrays of arrays of objects: UNNEST reads the leaf fields
            if _get(item, "params"):
                yield from _walk(_get(item, "params"), path + ".", pii)
                break
            item = _get(item, "items")


def event_tables(
    definitions: Iterable[Any],
    dataset: str | None = None,
    envelope: Sequence[str] = DEFAULT_ENVELOPE,
) -> list[EventTable]:
    """The warehouse table and columns each event definition lands in."""
    tables = []
    for definition in definitions:
        name = str(_get(definition, "name") or "")
        if not name:
            raise LineageInputError("an event definition has no 'name'")
        table = f"{dataset}.{name}" if dataset else name
        owner = str(_get(definition, "owner") or "") or None
        found = EventTable(name, table, owner)
        found.columns.extend(EventColumn(f, "envelope", False) for f in envelope)
        found.columns.extend(_walk(_get(definition, "params"), "", False))
        tables.append(found)
    return tables


def read_event_definitions(path: str | Path) -> list[dict[str, Any]]:
    """Event definitions from a JSON file (one object, a list, or ``{"events": [...]}``) or
    from every ``*.json`` file of a folder."""
    path = Path(path)
    if not path.exists():
        raise QueryLogError(f"event definitions {path} do not exist")
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    found: list[dict[str, Any]] = []
    for file in files:
        try:
            data = json.loads(file.read_text())
        except json.JSONDecodeError as error:
            raise QueryLogError(f"{file}: not valid JSON: {error.msg}") from error
        if isinstance(data, dict) and isinstance(data.get("events"), list):
            data = data["events"]
        items = data if isinstance(data, list) else [data]
        for number, item in enumerate(items, start=1):
            if not isinstance(item, dict) or "name" not in item:
                raise QueryLogError(f"{file}: event #{number} is not an object with a 'name'")
            found.append(item)
    return found


def registry_definitions(workspace: Any) -> list[Any]:
    """The current version of every event in the workspace's Event Center."""
    try:
        import loam.events as events
    except ImportError as error:
        raise LineageInputError(
            "the Event Center (loam.events) is not part of this build: pass a JSON file of "
            "event definitions instead"
        ) from error
    registry = events.registry(workspace)
    return [version.definition for version in registry.current_versions()]


def registry_envelope() -> tuple[str, ...]:
    try:
        from loam.events import ENVELOPE_FIELDS
    except ImportError:
        return DEFAULT_ENVELOPE
    return tuple(ENVELOPE_FIELDS)


_STRUCT_RE = re.compile(r"^STRUCT\((?P<body>.*)\)$", re.IGNORECASE | re.DOTALL)


def _split_fields(body: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for index, char in enumerate(body):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(body[start:index])
            start = index + 1
    parts.append(body[start:])
    return [p.strip() for p in parts if p.strip()]


def struct_fields(type_text: str, prefix: str) -> Iterator[tuple[str, str]]:
    """Nested fields of a DuckDB STRUCT type (also inside a list ``STRUCT(...)[]``).

    >>> list(struct_fields("STRUCT(os VARCHAR, app STRUCT(v INTEGER))[]", "device"))
    [('device.os', 'VARCHAR'), ('device.app', 'STRUCT(v INTEGER)'), ('device.app.v', 'INTEGER')]
    """
    text = type_text.strip()
    while text.endswith("[]"):
        text = text[:-2].strip()
    match = _STRUCT_RE.match(text)
    if not match:
        return
    for part in _split_fields(match.group("body")):
        name, _, field_type = part.partition(" ")
        name = name.strip('"')
        yield f"{prefix}.{name}", field_type.strip()
        yield from struct_fields(field_type, f"{prefix}.{name}")
