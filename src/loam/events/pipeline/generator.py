"""Synthetic traffic built from registered schemas: users, sessions, days.

``generate_traffic`` yields events as an app would send them, with a chosen share of
invalid events (wrong type, missing required param, missing envelope field, unknown
event) and of duplicates (natural: the same event again; synthetic: the same event_id
with another payload). ``TrafficPlan.expected`` says what the pipeline must count.

>>> from loam.events.pipeline.schemas import EventSchema
>>> s = EventSchema("click_item_home", "1-0-0", {"type": "object", "required": ["n"],
...     "properties": {"n": {"type": "integer", "minimum": 1, "maximum": 3}}})
>>> plan = TrafficPlan(users=2, days=1, sessions_per_day=1, events_per_session=5, seed=1)
>>> events = list(generate_traffic([s], plan))
>>> len(events), plan.expected["valid"]
(10, 10)
"""

from __future__ import annotations

import random
import re
import string
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from loam.events.pipeline.schemas import EventSchema

PLATFORMS = ("ios", "android", "web")
INVALID_KINDS = ("wrong_type", "missing_param", "missing_envelope", "unknown_event")


@dataclass
class TrafficPlan:
    users: int = 100
    days: int = 7
    sessions_per_day: float = 1.5
    events_per_session: int = 8
    invalid_share: float = 0.0
    natural_duplicate_share: float = 0.0
    synthetic_duplicate_share: float = 0.0
    start: date = date(2024, 5, 1)
    seed: int = 0
    pad_bytes: int = 0  # extra text in string params, to reach a target event size
    expected: dict[str, int] = field(
        default_factory=lambda: {
            "valid": 0,
            "invalid": 0,
            "natural_duplicates": 0,
            "synthetic_duplicates": 0,
        }
    )


def generate_traffic(schemas: Sequence[EventSchema], plan: TrafficPlan) -> Iterator[dict[str, Any]]:
    """Events in time order per user-day; counts land in ``plan.expected`` as they go."""
    if not schemas:
        raise ValueError("no event schemas to generate traffic from: register some events first")
    rng = random.Random(plan.seed)
    invalid_kinds = [k for k in INVALID_KINDS if k != "missing_param" or _any_required(schemas)]
    for day in range(plan.days):
        day_start = datetime(
            plan.start.year, plan.start.month, plan.start.day, tzinfo=UTC
        ) + timedelta(days=day)
        for user in range(plan.users):
            user_id = f"user-{user:06d}"
            device_id = f"device-{user:06d}"
            platform = PLATFORMS[user % len(PLATFORMS)]
            sessions = int(plan.sessions_per_day) + (rng.random() < plan.sessions_per_day % 1)
            for _ in range(sessions):
                t = day_start + timedelta(seconds=rng.randrange(0, 86_000))
                for _ in range(plan.events_per_session):
                    t += timedelta(seconds=rng.randrange(1, 30))
                    if t >= day_start + timedelta(days=1):
                        t = day_start + timedelta(days=1) - timedelta(milliseconds=1)
                    schema = schemas[rng.randrange(len(schemas))]
                    ev = {
                        "event_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                        "event_name": schema.name,
                        "schema_version": schema.version,
                        "client_ts": t.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                        "user_id": user_id,
                        "device_id": device_id,
                        "platform": platform,
                        "app_version": "3.2.1",
                        "params": value_for(schema.json_schema, rng, plan.pad_bytes),
                    }
                    roll = rng.random()
                    if roll < plan.invalid_share:
                        plan.expected["invalid"] += 1
                        yield spoil(ev, schema, rng.choice(invalid_kinds))
                        continue
                    plan.expected["valid"] += 1
                    yield ev
                    roll = rng.random()
                    if roll < plan.natural_duplicate_share:
                        plan.expected["natural_duplicates"] += 1
                        yield dict(ev)
                    elif roll < plan.natural_duplicate_share + plan.synthetic_duplicate_share:
                        plan.expected["synthetic_duplicates"] += 1
                        other = dict(ev, params=value_for(schema.json_schema, rng, plan.pad_bytes))
                        other["client_ts"] = (
                            (t + timedelta(milliseconds=1))
                            .isoformat(timespec="milliseconds")
                            .replace("+00:00", "Z")
                        )
                        yield other


