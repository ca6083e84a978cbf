"""Spark StructType JSON, written exactly as PySpark's ``StructType.json()`` writes it.

PySpark serialises ``jsonValue()`` with ``json.dumps(..., separators=(",", ":"),
sort_keys=True)``, so keys come out sorted (``metadata``, ``name``, ``nullable``,
``type``) and nothing is spaced. What Spark types cannot say (descriptions, enum
values, constraints, examples, the PII flag) rides in each field's ``metadata``;
an array's element details sit under ``metadata.items``, so the round trip
Loam -> Spark JSON -> Loam loses nothing.

>>> from loam.events.model import EventDefinition, Parameter
>>> d = EventDefinition(name="view_item_home", params=[Parameter(name="item_id", type="string")])
>>> to_spark_json(d)
'{"fields":[{"metadata":{},"name":"item_id","nullable":true,"type":"string"}],"type":"struct"}'
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from loam.events.errors import ImportFailed
from loam.events.model import Constraints, ItemSpec, Parameter, TypeNode

_SPARK_TYPES = {
    "string": "string",
    "enum": "string",
    "integer": "long",
    "float": "double",
    "boolean": "boolean",
    "timestamp": "timestamp",
    "date": "date",
}
_FROM_SPARK = {
    "string": "string",
    "long": "integer",
    "integer": "integer",
    "short": "integer",
    "byte": "integer",
    "double": "float",
    "float": "float",
    "boolean": "boolean",
    "timestamp": "timestamp",
    "timestamp_ntz": "timestamp",
    "date": "date",
}
_CONSTRAINT_KEYS = tuple(Constraints.model_fields)


def to_spark(params: list[Parameter]) -> dict[str, Any]:
    """The StructType as PySpark's ``jsonValue()`` gives it."""
    return {"type": "struct", "fields": [_field(p) for p in params]}


def to_spark_json(definition: Any) -> str:
    """``definition``'s parameters as the text ``StructType.json()`` writes."""
    return json.dumps(to_spark(definition.params), separators=(",", ":"), sort_keys=True)


def _field(p: Parameter) -> dict[str, Any]:
    meta = _node_meta(p)
    if p.pii:
        meta["pii"] = True
    if p.examples:
        meta["examples"] = list(p.examples)
    return {"name": p.name, "type": _type(p), "nullable": not p.required, "metadata": meta}


def _type(node: TypeNode) -> Any:
    if node.type == "object":
        return to_spark(node.params or [])
    if node.type == "array":
        assert node.items is not None
        return {"type": "array", "elementType": _type(node.items), "containsNull": False}
    return _SPARK_TYPES[node.type]


def _node_meta(node: TypeNode) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    if node.description:
        meta["description"] = node.description
    if node.type == "enum":
        meta["enum"] = list(node.values or [])
    meta.update(node.constraints.model_dump(exclude_none=True))
    if node.type == "array" and node.items is not None:
        item_meta = _node_meta(node.items)
        if item_meta:
            meta["items"] = item_meta
    return meta


def from_spark(data: Mapping[str, Any] | str) -> list[Parameter]:
    """Parameters from a StructType's JSON (text or parsed); ImportFailed names the bad field."""
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise ImportFailed(f"not valid JSON: {exc}") from None
    if not isinstance(data, Mapping) or data.get("type") != "struct":
        raise ImportFailed('not a Spark StructType: expected {"type": "struct", "fields": [...]}')
    return _fields(data, "")


def _fields(struct: Mapping[str, Any], prefix: str) -> list[Parameter]:
    fields = struct.get("fields")
    if not isinstance(fields, list):
        raise ImportFailed(f"{prefix or 'schema'}: a struct needs a 'fields' list")
    out = []
    for i, f in enumerate(fields):
        if not isinstance(f, Mapping) or "name" not in f or "type" not in f:
            raise ImportFailed(f"{prefix}fields[{i}]: a field needs 'name' and 'type'")
        path = f"{prefix}{f['name']}"
        meta = f.get("metadata") or {}
        node = _node(f["type"], meta, path)
        out.append(
            Parameter(
                name=str(f["name"]),
                required=not f.get("nullable", True),
                pii=bool(meta.get("pii", False)),
                examples=list(meta.get("examples", [])),
                **node,
            )
        )
    return out


def _node(spark_type: Any, meta: Mapping[str, Any], path: str) -> dict[str, Any]:
    """The type fields of a parameter or array element, from its Spark type and metadata."""
    node: dict[str, Any] = {
        "description": str(meta.get("description") or meta.get("comment") or ""),
        "constraints": Constraints(**{k: meta[k] for k in _CONSTRAINT_KEYS if k in meta}),
    }
    if isinstance(spark_type, Mapping):
        kind = spark_type.get("type")
        if kind == "struct":
            return {**node, "type": "object", "params": _fields(spark_type, path + ".")}
        if kind == "array":
            item_meta = meta.get("items") or {}
            element = _node(spark_type.get("elementType"), item_meta, path + "[]")
            return {**node, "type": "array", "items": ItemSpec(**element)}
        raise ImportFailed(f"{path}: Spark type '{kind}' has no Loam equivalent (map, udt…)")
    name = str(spark_type)
    if name.startswith("decimal"):
        name = "double"
    if name not in _FROM_SPARK:
        raise ImportFailed(
            f"{path}: Spark type '{name}' has no Loam equivalent "
            f"(supported: {', '.join(sorted(_FROM_SPARK))}, array, struct)"
        )
    kind = _FROM_SPARK[name]
    if kind == "string" and "enum" in meta:
        return {**node, "type": "enum", "values": [str(v) for v in meta["enum"]]}
    return {**node, "type": kind}
