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


def open_workspace(path: Path, events: str = "", top: str = "", bus: str = "") -> Any:
    """A workspace whose [events.pipeline] table is ``events``, [events] ``top`` and, when
    given, [bus] section ``bus`` (TOML lines)."""
    from loam.workspace import DEFAULT_TOML, Workspace

    path.mkdir(parents=True, exist_ok=True)
    base = DEFAULT_TOML[: DEFAULT_TOML.index("[bus]")] + bus if bus else DEFAULT_TOML
    (path / "loam.toml").write_text(f"{base}\n[events]\n{top}\n\n[events.pipeline]\n{events}\n")
    return Workspace.open(path, create=True, environ={})


@pytest.fixture
def pipeline_ws(tmp_path: Path) -> Iterator[Any]:
    """A workspace with the sample schemas published and background work off (tests drive it)."""
    ws = open_workspace(
        tmp_path / "ws", "processors = 0\nembedded_loader = false\nprocessor_batch_seconds = 0.2"
    )
    from loam.events.pipeline.runtime import PipelineRuntime

    runtime = PipelineRuntime(ws)
    for name in ("click_item_home", "view_screen_home"):
        schema = sample_schemas().active(name)
        assert schema is not None
        runtime.folder_schemas.write(name, schema.version, schema.json_schema)
    yield ws
    ws.close()


@pytest.fixture
def http(pipeline_ws: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from loam.server import create_app

    with TestClient(create_app(pipeline_ws), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def write_key(pipeline_ws: Any) -> str:
    from loam.events.pipeline.keys import WriteKeyStore

    return WriteKeyStore(pipeline_ws.catalog).create("test-app")


def drain(app_or_ws: Any) -> Any:
    """Run the processor until the bus is empty, then the loader; the runtime used."""
    from loam.events.pipeline.runtime import runtime_of

    runtime = runtime_of(app_or_ws)
    processor = runtime.processor()
    processor.run(until_idle=True)
    processor.close()
    runtime.loader.load_all()
    return runtime


@pytest.fixture
def tokens(pipeline_ws: Any) -> dict[str, str]:
    from loam.core.auth import Role

    return {role.name: pipeline_ws.tokens.create(f"test-{role.name}", role) for role in Role}
