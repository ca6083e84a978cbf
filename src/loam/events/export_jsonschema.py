"""JSON Schema 2020-12 for an event's parameters: what the collector validates ``params`` with.

Optional parameters may be left out; none may be null; no parameter outside
the schema is accepted (``additionalProperties: false`` at every level).
Timestamps are strings in ``date-time`` format, dates in ``date`` format. The
event's own fields ride in ``x-loam-event`` and PII flags in ``x-pii``
(unknown keywords are annotations in 2020-12), so an export imports back
unchanged.

>>> from loam.events.model import EventDefinition, Parameter
>>> d = EventDefinition(name="view_item_home", params=[Parameter(name="n", type="integer")])
>>> to_jsonschema(d, "1-0-0")["properties"]
{'n': {'type': 'integer'}}
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from loam.events.errors import ImportFailed
from loam.events.model import Constraints, EventDefinition, ItemSpec, Parameter, TypeNode

DIALECT = "https://json-schema.org/draft/2020-12/schema"
_SCALARS = {"string": "string", "integer": "integer", "float": "number", "boolean": "boolean"}
_FORMATS = {"timestamp": "date-time", "date": "date"}
_KEYWORDS = {
    "minimum": "minimum",
    "maximum": "maximum",
    "min_length": "minLength",
    "max_length": "maxLength",
    "pattern": "pattern",
    "min_items": "minItems",
    "max_items": "maxItems",
}


def schema_id(name: str, version: str) -> str:
    return f"urn:loam:event:{name}:{version}"


def to_jsonschema(definition: EventDefinition, version: str = "1-0-0") -> dict[str, Any]:
    meta = definition.to_data()
    for key in ("name", "description", "params"):
        meta.pop(key, None)
    out: dict[str, Any] = {
        "$schema": DIALECT,
        "$id": schema_id(definition.name, version),
        "title": definition.name,
    }
    if definition.description:
        out["description"] = definition.description
    out["x-loam-event"] = {"version": version, **meta}
    out.update(_object(definition.params))
    return out


def to_jsonschema_json(definition: EventDefinition, version: str = "1-0-0") -> str:
    return json.dumps(to_jsonschema(definition, version), indent=2, ensure_ascii=False)


def _object(params: list[Parameter]) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": {p.name: _param(p) for p in params}}
    required = [p.name for p in params if p.required]
    if required:
        out["required"] = required
    out["additionalProperties"] = False
    return out


def _param(p: Parameter) -> dict[str, Any]:
    out = _node(p)
    if p.examples:
        out["examples"] = list(p.examples)
    if p.pii:
        out["x-pii"] = True
    return out


def _node(node: TypeNode) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if node.type in _SCALARS:
        out["type"] = _SCALARS[node.type]
    elif node.type in _FORMATS:
        out.update(type="string", format=_FORMATS[node.type])
    elif node.type == "enum":
        out.update(type="string", enum=list(node.values or []))
    elif node.type == "array":
        assert node.items is not None
        out.update(type="array", items=_node(node.items))
    else:
        out.update(_object(node.params or []))
    if node.description:
        out["description"] = node.description
    for key, keyword in _KEYWORDS.items():
        value = getattr(node.constraints, key)
        if value is not None:
            out[keyword] = value
    return out


def from_jsonschema(data: Mapping[str, Any] | str, *, name: str | None = None) -> EventDefinition:
    """An event from a JSON Schema document; ``name`` defaults to its ``title``."""
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise ImportFailed(f"not valid JSON: {exc}") from None
    if not isinstance(data, Mapping):
        raise ImportFailed("a JSON Schema document must be an object")
    reader = _Reader(data)
    root = reader.resolve(data, "schema")
    if root.get("type") != "object":
        raise ImportFailed('schema: the top level must be {"type": "object", ...}')
    event_name = name or root.get("title")
    if not event_name:
        raise ImportFailed("schema has no 'title': give the event's name")
    meta = dict(root.get("x-loam-event") or {})
    meta.pop("version", None)
    try:
        return EventDefinition(
            name=str(event_name),
            description=str(root.get("description", "")),
            params=reader.params(root, ""),
            **meta,
        )
    except ImportFailed:
        raise
    except Exception as exc:
        raise ImportFailed(f"schema: x-loam-event: {exc}") from None


class _Reader:
    """Walks a schema document, following local ``$ref``s (``#/$defs/...``)."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document

    def resolve(self, node: Any, path: str, depth: int = 0) -> Mapping[str, Any]:
        if not isinstance(node, Mapping):
            raise ImportFailed(f"{path}: expected a schema object, got {node!r}")
        ref = node.get("$ref")
        if ref is None:
            return node
        if depth > 32 or not isinstance(ref, str) or not ref.startswith("#/"):
            raise ImportFailed(f"{path}: only local $ref like '#/$defs/x' can be imported")
        target: Any = self.document
        for part in ref[2:].split("/"):
            if not isinstance(target, Mapping) or part not in target:
                raise ImportFailed(f"{path}: $ref '{ref}' points nowhere")
            target = target[part]
        merged = {
            **self.resolve(target, path, depth + 1),
            **{k: v for k, v in node.items() if k != "$ref"},
        }
        return merged

    def params(self, obj: Mapping[str, Any], prefix: str) -> list[Parameter]:
        props = obj.get("properties") or {}
        required = set(obj.get("required") or [])
        out = []
        for pname, raw in props.items():
            path = f"{prefix}{pname}"
            node = self.resolve(raw, path)
            fields, nullable = self.node(node, path)
            out.append(
                Parameter(
                    name=str(pname),
                    required=pname in required and not nullable,
                    pii=bool(node.get("x-pii", False)),
                    examples=list(node.get("examples", [])),
                    **fields,
                )
            )
        return out

    def node(self, node: Mapping[str, Any], path: str) -> tuple[dict[str, Any], bool]:
        kind = node.get("type")
        nullable = False
        if isinstance(kind, list):
            rest = [k for k in kind if k != "null"]
            nullable = len(rest) < len(kind)
            if len(rest) != 1:
                raise ImportFailed(f"{path}: a union of types {kind} cannot be imported")
            kind = rest[0]
        if kind is None and "enum" in node:
            kind = "string"
        if any(k in node for k in ("oneOf", "anyOf", "allOf")):
            raise ImportFailed(f"{path}: oneOf/anyOf/allOf cannot be imported; use one type")
        constraints = Constraints(**{key: node[kw] for key, kw in _KEYWORDS.items() if kw in node})
        fields: dict[str, Any] = {
            "description": str(node.get("description", "")),
            "constraints": constraints,
        }
        if "enum" in node:
            values = [v for v in node["enum"] if v is not None]
            fields.update(type="enum", values=[str(v) for v in values])
        elif kind == "string" and node.get("format") == "date-time":
            fields["type"] = "timestamp"
        elif kind == "string" and node.get("format") == "date":
            fields["type"] = "date"
        elif kind in ("string", "integer", "boolean"):
            fields["type"] = kind
        elif kind == "number":
            fields["type"] = "float"
        elif kind == "array":
            if "items" not in node:
                raise ImportFailed(f"{path}: an array needs 'items'")
            item = self.resolve(node["items"], path + "[]")
            item_fields, _ = self.node(item, path + "[]")
            fields.update(type="array", items=ItemSpec(**item_fields))
        elif kind == "object":
            fields.update(type="object", params=self.params(node, path + "."))
        else:
            raise ImportFailed(f"{path}: type {kind!r} cannot be imported")
        return fields, nullable
