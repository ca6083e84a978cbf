"""The pipeline on the Kafka bus (a real broker: tansu, or LOAM_TEST_KAFKA_BOOTSTRAP)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from loam.core.bus.kafka import KafkaBus
from loam.core.lake import Lake
from loam.core.warehouse.duckdb import DuckDBWarehouse
from loam.events.pipeline.collector import Collector
from loam.events.pipeline.generator import TrafficPlan, generate_traffic
from loam.events.pipeline.loader import Loader
from loam.events.pipeline.processor import Processor
from loam.events.pipeline.settings import PipelineSettings
from loam.events.pipeline.traffic import batches

from .conftest import sample_schemas
from .test_kill import _assert_exactly_once, run_chaos

pytestmark = pytest.mark.integration


@pytest.fixture
def kafka_bus(kafka_bootstrap: str) -> Iterator[KafkaBus]:
    bus = KafkaBus(kafka_bootstrap, default_partitions=4, session_timeout_ms=6000)
    yield bus
    bus.close()


def _unique_settings() -> PipelineSettings:
    tag = uuid.uuid4().hex[:8]
    return PipelineSettings(
        topic=f"events-{tag}",
        quarantine_topic=f"quarantine-{tag}",
        group=f"processors-{tag}",
        processor_batch_seconds=0.5,
    )


def test_a_stream_lands_with_exact_counts_on_kafka(kafka_bus: KafkaBus, tmp_path: Path) -> None:
    settings = _unique_settings()
    schemas = sample_schemas()
    collector = Collector(kafka_bus, schemas, settings)
    plan = TrafficPlan(
        users=40,
        days=2,
        invalid_share=0.06,
        natural_duplicate_share=0.04,
        synthetic_duplicate_share=0.03,
        seed=5,
    )
    active = [s for n in schemas.names() if (s := schemas.active(n)) is not None]
    for batch in batches(generate_traffic(active, plan), 500):
        collector.ingest(orjson.dumps(batch), "kafka-test")
    collector.close()
    lake = Lake(str(tmp_path / "lake"))
    processor = Processor(kafka_bus, lake, schemas, settings)
    expected_rows = sum(plan.expected.values())
    landed = 0
    for _ in range(60):  # a new group's first poll waits for its assignment
        report = processor.step()
        landed += report.events + report.quarantined
        if landed >= expected_rows:
            break
    processor.close()
    wh = DuckDBWarehouse(str(tmp_path / "wh.duckdb"))
    report = Loader(lake, wh, settings).load_all()
    exp = plan.expected
    assert report.loaded == exp["valid"]
    assert report.natural_duplicates == exp["natural_duplicates"]
    assert report.synthetic_duplicates == exp["synthetic_duplicates"]
    assert report.quarantined == exp["invalid"]
    assert (
        wh.query("SELECT count(DISTINCT event_id) FROM events").column(0)[0].as_py() == exp["valid"]
    )
    wh.close()


def _kafka_toml(bootstrap: str) -> str:
    return (
        '[bus]\nbackend = "kafka"\n'
        f'[bus.kafka]\nbootstrap_servers = "{bootstrap}"\nsession_timeout_ms = 6000\n'
    )


@pytest.mark.slow
def test_two_processors_rolling_restart_on_kafka_loses_nothing(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    r = run_chaos(
        tmp_path,
        ("processor-a", "processor-b"),
        seed=31,
        bus_toml=_kafka_toml(kafka_bootstrap),
        rolling=True,
        topics_tag=uuid.uuid4().hex[:8],
        pace_s=0.8,
    )
    _assert_exactly_once(r, min_kills=2)
    assert r["natural"] == r["plan"]["natural_duplicates"]


@pytest.mark.slow
def test_killing_every_process_on_kafka_loses_nothing(kafka_bootstrap: str, tmp_path: Path) -> None:
    r = run_chaos(
        tmp_path,
        ("collector", "processor-a", "processor-b", "loader"),
        seed=37,
        bus_toml=_kafka_toml(kafka_bootstrap),
        topics_tag=uuid.uuid4().hex[:8],
    )
    _assert_exactly_once(r)
