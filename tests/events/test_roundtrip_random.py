"""Round trips over many generated parameter trees: every type, nesting, arrays of arrays."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from loam.events import (
    EventDefinition,
    from_jsonschema,
    from_spark,
    parse_definition,
    to_bigquery,
    to_jsonschema,
    to_spark_json,
)

SCALARS = ["string", "integer", "float", "boolean", "timestamp", "date", "enum"]


def node(rng: random.Random, depth: int) -> dict[str, Any]:
    kinds = SCALARS + (["array", "object", "object"] if depth < 4 else [])
    kind = rng.choice(kinds)
    out: dict[str, Any] = {"type": kind}
    if rng.random() < 0.5:
        out["description"] = rng.choice(["Prix en ₩", 'A "quoted" note', "뜻: 설명", "x"])
    if kind == "enum":
        out["values"] = rng.sample(["a", "b", "c", "d_e", "F"], rng.randint(1, 4))
    elif kind == "array":
        out["items"] = node(rng, depth + 1)
        if rng.random() < 0.3:
            out["constraints"] = {"min_items": 1, "max_items": rng.randint(1, 9)}
    elif kind == "object":
        out["params"] = params(rng, depth + 1)
    elif kind == "integer" and rng.random() < 0.5:
        out["constraints"] = {"minimum": rng.randint(-5, 0), "maximum": rng.randint(1, 10**12)}
    elif kind == "float" and rng.random() < 0.5:
        out["constraints"] = {"minimum": rng.choice([0, 0.5, -1.25])}
    elif kind == "string" and rng.random() < 0.5:
        out["constraints"] = {"max_length": rng.randint(1, 99), "pattern": "^[a-z]+$"}
    return out


def params(rng: random.Random, depth: int) -> list[dict[str, Any]]:
    names = rng.sample(
        [
            "item",
            "seller",
            "region_code",
            "price",
            "tags",
            "rows",
            "meta",
            "kind",
            "created_on",
            "score",
            "flags",
            "n2",
        ],
        rng.randint(1, 5),
    )
    out = []
    for name in names:
        p = {"name": name, **node(rng, depth)}
        if rng.random() < 0.4:
            p["required"] = True
        if rng.random() < 0.2:
            p["pii"] = True
        if rng.random() < 0.2 and p["type"] in ("string", "integer"):
            p["examples"] = ["ex"] if p["type"] == "string" else [1, 2]
        out.append(p)
    return out


def definitions(count: int) -> list[EventDefinition]:
    rng = random.Random(20261123)
    return [
        parse_definition(
            {"name": "view_item_home", "owner": "t", "tags": ["x"], "params": params(rng, 1)}
        )
        for _ in range(count)
    ]


@pytest.mark.parametrize("definition", definitions(150))
def test_every_export_imports_back_unchanged(definition: EventDefinition) -> None:
    assert from_spark(to_spark_json(definition)) == definition.params
    schema = to_jsonschema(definition, "1-2-3")
    Draft202012Validator.check_schema(schema)
    assert from_jsonschema(json.loads(json.dumps(schema))) == definition
    assert len(to_bigquery(definition)) == len(definition.params)


def test_pyspark_agrees_on_generated_trees() -> None:
    types = pytest.importorskip("pyspark.sql.types", reason="pyspark is a dev-only check")
    for definition in definitions(60):
        text = to_spark_json(definition)
        assert types.StructType.fromJson(json.loads(text)).json() == text


def test_bigquery_client_agrees_on_generated_trees() -> None:
    bigquery = pytest.importorskip("google.cloud.bigquery")
    for definition in definitions(60):
        for field in to_bigquery(definition):
            parsed = bigquery.SchemaField.from_api_repr(field)
            assert parsed.to_api_repr()["name"] == field["name"]
            assert parsed.mode == field["mode"]
