from __future__ import annotations

import random
from typing import Any

import jsonschema_rs
import pytest

from loam.events.pipeline.generator import TrafficPlan, generate_traffic, value_for
from loam.events.pipeline.schemas import EventSchema

from .conftest import CLICK_V1, VIEW_V1

PATTERNED: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["item_id", "code", "zip"],
    "properties": {
        "item_id": {"type": "string", "pattern": "^it_[0-9a-z]+$"},
        "code": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]{4}$", "examples": ["ABC-1234"]},
        "zip": {"type": "string", "pattern": "^[0-9]{5}$"},
        "day": {"type": "string", "format": "date"},
        "score": {"type": "number", "minimum": 0, "maximum": 1},
    },
}


@pytest.mark.parametrize("schema", [CLICK_V1, VIEW_V1, PATTERNED])
def test_generated_params_satisfy_their_schema(schema: dict[str, Any]) -> None:
    validator = jsonschema_rs.validator_for(schema, validate_formats=True)
    rng = random.Random(9)
    bad = [v for v in (value_for(schema, rng) for _ in range(300)) if not validator.is_valid(v)]
    assert bad == []


def test_traffic_counts_what_it_spoils_and_repeats() -> None:
    schemas = [
        EventSchema("click_item_home", "1-0-0", CLICK_V1),
        EventSchema("view_screen_home", "1-0-0", VIEW_V1),
    ]
    plan = TrafficPlan(
        users=30,
        days=2,
        invalid_share=0.1,
        natural_duplicate_share=0.05,
        synthetic_duplicate_share=0.05,
        seed=2,
    )
    events = list(generate_traffic(schemas, plan))
    exp = plan.expected
    assert len(events) == sum(exp.values())
    ids = [e["event_id"] for e in events]
    assert len(ids) - len(set(ids)) == exp["natural_duplicates"] + exp["synthetic_duplicates"]
    assert min(exp.values()) > 0
