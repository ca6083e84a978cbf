"""Params checked against the event's JSON Schema with a compiled validator.

jsonschema-rs (Rust) measured as fast as msgspec Structs on dict input (~0.5 us per
event), about 5x faster than fastjsonschema and 175x faster than pure-Python
jsonschema (bench/bench_validators.py), and it takes the registry's JSON Schema
2020-12 as is, with no code generation, and names the rule and path that failed. A valid event costs one ``is_valid``
call; only an invalid one pays for walking the errors.

>>> from loam.events.pipeline.schemas import EventSchema
>>> s = EventSchema("buy", "1-0-0", {"type": "object", "properties": {"price": {"type": "integer"}}})
>>> check_params(s, {"price": "12"})
Problem(rule='type', path='params.price', message='"12" is not of type "integer"')
"""

from __future__ import annotations

import threading
from typing import Any

import jsonschema_rs

from loam.events.pipeline.envelope import Problem
from loam.events.pipeline.schemas import EventSchema

# Compiled validators by the identity of the schema dict they were compiled from (a
# cached source hands out the same dict every time); the dict is kept to pin the id.
_validators: dict[int, tuple[dict[str, Any], Any]] = {}
_lock = threading.Lock()


def validator_for(schema: EventSchema) -> Any:
    source = schema.json_schema
    found = _validators.get(id(source))
    if found is not None and found[0] is source:
        return found[1]
    compiled = jsonschema_rs.validator_for(source, validate_formats=True)
    with _lock:
        if len(_validators) > 10_000:
            _validators.clear()
        _validators[id(source)] = (source, compiled)
    return compiled


def check_params(schema: EventSchema, params: dict[str, Any]) -> Problem | None:
    validator = validator_for(schema)
    if validator.is_valid(params):
        return None
    for error in validator.iter_errors(params):
        where = ".".join(str(p) for p in error.instance_path)
        keyword = str(error.schema_path[-1]) if len(error.schema_path) else "schema"
        return Problem(keyword, f"params.{where}" if where else "params", error.message)
    return None  # is_valid and iter_errors disagree: trust the detailed walk
