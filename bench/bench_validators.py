"""Params validators on the same events: why the collector compiles schemas for msgspec.

Validates N generated params objects against their JSON Schema 2020-12 with each
candidate, all valid (the hot path), and prints microseconds per event: first from a
dict (what each validator takes), then from the JSON bytes as a request carries them
(parse included), where the collector's compiled msgspec Struct (compiled.py) decodes
and checks in one call while jsonschema-rs needs orjson to build the dict first.
jsonschema (pure Python) is the reference the issue calls ~50x too slow.

    python bench/bench_validators.py [--events 100000]
"""

from __future__ import annotations

import argparse
import gc
import random
import time
from collections.abc import Callable
from typing import Annotated, Any, Literal

import orjson

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["item_id", "price", "currency"],
    "properties": {
        "item_id": {"type": "string", "minLength": 12, "maxLength": 16},
        "title": {"type": "string", "minLength": 1, "maxLength": 80},
        "price": {"type": "integer", "minimum": 0, "maximum": 1000000},
        "currency": {"enum": ["KRW", "USD", "JPY"]},
        "tags": {"type": "array", "items": {"type": "string", "maxLength": 8}, "maxItems": 3},
        "position": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"row": {"type": "integer"}, "col": {"type": "integer"}},
        },
        "is_promoted": {"type": "boolean"},
        "seen_at": {"type": "string", "format": "date-time"},
    },
}


try:
    import msgspec
except ImportError:  # pragma: no cover - a dev dependency
    msgspec = None

if msgspec is not None:

    class Position(msgspec.Struct, forbid_unknown_fields=True):
        row: int | None = None
        col: int | None = None

    class Params(msgspec.Struct, forbid_unknown_fields=True):
        item_id: Annotated[str, msgspec.Meta(min_length=12, max_length=16)]
        price: Annotated[int, msgspec.Meta(ge=0, le=1000000)]
        currency: Literal["KRW", "USD", "JPY"]
        title: Annotated[str, msgspec.Meta(min_length=1, max_length=80)] | None = None
        tags: (
            Annotated[list[Annotated[str, msgspec.Meta(max_length=8)]], msgspec.Meta(max_length=3)]
            | None
        ) = None
        position: Position | None = None
        is_promoted: bool | None = None
        seen_at: str | None = None  # a datetime field would parse, not only check, the format


def events(n: int) -> list[dict[str, Any]]:
    from loam.events.pipeline.generator import value_for

    rng = random.Random(3)
    return [value_for(SCHEMA, rng) for _ in range(n)]


def time_it(check: Callable[[dict[str, Any]], Any], data: list[dict[str, Any]]) -> float:
    gc.disable()
    try:
        started = time.perf_counter()
        for ev in data:
            check(ev)
        return (time.perf_counter() - started) / len(data) * 1e6
    finally:
        gc.enable()


def time_blobs(check: Callable[[bytes], Any], blobs: list[bytes]) -> float:
    gc.disable()
    try:
        started = time.process_time()
        for blob in blobs:
            check(blob)
        return (time.process_time() - started) / len(blobs) * 1e6
    finally:
        gc.enable()


def msgspec_checker() -> Callable[[dict[str, Any]], Any]:
    return lambda ev: msgspec.convert(ev, Params)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args()
    data = events(args.events)
    rows: list[tuple[str, float]] = []
    import jsonschema_rs

    rs = jsonschema_rs.validator_for(SCHEMA, validate_formats=True)
    rows.append(("jsonschema-rs (exact path)", time_it(rs.is_valid, data)))
    try:
        import fastjsonschema

        rows.append(("fastjsonschema", time_it(fastjsonschema.compile(SCHEMA), data)))
    except ImportError:
        pass
    if msgspec is not None:
        rows.append(("msgspec Structs", time_it(msgspec_checker(), data)))
    try:
        import jsonschema

        slow = jsonschema.Draft202012Validator(SCHEMA)
        rows.append(
            ("jsonschema (pure Python)", time_it(slow.is_valid, data[: max(1, len(data) // 20)]))
        )
    except ImportError:
        pass
    from loam.events.pipeline.compiled import dec_hook, params_type

    blobs = [orjson.dumps(ev) for ev in data]
    compiled = msgspec.json.Decoder(params_type(SCHEMA), dec_hook=dec_hook).decode
    rows.append(
        ("from bytes: orjson + rs", time_blobs(lambda b: rs.is_valid(orjson.loads(b)), blobs))
    )
    rows.append(("from bytes: compiled (used)", time_blobs(compiled, blobs)))
    base = rows[0][1]
    print(f"params validation, {args.events:,} valid events")
    print(f"{'validator':<28}{'us/event':>10}{'x jsonschema-rs':>18}")
    for name, us in rows:
        print(f"{name:<28}{us:>10.2f}{us / base:>18.1f}")


if __name__ == "__main__":
    main()
