"""Event schemas compiled into msgspec types: one C call checks an event's envelope and params.

The collector's hot path decodes each event's bytes straight into a tagged Struct (tag =
``event_name``) whose fields carry the envelope rules and the params' JSON Schema
constraints, with no dict built and nothing re-encoded. The compiled check is an
*under*-approximation of the exact one: whatever it accepts, jsonschema-rs (and the
envelope rules) accept too, while anything it refuses -- or any schema keyword it does
not know -- falls back to the exact per-event path, which names the rule, path and
version. So a schema outside the subset, an integer sent as ``1.0``, an extra param of
an open object or a ``null`` where the schema allows one only costs speed, never
correctness. tests/events/pipeline/test_compiled.py checks this differentially against
jsonschema-rs.

The subset: ``type`` string (min/maxLength; ``pattern`` and ``format`` are checked by
jsonschema-rs itself on the one value, so regex and format semantics are the same),
integer / number (minimum, maximum, exclusive bounds; integers kept to int64, bounds
below 2**53 so comparisons are exact), boolean, null, a type list with ``"null"``,
``enum`` / ``const`` of strings and integers, array (items, minItems, maxItems) and
object (properties, required; unknown properties always go the exact way).

>>> t = params_type({"type": "object", "required": ["n"], "properties": {"n": {"type": "integer", "minimum": 1}}})
>>> import msgspec; msgspec.json.decode(b'{"n": 2}', type=t).f0
2
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from fractions import Fraction
from typing import Annotated, Any, Literal, Union

import jsonschema_rs
import msgspec
from msgspec import UNSET, Meta, UnsetType

ANNOTATIONS = frozenset(
    {
        "$schema",
        "$id",
        "$comment",
        "title",
        "description",
        "default",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
    }
)
_STRING_KEYS = frozenset({"minLength", "maxLength", "pattern", "format"})
_NUMBER_KEYS = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})
_ARRAY_KEYS = frozenset({"items", "minItems", "maxItems"})
_OBJECT_KEYS = frozenset({"properties", "required", "additionalProperties"})
_KNOWN = (
    ANNOTATIONS
    | _STRING_KEYS
    | _NUMBER_KEYS
    | _ARRAY_KEYS
    | _OBJECT_KEYS
    | {
        "type",
        "enum",
        "const",
    }
)
_INT64 = (-(1 << 63), (1 << 63) - 1)
_EXACT = 1 << 53  # float bounds beyond this could compare differently from jsonschema-rs
MAX_TEXT = 512


class Unsupported(Exception):
    """A schema node outside the compiled subset: its values take the exact path."""


class _Deferred:
    """Base of the marker types whose values a check function validates in ``dec_hook``."""

    __slots__ = ()


# marker type -> (check, the instance dec_hook returns)
_CHECKS: dict[type, tuple[Callable[[Any], bool], Any]] = {}
_checks_lock = threading.Lock()


def dec_hook(kind: type, value: Any) -> Any:
    """msgspec's hook for the marker types: exact check of one value, or refuse it."""
    found = _CHECKS.get(kind)
    if found is not None and found[0](value):
        return found[1]
    raise msgspec.ValidationError("needs the exact check")


def _deferred(check: Callable[[Any], bool]) -> type:
    kind = type("Deferred", (_Deferred,), {"__slots__": ()})
    with _checks_lock:
        _CHECKS[kind] = (check, kind())
    return kind


def _never(value: Any) -> bool:
    return False


def _string_check(node: dict[str, Any]) -> Callable[[Any], bool]:
    """jsonschema-rs on one string (pattern/format): its own regex and format rules."""
    sub = {k: node[k] for k in _STRING_KEYS if k in node}
    sub["type"] = "string"
    validator = jsonschema_rs.validator_for(sub, validate_formats=True)
    is_valid = validator.is_valid
    seen: dict[str, bool] = {}  # timestamps and codes repeat: remember the answers

    def check(value: Any) -> bool:
        if type(value) is not str:
            return False
        ok = seen.get(value)
        if ok is None:
            ok = is_valid(value)
            if len(seen) >= 50_000:
                seen.clear()
            seen[value] = ok
        return ok

    return check


def params_type(schema: Any) -> type:
    """The Struct for an event's params object; Unsupported if the top level is outside."""
    if not isinstance(schema, dict):
        raise Unsupported("schema is not an object")
    _check_keys(schema)
    if schema.get("type", "object") != "object":
        raise Unsupported("params schema is not of type object")
    return _object(schema, "params")


def _check_keys(node: dict[str, Any]) -> None:
    unknown = node.keys() - _KNOWN
    if unknown:
        raise Unsupported(f"keywords {sorted(unknown)}")


def _node(node: Any, where: str) -> Any:
    """The msgspec type for one schema node (Unsupported when outside the subset)."""
    if not isinstance(node, dict):
        raise Unsupported(f"{where}: boolean schema")
    _check_keys(node)
    if "enum" in node or "const" in node:
        return _enum(node, where)
    types = node.get("type")
    if isinstance(types, list):
        others = [t for t in types if t != "null"]
        if len(types) != 2 or len(others) != 1 or not isinstance(others[0], str):
            raise Unsupported(f"{where}: type list {types}")
        return _typed(node, others[0], where) | None
    if not isinstance(types, str):
        raise Unsupported(f"{where}: no type")
    return _typed(node, types, where)


def _typed(node: dict[str, Any], kind: str, where: str) -> Any:
    if kind == "string":
        return _string(node)
    if kind == "integer":
        return _integer(node)
    if kind == "number":
        return _number(node)
    if kind == "boolean":
        return bool
    if kind == "null":
        return None
    if kind == "array":
        return _array(node, where)
    if kind == "object":
        return _object(node, where)
    raise Unsupported(f"{where}: type {kind!r}")


