"""The demo workspace's dictionary: a sample marketplace app's events, every export valid."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from loam.events import from_jsonschema, from_spark, registry, render
from loam.events.demo import EVENTS, build
from loam.workspace import Workspace


def test_demo_registers_the_sample_app_once(tmp_path: Path) -> None:
    ws = Workspace.open(tmp_path / "demo", create=True, environ={})
    build(ws)
    build(ws)  # again: nothing changes
    reg = registry(ws)
    assert len(reg.names()) == len(EVENTS) >= 10
    assert [v.version for v in reg.versions("view_item_home")] == ["1-0-0", "1-0-1", "1-0-2"]
    assert [v.version for v in reg.versions("submit_item_write")] == ["1-0-0", "1-1-0"]
    assert [v.version for v in reg.versions("search_item_search")] == ["1-0-0", "2-0-0"]
    assert {e.owner for e in reg.list_events()} >= {"marketplace", "search", "chat", "payments"}
    assert "chat_seller_chat" in reg.events_with_param("buyer_id")
    for name in reg.names():
        v = reg.get(name)
        schema = json.loads(render(v.definition, v.version, "jsonschema"))
        Draft202012Validator.check_schema(schema)
        assert from_jsonschema(schema) == v.definition
        assert from_spark(render(v.definition, v.version, "spark")) == v.definition.params
    ws.close()


def test_demo_has_deep_trees_and_arrays_of_objects() -> None:
    def depth(params: list[dict[str, object]]) -> int:
        best = 1
        for p in params:
            kids = p.get("params") or (p.get("items") or {}).get("params")  # type: ignore[union-attr]
            if kids:
                best = max(best, 1 + depth(kids))  # type: ignore[arg-type]
        return best

    assert max(depth(e["params"]) for e in EVENTS) >= 3
    assert any(
        p["type"] == "array" and p["items"]["type"] == "object" for e in EVENTS for p in e["params"]
    )


@pytest.mark.parametrize("fmt", ["spark", "bigquery"])
def test_demo_exports_parse(tmp_path: Path, fmt: str) -> None:
    ws = Workspace.open(tmp_path / "demo", create=True, environ={})
    build(ws)
    reg = registry(ws)
    v = reg.get("send_message_chat")
    text = render(v.definition, v.version, fmt)
    if fmt == "spark":
        types = pytest.importorskip("pyspark.sql.types")
        assert types.StructType.fromJson(json.loads(text)).json() == text
    else:
        bigquery = pytest.importorskip("google.cloud.bigquery")
        fields = [bigquery.SchemaField.from_api_repr(f) for f in json.loads(text)]
        attachments = {f.name: f for f in fields}["attachments"]
        assert attachments.mode == "REPEATED" and attachments.field_type == "RECORD"
    ws.close()
