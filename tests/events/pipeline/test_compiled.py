"""The compiled params check against jsonschema-rs: whatever it accepts, jsonschema-rs accepts.

Differential: generated params (valid, then spoiled in many ways) go through both; the
compiled Struct may refuse a valid value (the exact path then decides) but must never
accept one jsonschema-rs refuses. Valid generated params must mostly pass compiled,
or the fast path would be pointless.
"""

from __future__ import annotations

import copy
import random
import sys
from pathlib import Path
from typing import Any

import jsonschema_rs
import msgspec
import orjson
import pytest

from loam.events.pipeline.compiled import Unsupported, dec_hook, params_type
from loam.events.pipeline.generator import value_for

from .conftest import CLICK_V1, VIEW_V1

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))
from bench_pipeline import SCHEMAS as BENCH

RICH: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["code", "n"],
    "properties": {
        "code": {"type": "string", "pattern": "^[A-Z]{2}-\\d{3}$", "maxLength": 6},
        "n": {"type": "number", "exclusiveMinimum": 0, "maximum": 2.5},
        "k": {"type": "integer", "minimum": -3.5, "exclusiveMaximum": 7.5},
        "big": {"type": "integer"},
        "day": {"type": "string", "format": "date"},
        "at": {"type": "string", "format": "date-time"},
        "mail": {"type": "string", "format": "email"},
        "level": {"enum": [1, 2, 3]},
        "mode": {"type": "string", "enum": ["a", "bb", "ccc", 4], "minLength": 2},
        "fixed": {"const": "x"},
        "maybe": {"type": ["string", "null"], "maxLength": 3},
        "flag": {"type": "boolean"},
        "nothing": {"type": "null"},
        "grid": {
            "type": "array",
            "minItems": 1,
            "maxItems": 3,
            "items": {"type": "array", "items": {"type": "integer", "minimum": 0}},
        },
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id"],
                "additionalProperties": False,
                "properties": {"id": {"type": "string", "minLength": 1}, "q": {"type": "number"}},
            },
        },
        "open": {"type": "object", "properties": {"a": {"type": "string"}}},
        "free": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
        "name": {"type": "string", "minLength": 2, "maxLength": 4},
    },
}

SCHEMAS = [CLICK_V1, VIEW_V1, RICH, *BENCH.values()]

ODD_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    1.0,
    2.5,
    -0.0,
    1e-9,
    7,
    8,
    2**53,
    2**63,
    -(2**63) - 1,
    2**64 + 1,
    1e300,
    "",
    "a",
    "é",
    "😀😀",
    "AB-123",
    "ab-123",
    "AB-123\n",
    "2024-05-01",
    "2024-02-30",
    "2024-05-01T12:00:00Z",
    "2024-05-01t12:00:00z",
    "2024-05-01T12:00:00.123456789+09:00",
    "2024-05-01T24:00:00Z",
    "2024-05-01T23:59:60Z",
    "2024-05-01 12:00:00Z",
    "x@example.com",
    "not an email",
    [],
    [1],
    [[1, 2], [3]],
    [[-1]],
    ["a"],
    {},
    {"id": "x"},
    {"id": ""},
    {"a": "b", "z": 1},
    {"id": "x", "q": 1, "extra": 1},
]


def _rich_value(rng: random.Random) -> dict[str, Any]:
    """Valid params for RICH (value_for knows no pattern or const); ``free`` (oneOf) is
    left out: it always takes the exact path."""
    full = {
        "code": f"{rng.choice(['AB', 'ZX'])}-{rng.randrange(1000):03d}",
        "n": rng.choice([0.5, 1, 2.5, 1e-9, 2]),
        "k": rng.choice([-3, 0, 7]),
        "big": rng.choice([0, -(2**63), 2**63 - 1]),
        "day": rng.choice(["2024-05-01", "2024-02-29", "2023-12-31"]),
        "at": rng.choice(["2024-05-01T12:00:00Z", "2024-05-01T12:00:00.5+09:00"]),
        "mail": "x@example.com",
        "level": rng.choice([1, 2, 3]),
        "mode": rng.choice(["bb", "ccc"]),
        "fixed": "x",
        "maybe": rng.choice([None, "", "abc"]),
        "flag": rng.choice([True, False]),
        "nothing": None,
        "grid": [
            [rng.randrange(5) for _ in range(rng.randrange(3))] for _ in range(1 + rng.randrange(3))
        ],
        "items": [{"id": "a"}, {"id": "b", "q": 1.5}][: rng.randrange(3)],
        "open": {"a": "x"},
        "name": rng.choice(["ab", "abcd", "é😀"]),
    }
    return {k: v for k, v in full.items() if k in ("code", "n") or rng.random() < 0.7}


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*path, i))
    return out


