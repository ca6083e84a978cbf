from __future__ import annotations

import orjson

from loam.core.lake import Lake
from loam.core.warehouse.duckdb import DuckDBWarehouse
from loam.events.pipeline.collector import Collector
from loam.events.pipeline.loader import Loader
from loam.events.pipeline.processor import Processor
from loam.events.pipeline.settings import PipelineSettings

from .conftest import sample_schemas
from .test_flow import click


def _send_and_load(
    bus, lake: Lake, warehouse: DuckDBWarehouse, settings: PipelineSettings, events: list
) -> Loader:  # type: ignore[no-untyped-def]
    schemas = sample_schemas()
    collector = Collector(bus, schemas, settings)
    collector.ingest(orjson.dumps(events), "test")
    collector.close()
    processor = Processor(bus, lake, schemas, settings)
    processor.run(until_idle=True)
    processor.close()
    loader = Loader(lake, warehouse, settings)
    loader.load_all()
    return loader


def test_duplicates_are_caught_within_the_window_and_across_loader_restarts(
    bus,
    lake: Lake,
    warehouse: DuckDBWarehouse,  # type: ignore[no-untyped-def]
) -> None:
    settings = PipelineSettings(processor_batch_seconds=0.2, dedup_window_days=2)
    ev = click()
    _send_and_load(bus, lake, warehouse, settings, [ev])
    # a new loader (a restart) still knows the event: the window lives in the warehouse
    _send_and_load(bus, lake, warehouse, settings, [ev])
    count = warehouse.query("SELECT count(*) FROM click_item_home").column(0)[0].as_py()
    natural = warehouse.query("SELECT sum(natural_duplicates) FROM _loam.load_counts").column(0)
    assert (count, natural[0].as_py()) == (1, 1)
    # once the first delivery is older than the window it is forgotten
    warehouse.execute("UPDATE _loam.seen SET loaded_at = now() - INTERVAL 3 DAY")
    _send_and_load(bus, lake, warehouse, settings, [click()])
    assert (
        warehouse.query("SELECT count(*) FROM _loam.seen WHERE event_id = ?", [ev["event_id"]])
        .column(0)[0]
        .as_py()
        == 0
    )


def test_a_backlog_loads_in_bounded_batches_with_the_same_result(
    bus,
    lake: Lake,
    warehouse: DuckDBWarehouse,  # type: ignore[no-untyped-def]
) -> None:
    settings = PipelineSettings(loader_max_files=2)
    schemas = sample_schemas()
    collector = Collector(bus, schemas, settings)
    first = [click(price=i) for i in range(5)]
    for ev in first:  # one request, one bus message, one processor batch, one file each
        collector.ingest(orjson.dumps([ev]), "test")
    collector.ingest(orjson.dumps([first[0], first[1]]), "test")  # re-sent: duplicates
    collector.close()
    processor = Processor(bus, lake, schemas, settings)
    while messages := processor.consumer.poll(max_messages=1, timeout=0.5):
        processor.process(messages)  # one message per batch: one lake file each
        processor.consumer.commit(messages)
    processor.close()
    loader = Loader(lake, warehouse, settings)
    batches = []
    while (r := loader.load_once()).files:
        batches.append(r)
    assert all(r.files <= 2 for r in batches) and len(batches) >= 3
    assert sum(r.loaded for r in batches) == 5
    assert sum(r.natural_duplicates for r in batches) == 2
