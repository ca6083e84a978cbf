from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from loam.core.bus.sqlite import SqliteBus
from loam.core.lake import Lake
from loam.core.warehouse.duckdb import DuckDBWarehouse
from loam.events.pipeline.schemas import InMemorySchemaSource
from loam.events.pipeline.settings import PipelineSettings

CLICK_V1: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["item_id", "price"],
    "properties": {
        "item_id": {"type": "string", "maxLength": 64},
        "price": {"type": "integer", "minimum": 0},
        "currency": {"enum": ["KRW", "USD"]},
        "tags": {"type": "array", "items": {"type": "string"}},
        "position": {
            "type": "object",
            "properties": {
                "x": {"type": "integer"},
                "y": {"type": "integer"},
                "screen": {"type": "object", "properties": {"name": {"type": "string"}}},
            },
        },
        "seen_at": {"type": "string", "format": "date-time"},
    },
}

VIEW_V1: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["screen"],
    "properties": {
        "screen": {"type": "string"},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"id": {"type": "string"}, "rank": {"type": "integer"}},
            },
        },
    },
}


def sample_schemas() -> InMemorySchemaSource:
    src = InMemorySchemaSource()
    src.add("click_item_home", "1-0-0", CLICK_V1)
    src.add("view_screen_home", "1-0-0", VIEW_V1)
    return src


@pytest.fixture
def settings() -> PipelineSettings:
    return PipelineSettings(processor_batch_seconds=0.2)


@pytest.fixture
def bus(tmp_path: Path) -> Iterator[SqliteBus]:
    b = SqliteBus(str(tmp_path / "bus.sqlite"), default_partitions=4)
    yield b
    b.close()


@pytest.fixture
def lake(tmp_path: Path) -> Lake:
    return Lake(str(tmp_path / "lake"))


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[DuckDBWarehouse]:
    w = DuckDBWarehouse(str(tmp_path / "warehouse.duckdb"))
    yield w
    w.close()