def _spoil(params: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    out = copy.deepcopy(params)
    paths = [p for p in _paths(out) if p]
    how = rng.random()
    if not paths or how < 0.15:
        out[rng.choice(["extra", "code", "n", "item_id", "price"])] = rng.choice(ODD_VALUES)
        return out
    path = rng.choice(paths)
    parent = out
    for step in path[:-1]:
        parent = parent[step]
    if how < 0.3 and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = copy.deepcopy(rng.choice(ODD_VALUES))
    return out


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda s: ",".join(list(s["properties"])[:2]))
def test_compiled_never_accepts_what_jsonschema_rs_refuses(schema: dict[str, Any]) -> None:
    kind = params_type(schema)
    decode = msgspec.json.Decoder(kind, dec_hook=dec_hook).decode
    exact = jsonschema_rs.validator_for(schema, validate_formats=True)
    rng = random.Random(7)
    fast_valid = valid = 0
    tried = 0
    for _ in range(400):
        base = _rich_value(rng) if schema is RICH else value_for(schema, rng)
        candidates = [base] + [_spoil(base, rng) for _ in range(6)]
        for n, params in enumerate(candidates):
            raw = msgspec.json.encode(params)
            expected = exact.is_valid(orjson.loads(raw))  # what the exact path sees
            try:
                decode(raw)
                accepted = True
            except msgspec.ValidationError:
                accepted = False
            assert not accepted or expected, f"compiled accepts what jsonschema-rs refuses: {raw!r}"
            tried += 1
            if n == 0:  # generated valid params: the hot path must take nearly all
                valid += expected
                fast_valid += accepted
    assert tried and valid >= 300
    assert fast_valid >= 0.95 * valid, (fast_valid, valid)


def test_integers_beyond_64_bits_and_json_floats_take_the_exact_path() -> None:
    kind = params_type({"type": "object", "properties": {"n": {"type": "integer"}}})
    for raw in (b'{"n": 1.0}', b'{"n": 18446744073709551616}', b'{"n": 9223372036854775808}'):
        with pytest.raises(msgspec.ValidationError):
            msgspec.json.decode(raw, type=kind, dec_hook=dec_hook)
    assert msgspec.json.decode(b'{"n": -9223372036854775808}', type=kind).f0 == -(2**63)


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "properties": {"a": {"type": "string"}}, "minProperties": 1},
        {"type": "array"},
        {"type": "object", "required": ["a"], "properties": {"a": {"anyOf": [{"type": "string"}]}}},
        {"type": "object", "required": ["b"], "properties": {}},
        {"$ref": "#/$defs/x", "$defs": {"x": {"type": "object"}}},
        {
            "type": "object",
            "properties": {"a": {"type": "integer", "maximum": 2**60}},
            "required": ["a"],
        },
    ],
)
def test_schemas_outside_the_subset_are_not_compiled(schema: dict[str, Any]) -> None:
    with pytest.raises(Unsupported):
        params_type(schema)


def test_an_unknown_keyword_on_an_optional_property_only_sends_that_property_the_exact_way() -> (
    None
):
    kind = params_type(
        {"type": "object", "properties": {"a": {"type": "string"}, "b": {"multipleOf": 2}}}
    )
    assert msgspec.json.decode(b'{"a": "x"}', type=kind, dec_hook=dec_hook).f0 == "x"
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(b'{"a": "x", "b": 4}', type=kind, dec_hook=dec_hook)