def _length(node: dict[str, Any], low: str, high: str) -> dict[str, int]:
    out = {}
    for key, meta in ((low, "min_length"), (high, "max_length")):
        if key in node:
            value = node[key]
            if type(value) is not int or value < 0:
                raise Unsupported(f"{key} {value!r}")
            out[meta] = value
    return out


def _string(node: dict[str, Any]) -> Any:
    if "pattern" in node or "format" in node:
        return _deferred(_string_check(node))
    meta = _length(node, "minLength", "maxLength")
    return Annotated[str, Meta(**meta)] if meta else str


def _bounds(node: dict[str, Any]) -> list[tuple[str, Fraction]]:
    out = []
    for key, op in (
        ("minimum", "ge"),
        ("maximum", "le"),
        ("exclusiveMinimum", "gt"),
        ("exclusiveMaximum", "lt"),
    ):
        if key in node:
            value = node[key]
            if type(value) not in (int, float) or not math.isfinite(value) or abs(value) >= _EXACT:
                raise Unsupported(f"{key} {value!r}")
            out.append((op, Fraction(value)))
    return out


def _int_meta(bounds: list[tuple[str, Fraction]]) -> Meta:
    low, high = _INT64
    for op, value in bounds:
        if op == "ge":
            low = max(low, math.ceil(value))
        elif op == "gt":
            low = max(low, math.floor(value) + 1)
        elif op == "le":
            high = min(high, math.floor(value))
        else:
            high = min(high, math.ceil(value) - 1)
    return Meta(ge=low, le=high)


def _integer(node: dict[str, Any]) -> Any:
    return Annotated[int, _int_meta(_bounds(node))]


def _number(node: dict[str, Any]) -> Any:
    bounds = _bounds(node)
    floats = {op: float(value) for op, value in bounds}
    whole = Annotated[int, _int_meta(bounds)]
    return Union[whole, Annotated[float, Meta(**floats)] if floats else float]  # noqa: UP007


def _array(node: dict[str, Any], where: str) -> Any:
    if "items" not in node:
        raise Unsupported(f"{where}: array without items")
    item = _node(node["items"], f"{where}[]")
    meta = _length(node, "minItems", "maxItems")
    return Annotated[list[item], Meta(**meta)] if meta else list[item]  # type: ignore[valid-type]


def _object(node: dict[str, Any], where: str) -> Any:
    properties = node.get("properties", {})
    required = node.get("required", [])
    if not isinstance(properties, dict) or not isinstance(required, list):
        raise Unsupported(f"{where}: properties/required")
    if any(r not in properties for r in required) or len(set(required)) != len(required):
        raise Unsupported(f"{where}: required names with no property")
    fields: list[Any] = []
    for i, (name, sub) in enumerate(properties.items()):
        try:
            kind = _node(sub, f"{where}.{name}")
        except Unsupported:
            if name in required:
                raise
            kind = _deferred(_never)  # present: the exact path decides
        if name in required:
            fields.append((f"f{i}", kind, msgspec.field(name=name)))
        else:
            fields.append((f"f{i}", kind | UnsetType, msgspec.field(default=UNSET, name=name)))
    # Unknown properties always take the exact path: even where the schema allows them,
    # their values would be skipped unchecked, and the old path parsed them with orjson.
    return msgspec.defstruct("Params", fields, forbid_unknown_fields=True, kw_only=True, gc=False)


def _enum(node: dict[str, Any], where: str) -> Any:
    values = node["enum"] if "enum" in node else [node["const"]]
    if ("enum" in node and "const" in node) or not isinstance(values, list) or not values:
        raise Unsupported(f"{where}: enum/const")
    ok = [v for v in values if v is None or type(v) in (str, int)]
    if len(ok) != len(values) or any(
        type(v) is int and not _INT64[0] <= v <= _INT64[1] for v in ok
    ):
        raise Unsupported(f"{where}: enum values")
    # The other keywords (type, lengths, pattern, ...) filter the values, exactly.
    rest = {k: v for k, v in node.items() if k not in ("enum", "const")}
    if rest.keys() - ANNOTATIONS:
        check = jsonschema_rs.validator_for(rest, validate_formats=True)
        ok = [v for v in ok if check.is_valid(v)]
    if not ok:
        raise Unsupported(f"{where}: no value can pass")
    return Literal[tuple(dict.fromkeys(ok))]  # type: ignore[valid-type]


def envelope_struct(name: str, params: type, *, params_required: bool) -> type:
    """The tagged Struct of one event version: the envelope rules plus its params."""
    text = Annotated[str, Meta(min_length=1, max_length=MAX_TEXT)]
    short = Annotated[str, Meta(max_length=MAX_TEXT)]
    fields: list[Any] = [
        ("client_ts", str),
        ("device_id", text),
        ("platform", text),
    ]
    if params_required:
        fields.append(("params", params))
    fields += [
        ("event_id", str | UnsetType, UNSET),
        ("schema_version", short | UnsetType, UNSET),
        ("user_id", short | None | UnsetType, UNSET),
        ("app_version", short | None | UnsetType, UNSET),
    ]
    if not params_required:
        fields.append(("params", params | UnsetType, UNSET))
    return msgspec.defstruct(
        f"Event_{name}",
        fields,
        tag_field="event_name",
        tag=name,
        forbid_unknown_fields=True,
        gc=False,
    )


def has_required(params: type) -> bool:
    return any(f.required for f in msgspec.structs.fields(params))