def spoil(ev: dict[str, Any], schema: EventSchema, kind: str) -> dict[str, Any]:
    """Make a valid event invalid in one known way."""
    bad = dict(ev, params=dict(ev["params"]))
    if kind == "missing_envelope":
        del bad["device_id"]
    elif kind == "unknown_event":
        bad["event_name"] = f"{schema.name}_unplanned_x"
        bad.pop("schema_version", None)
    elif kind == "missing_param":
        required = [r for r in schema.json_schema.get("required", ()) if r in bad["params"]]
        if not required:
            return spoil(ev, schema, "wrong_type")
        del bad["params"][required[0]]
    else:  # wrong_type: a string where the schema wants something else, or vice versa
        props = schema.json_schema.get("properties", {})
        name = next(iter(props), None)
        if name is None:
            bad["params"] = "not an object"
        else:
            kind_of = props[name].get("type")
            bad["params"][name] = 12345 if kind_of == "string" else "not-a-number"
    return bad


def value_for(schema: dict[str, Any], rng: random.Random, pad: int = 0) -> Any:
    """A random value that the JSON Schema accepts."""
    if "enum" in schema:
        return rng.choice(schema["enum"])
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        required = set(schema.get("required", ()))
        return {
            name: value_for(sub, rng, pad)
            for name, sub in (schema.get("properties") or {}).items()
            if name in required or rng.random() < 0.8
        }
    if kind == "array":
        low = int(schema.get("minItems", 0))
        high = max(low, min(int(schema.get("maxItems", 4)), low + 4))
        return [value_for(schema.get("items", {}), rng, pad) for _ in range(rng.randint(low, high))]
    if kind == "integer":
        low = int(schema.get("minimum", 0))
        return rng.randint(low, int(schema.get("maximum", low + 100_000)))
    if kind == "number":
        floor = float(schema.get("minimum", 0.0))
        return round(rng.uniform(floor, float(schema.get("maximum", floor + 1000.0))), 3)
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "date-time":
            return (
                datetime(2024, 5, 1, rng.randrange(24), rng.randrange(60), tzinfo=UTC)
                .isoformat()
                .replace("+00:00", "Z")
            )
        if fmt == "date":
            return (date(2024, 5, 1) + timedelta(days=rng.randrange(30))).isoformat()
        low = int(schema.get("minLength", 1))
        high = int(schema.get("maxLength", max(low, 12 + pad)))
        size = rng.randint(low, max(low, high))
        text = "".join(rng.choices(string.ascii_lowercase, k=size))
        pattern = schema.get("pattern")
        return text if not pattern else _matching(pattern, schema, rng, low, high) or text
    return None


_ALPHABETS = (
    string.ascii_lowercase + string.digits,
    string.digits,
    string.ascii_lowercase,
    string.ascii_uppercase + string.digits,
    string.hexdigits.lower(),
)


def _matching(
    pattern: str, schema: dict[str, Any], rng: random.Random, low: int, high: int
) -> str | None:
    """A string the pattern accepts: its literal prefix plus random characters, tried over
    a few alphabets, else one of the schema's examples; None when nothing fits."""
    try:
        compiled = re.compile(pattern)
    except re.error:
        return None
    prefix = re.match(r"[A-Za-z0-9_\-:./ ]*", pattern.lstrip("^"))
    literal = prefix.group(0) if prefix else ""
    sizes = list(range(max(1, low - len(literal)), max(1, min(high - len(literal), 16)) + 1))
    rng.shuffle(sizes)
    for size in sizes:
        for alphabet in _ALPHABETS:
            candidate = literal + "".join(rng.choices(alphabet, k=size))
            if compiled.search(candidate) and low <= len(candidate) <= high:
                return candidate
    examples = [e for e in schema.get("examples", ()) if isinstance(e, str) and compiled.search(e)]
    return rng.choice(examples) if examples else None


def _any_required(schemas: Sequence[EventSchema]) -> bool:
    return any(s.json_schema.get("required") for s in schemas)
