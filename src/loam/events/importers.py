"""Reading event files: Loam YAML/JSON definitions, Spark StructType JSON, JSON Schema."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml

from loam.events.errors import ImportFailed
from loam.events.export_jsonschema import from_jsonschema
from loam.events.export_spark import from_spark
from loam.events.model import EventDefinition, parse_definition

ImportFormat = Literal["auto", "spark", "jsonschema", "definition"]
_GENERATED_STEMS = {"spark", "schema", "jsonschema", "bigquery", "event", "structtype"}


def parse_text(text: str, source: str = "input") -> Any:
    """JSON or YAML text as data; ImportFailed says which and where it broke."""
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ImportFailed(f"{source}: not valid JSON: {exc}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ImportFailed(f"{source}: not valid YAML or JSON: {exc}") from None


def detect_format(data: Any) -> ImportFormat:
    if isinstance(data, Mapping):
        if data.get("type") == "struct" and "fields" in data:
            return "spark"
        if "$schema" in data or "properties" in data:
            return "jsonschema"
        if "name" in data:
            return "definition"
    raise ImportFailed(
        "cannot tell what this is: expected a Spark StructType "
        '({"type": "struct", "fields": [...]}), a JSON Schema (with "properties") or a Loam '
        "event definition (with name and params)"
    )


def import_definition(
    data: Any,
    *,
    fmt: ImportFormat = "auto",
    name: str | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> EventDefinition:
    """An event definition from imported data; ``overrides`` set event fields (owner, …)."""
    kind = detect_format(data) if fmt == "auto" else fmt
    extra = {k: v for k, v in (overrides or {}).items() if v not in (None, "", [])}
    if kind == "spark":
        if not name:
            raise ImportFailed("a Spark StructType carries no event name: give one (--name)")
        params = from_spark(data)
        return parse_definition({"name": name, **extra, "params": _plain(params)})
    if kind == "jsonschema":
        base = from_jsonschema(data, name=name).to_data()
        return parse_definition({**base, **extra})
    if not isinstance(data, Mapping):
        raise ImportFailed("an event definition must be a mapping")
    return parse_definition({**data, **({"name": name} if name else {}), **extra})


def _plain(params: list[Any]) -> list[dict[str, Any]]:
    return [p.model_dump(mode="json", exclude_defaults=True) for p in params]


def name_from_path(path: Path) -> str:
    """``events/click_item_home/spark.json`` and ``click_item_home.json`` both name the event."""
    stem = path.name.split(".")[0]
    if stem.lower() in _GENERATED_STEMS and path.parent.name:
        return path.parent.name
    return stem
