"""Exports checked against golden files and real parsers; imports give back what was exported."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from loam.events import (
    EventDefinition,
    ImportFailed,
    from_jsonschema,
    from_spark,
    to_bigquery,
    to_bigquery_json,
    to_jsonschema,
    to_jsonschema_json,
    to_spark,
    to_spark_json,
)
from tests.events.conftest import FIXTURES


def test_spark_json_matches_the_golden_file(click_item_home: EventDefinition) -> None:
    expected = (FIXTURES / "click_item_home.spark.json").read_text().strip()
    assert to_spark_json(click_item_home) == expected


def test_bigquery_json_matches_the_golden_file(click_item_home: EventDefinition) -> None:
    expected = (FIXTURES / "click_item_home.bigquery.json").read_text().strip()
    assert to_bigquery_json(click_item_home) == expected


def test_jsonschema_matches_the_golden_file(click_item_home: EventDefinition) -> None:
    expected = (FIXTURES / "click_item_home.jsonschema.json").read_text().strip()
    assert to_jsonschema_json(click_item_home, "1-0-0") == expected


def test_spark_round_trip_keeps_every_parameter(click_item_home: EventDefinition) -> None:
    params = from_spark(to_spark_json(click_item_home))
    assert params == click_item_home.params


def test_jsonschema_round_trip_keeps_the_whole_event(click_item_home: EventDefinition) -> None:
    back = from_jsonschema(to_jsonschema_json(click_item_home, "1-0-3"))
    assert back == click_item_home


def test_golden_files_import_back_to_the_hand_written_definition(
    click_item_home: EventDefinition,
) -> None:
    spark = json.loads((FIXTURES / "click_item_home.spark.json").read_text())
    schema = json.loads((FIXTURES / "click_item_home.jsonschema.json").read_text())
    assert from_spark(spark) == click_item_home.params
    assert from_jsonschema(schema) == click_item_home


def test_pyspark_reads_and_writes_the_same_text(click_item_home: EventDefinition) -> None:
    types = pytest.importorskip("pyspark.sql.types", reason="pyspark is a dev-only check")
    text = to_spark_json(click_item_home)
    struct = types.StructType.fromJson(json.loads(text))
    assert struct.json() == text
    item = struct["item"].dataType
    region = item["seller"].dataType["region"].dataType
    assert isinstance(region["distance_km"].dataType, types.DoubleType)
    assert struct["item"].nullable is False and struct["is_promoted"].nullable is True
    badges = struct["badges"].dataType
    assert isinstance(badges, types.ArrayType) and badges.containsNull is False
    assert isinstance(badges.elementType, types.StructType)
    assert struct["item"].metadata["description"] == "The item that was tapped."


def test_bigquery_client_parses_the_schema(click_item_home: EventDefinition) -> None:
    bigquery = pytest.importorskip("google.cloud.bigquery")
    fields = [bigquery.SchemaField.from_api_repr(f) for f in to_bigquery(click_item_home)]
    by_name = {f.name: f for f in fields}
    assert by_name["item"].field_type == "RECORD" and by_name["item"].mode == "REQUIRED"
    seller = {f.name: f for f in by_name["item"].fields}["seller"]
    region = {f.name: f for f in seller.fields}["region"]
    assert [f.name for f in region.fields] == ["region_code", "distance_km"]
    seller_id = {f.name: f for f in seller.fields}["seller_id"]
    assert list(seller_id.policy_tags.names) == [
        "projects/PROJECT_ID/locations/LOCATION/taxonomies/TAXONOMY_ID/policyTags/PII"
    ]
    assert by_name["badges"].mode == "REPEATED" and by_name["badges"].field_type == "RECORD"
    assert by_name["filters"].mode == "REPEATED" and by_name["filters"].field_type == "STRING"
    assert by_name["grid"].fields[0].mode == "REPEATED"  # arrays of arrays get wrapped
    assert by_name["position"].description == "Zero-based slot in the feed."
    assert to_bigquery(click_item_home, policy_tag="projects/p/x")[0]["fields"][3]["fields"][0][
        "policyTags"
    ] == {"names": ["projects/p/x"]}


def test_jsonschema_is_valid_2020_12_and_validates_payloads(
    click_item_home: EventDefinition,
) -> None:
    schema = to_jsonschema(click_item_home, "1-0-0")
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    good = {
        "item": {
            "item_id": "it_9f2c",
            "price": 1000,
            "seller": {"seller_id": "u1", "region": {"region_code": "seoul-1", "distance_km": 1.5}},
        },
        "position": 3,
        "badges": [{"kind": "new", "shown_at": "2026-11-23T10:00:00Z"}],
        "grid": [["it_1", "it_2"], []],
        "listed_on": "2026-11-20",
    }
    assert list(validator.iter_errors(good)) == []
    bad = {
        "item": {"item_id": "x", "price": -1, "category": "cars"},
        "badges": [{"kind": "sold"}] * 6,
        "surprise": 1,
    }
    messages = sorted(e.json_path for e in validator.iter_errors(bad))
    assert messages == sorted(
        [
            "$",
            "$",
            "$.item.item_id",
            "$.item.item_id",
            "$.item.price",
            "$.item.category",
            "$.badges",
            *[f"$.badges[{i}].kind" for i in range(6)],
        ]
    )


def test_import_an_old_hand_written_spark_file() -> None:
    """Files from the old Git workflow: integer types, comments, nullable element arrays."""
    old = {
        "type": "struct",
        "fields": [
            {"name": "count", "type": "integer", "nullable": False, "metadata": {}},
            {
                "name": "note",
                "type": "string",
                "nullable": True,
                "metadata": {"comment": "free text"},
            },
            {
                "name": "ids",
                "type": {"type": "array", "elementType": "long", "containsNull": True},
                "nullable": True,
                "metadata": {},
            },
            {"name": "amount", "type": "decimal(10,2)", "nullable": True, "metadata": {}},
        ],
    }
    params = from_spark(old)
    assert [(p.name, p.type, p.required) for p in params] == [
        ("count", "integer", True),
        ("note", "string", False),
        ("ids", "array", False),
        ("amount", "float", False),
    ]
    assert params[1].description == "free text"
    assert params[2].items is not None and params[2].items.type == "integer"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ('{"type": "struct"', "not valid JSON"),
        ({"type": "array"}, "not a Spark StructType"),
        ({"type": "struct", "fields": [{"name": "m", "type": {"type": "map"}}]}, "m: Spark type"),
        ({"type": "struct", "fields": [{"name": "b", "type": "binary"}]}, "b: Spark type 'binary'"),
        ({"type": "struct", "fields": [{"type": "string"}]}, r"fields\[0\]: a field needs"),
    ],
)
def test_bad_spark_files_say_where(data: object, message: str) -> None:
    with pytest.raises(ImportFailed, match=message):
        from_spark(data)  # type: ignore[arg-type]


def test_jsonschema_import_follows_local_refs_and_nullable_types() -> None:
    doc = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "view_item_home",
        "type": "object",
        "$defs": {"money": {"type": "object", "properties": {"amount": {"type": "number"}}}},
        "properties": {
            "price": {"$ref": "#/$defs/money", "description": "Price"},
            "note": {"type": ["string", "null"]},
        },
        "required": ["price", "note"],
    }
    d = from_jsonschema(doc)
    assert d.name == "view_item_home"
    price, note = d.params
    assert price.type == "object" and price.required and price.description == "Price"
    assert price.params is not None and price.params[0].type == "float"
    assert note.required is False  # null allowed: optional in Loam


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"type": "object", "properties": {}}, "no 'title'"),
        ({"title": "a_b_c", "type": "array"}, "top level must be"),
        ({"title": "a_b_c", "type": "object", "properties": {"x": {"oneOf": []}}}, "x: oneOf"),
        (
            {"title": "a_b_c", "type": "object", "properties": {"x": {"$ref": "#/nowhere"}}},
            "x: \\$ref '#/nowhere' points nowhere",
        ),
        (
            {"title": "a_b_c", "type": "object", "properties": {"x": {"type": "array"}}},
            "x: an array needs 'items'",
        ),
    ],
)
def test_bad_jsonschema_files_say_where(doc: dict[str, object], message: str) -> None:
    with pytest.raises(ImportFailed, match=message):
        from_jsonschema(doc)


def test_spark_text_is_compact_and_sorted_like_pyspark(click_item_home: EventDefinition) -> None:
    text = to_spark_json(click_item_home)
    assert " " not in text.replace("A user", "").split('"description"')[0]
    assert text == json.dumps(
        to_spark(click_item_home.params), separators=(",", ":"), sort_keys=True
    )
    assert text.startswith(
        '{"fields":[{"metadata":{"description":"The item that was tapped."},'
        '"name":"item","nullable":false,"type":{"fields":'
    )
