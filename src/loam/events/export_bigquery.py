"""BigQuery table schema JSON (the list ``bq mk --schema`` and the API take).

Types: STRING, INTEGER, FLOAT, BOOLEAN, TIMESTAMP, DATE, RECORD; required
parameters are REQUIRED, optional NULLABLE, arrays REPEATED. BigQuery has no
array of arrays: an inner array becomes a REPEATED RECORD holding one REPEATED
field ``element``. Enums are STRING with the allowed values in the description.
A PII parameter gets the workspace's policy tag (a placeholder to replace with
the taxonomy's real tag).

>>> from loam.events.model import EventDefinition, Parameter
>>> d = EventDefinition(name="view_item_home", params=[Parameter(name="n", type="integer")])
>>> to_bigquery(d)
[{'name': 'n', 'type': 'INTEGER', 'mode': 'NULLABLE'}]
"""

from __future__ import annotations

import json
from typing import Any

from loam.events.model import EventDefinition, ItemSpec, TypeNode

DEFAULT_POLICY_TAG = "projects/PROJECT_ID/locations/LOCATION/taxonomies/TAXONOMY_ID/policyTags/PII"
_BQ_TYPES = {
    "string": "STRING",
    "enum": "STRING",
    "integer": "INTEGER",
    "float": "FLOAT",
    "boolean": "BOOLEAN",
    "timestamp": "TIMESTAMP",
    "date": "DATE",
    "object": "RECORD",
}
MAX_DESCRIPTION = 1024


def to_bigquery(
    definition: EventDefinition, *, policy_tag: str = DEFAULT_POLICY_TAG
) -> list[dict[str, Any]]:
    return [
        _field(p.name, p, "REQUIRED" if p.required else "NULLABLE", p.pii, policy_tag)
        for p in definition.params
    ]


def to_bigquery_json(definition: EventDefinition, *, policy_tag: str = DEFAULT_POLICY_TAG) -> str:
    return json.dumps(to_bigquery(definition, policy_tag=policy_tag), indent=2, ensure_ascii=False)


def _field(name: str, node: TypeNode, mode: str, pii: bool, tag: str) -> dict[str, Any]:
    return _ordered(_build(name, node, mode, pii, tag))


def _build(name: str, node: TypeNode, mode: str, pii: bool, tag: str) -> dict[str, Any]:
    if node.type == "array":
        assert node.items is not None
        inner = node.items
        if inner.type == "array":  # no nested arrays in BigQuery: wrap the inner one
            out: dict[str, Any] = {"name": name, "type": "RECORD", "mode": "REPEATED"}
            _describe(out, node)
            out["fields"] = [_field("element", inner, "REPEATED", False, tag)]
            return _tag(out, pii, tag)
        out = _field(name, inner, "REPEATED", False, tag)
        _describe(out, node, inner)
        return _tag(out, pii, tag)
    out = {"name": name, "type": _BQ_TYPES[node.type], "mode": mode}
    _describe(out, node)
    _tag(out, pii, tag)
    if node.type == "object":
        out["fields"] = [
            _field(p.name, p, "REQUIRED" if p.required else "NULLABLE", p.pii, tag)
            for p in node.params or []
        ]
    return out


_KEY_ORDER = ("name", "type", "mode", "description", "policyTags", "fields")


def _ordered(field: dict[str, Any]) -> dict[str, Any]:
    return {k: field[k] for k in _KEY_ORDER if k in field}


def _describe(out: dict[str, Any], node: TypeNode, element: ItemSpec | None = None) -> None:
    parts = [node.description] if node.description else []
    if element is not None and element.description:
        parts.append(f"Each element: {element.description}")
    enum = element if element is not None and element.type == "enum" else node
    if enum.type == "enum" and enum.values:
        parts.append("Allowed values: " + ", ".join(enum.values) + ".")
    text = " ".join(p.strip() for p in parts if p.strip())
    if text:
        out["description"] = text[:MAX_DESCRIPTION]


def _tag(out: dict[str, Any], pii: bool, tag: str) -> dict[str, Any]:
    if pii:
        out["policyTags"] = {"names": [tag]}
    return out


__all__ = ["DEFAULT_POLICY_TAG", "to_bigquery", "to_bigquery_json"]
