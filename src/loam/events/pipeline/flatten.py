"""Params to typed columns: JSON Schema 2020-12 -> Arrow types, and dicts -> Arrow columns.

Nested objects become ``parent__child`` columns (so a new optional field in a later
version is one ``ADD COLUMN``), arrays become LIST columns (their object items STRUCTs),
``format: date-time`` a UTC timestamp, ``format: date`` a date, enums strings.
Free-form values (an object without properties, ``anyOf``...) are kept as JSON text.

Building is columnar: one ``pa.array`` call turns every event's params into one struct
array, then each leaf is pulled out with ``struct_field`` and cast to its final type.

>>> cols = params_columns({"type": "object", "properties": {
...     "price": {"type": "integer"},
...     "pos": {"type": "object", "properties": {"x": {"type": "number"}}}}})
>>> [(c.name, str(c.final_type)) for c in cols]
[('price', 'int64'), ('pos__x', 'double')]
>>> flatten_params([{"price": 3, "pos": {"x": 1.5}}, {"price": 4}], cols)["pos__x"].to_pylist()
[1.5, None]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc

TIMESTAMP = pa.timestamp("us", tz="UTC")
SEPARATOR = "__"


@dataclass(frozen=True)
class Column:
    name: str  # column name in the lake and warehouse
    path: tuple[str, ...]  # keys from the params object down to the value
    wire_type: pa.DataType  # what pa.array builds from JSON values
    final_type: pa.DataType  # what the column holds
    as_json: bool = False  # free-form: stored as JSON text


def _nonnull_type(schema: dict[str, Any]) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        return kinds[0] if len(kinds) == 1 else None
    if kind is None and "enum" in schema:
        values = [v for v in schema["enum"] if v is not None]
        if values and all(isinstance(v, str) for v in values):
            return "string"
        if values and all(isinstance(v, bool) for v in values):
            return "boolean"
        if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            return "integer"
        return None
    if kind is None and "const" in schema:
        return _nonnull_type({"enum": [schema["const"]]})
    return kind if isinstance(kind, str) else None


def arrow_types(schema: dict[str, Any]) -> tuple[pa.DataType, pa.DataType] | None:
    """(wire, final) Arrow types of one JSON Schema value, or None when free-form."""
    kind = _nonnull_type(schema)
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "date-time":
            return pa.string(), TIMESTAMP
        if fmt == "date":
            return pa.string(), pa.date32()
        return pa.string(), pa.string()
    if kind == "integer":
        return pa.int64(), pa.int64()
    if kind == "number":
        return pa.float64(), pa.float64()
    if kind == "boolean":
        return pa.bool_(), pa.bool_()
    if kind == "array":
        items = schema.get("items")
        inner = arrow_types(items) if isinstance(items, dict) else None
        if inner is None:
            return None
        return pa.list_(inner[0]), pa.list_(inner[1])
    if kind == "object":
        props = schema.get("properties")
        if not props:
            return None
        wire, final = [], []
        for name, sub in props.items():
            types = arrow_types(sub) if isinstance(sub, dict) else None
            if types is None:
                return None
            wire.append(pa.field(name, types[0]))
            final.append(pa.field(name, types[1]))
        return pa.struct(wire), pa.struct(final)
    return None


def params_columns(schema: dict[str, Any], reserved: Sequence[str] = ()) -> list[Column]:
    """The flat columns of a params schema, in property order."""
    out: list[Column] = []
    _collect(schema, (), out)
    taken = set(reserved)
    return [
        Column(f"param_{c.name}", c.path, c.wire_type, c.final_type, c.as_json)
        if c.name in taken
        else c
        for c in out
    ]


def _collect(schema: dict[str, Any], path: tuple[str, ...], out: list[Column]) -> None:
    for name, sub in (schema.get("properties") or {}).items():
        sub = sub if isinstance(sub, dict) else {}
        here = (*path, name)
        if _nonnull_type(sub) == "object" and sub.get("properties"):
            _collect(sub, here, out)
            continue
        types = arrow_types(sub)
        column = SEPARATOR.join(here)
        if types is None:
            out.append(Column(column, here, pa.string(), pa.string(), as_json=True))
        else:
            out.append(Column(column, here, types[0], types[1]))


def wire_struct(columns: Sequence[Column]) -> pa.StructType:
    """The struct type pa.array needs to read params dicts: the typed leaves, re-nested."""
    tree: dict[str, Any] = {}
    for c in columns:
        if c.as_json:
            continue
        node = tree
        for key in c.path[:-1]:
            node = node.setdefault(key, {})
        node[c.path[-1]] = c.wire_type

    def build(node: dict[str, Any]) -> pa.StructType:
        return pa.struct(
            [pa.field(k, build(v) if isinstance(v, dict) else v) for k, v in node.items()]
        )

    return build(tree)


def flatten_params(
    params: Sequence[dict[str, Any] | None], columns: Sequence[Column]
) -> dict[str, pa.Array]:
    """One Arrow array per column, in one pass over the params dicts."""
    wire = wire_struct(columns)
    struct = pa.array(params, type=wire) if wire.num_fields else None
    return columns_from_struct(struct, columns, params)


def columns_from_struct(
    struct: Any, columns: Sequence[Column], params: Sequence[dict[str, Any] | None]
) -> dict[str, pa.Array]:
    """The columns, pulled out of a struct array built with ``wire_struct(columns)``."""
    out: dict[str, pa.Array] = {}
    for c in columns:
        if c.as_json:
            out[c.name] = pa.array([_json_at(p, c.path) for p in params], type=pa.string())
            continue
        assert struct is not None
        arr: Any = struct
        for key in c.path:
            arr = pc.struct_field(arr, key)
        out[c.name] = cast_column(arr, c.final_type)
    return out


def cast_column(arr: pa.Array, to: pa.DataType) -> pa.Array:
    if arr.type == to:
        return arr
    try:
        return pc.cast(arr, to)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        # A value Arrow's parser refuses (e.g. a lower-case 't' in a timestamp): parse in Python.
        return pa.array([_py_value(v, to) for v in arr.to_pylist()], type=to)


def _py_value(value: Any, to: pa.DataType) -> Any:
    from datetime import UTC, date, datetime

    if value is None:
        return None
    if pa.types.is_timestamp(to) and isinstance(value, str):
        parsed = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if pa.types.is_date(to) and isinstance(value, str):
        return date.fromisoformat(value)
    if pa.types.is_list(to) and isinstance(value, list):
        return [_py_value(v, to.value_type) for v in value]
    if pa.types.is_struct(to) and isinstance(value, dict):
        return {f.name: _py_value(value.get(f.name), f.type) for f in to}
    return value


def _json_at(params: dict[str, Any] | None, path: tuple[str, ...]) -> str | None:
    node: Any = params
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return None if node is None else orjson.dumps(node).decode()
