from __future__ import annotations

import uuid
from typing import Any

from loam.core.lake import Lake
from loam.core.warehouse.duckdb import DuckDBWarehouse
from loam.events.pipeline.collector import Collector
from loam.events.pipeline.loader import Loader
from loam.events.pipeline.processor import Processor
from loam.events.pipeline.settings import PipelineSettings

from .conftest import sample_schemas


def click(price: Any = 1200, **extra: Any) -> dict[str, Any]:
    ev = {
        "event_id": str(uuid.uuid4()),
        "event_name": "click_item_home",
        "client_ts": "2024-05-01T12:00:00Z",
        "user_id": "u1",
        "device_id": "d1",
        "platform": "ios",
        "params": {
            "item_id": "i-1",
            "price": price,
            "tags": ["a", "b"],
            "position": {"x": 1, "screen": {"name": "home"}},
            "seen_at": "2024-05-01T11:59:59.5+09:00",
        },
    }
    ev.update(extra)
    return ev


def test_events_land_as_typed_columns(
    bus, lake: Lake, warehouse: DuckDBWarehouse, settings: PipelineSettings
) -> None:
    import orjson

    schemas = sample_schemas()
    collector = Collector(bus, schemas, settings)
    good = [click(price=i) for i in range(10)]
    result = collector.ingest(orjson.dumps(good), "test")
    assert result.accepted == 10 and not result.quarantined
    Processor(bus, lake, schemas, settings).run(until_idle=True)
    report = Loader(lake, warehouse, settings).load_all()
    assert report.loaded == 10
    rows = warehouse.query(
        "SELECT price, position__x, position__screen__name, tags, seen_at FROM click_item_home ORDER BY price"
    ).to_pylist()
    assert [r["price"] for r in rows] == list(range(10))
    assert rows[0]["position__screen__name"] == "home"
    assert rows[0]["tags"] == ["a", "b"]
    assert str(rows[0]["seen_at"].astimezone().utcoffset()) is not None
    wide = warehouse.query(
        "SELECT count(*) AS n, sum(click_item_home__price) AS s FROM events"
    ).to_pylist()
    assert wide == [{"n": 10, "s": 45}]
