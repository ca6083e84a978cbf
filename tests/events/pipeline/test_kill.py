"""Exactly once under SIGKILL: real collector, processors and loader killed mid-stream."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from loam.core.warehouse.duckdb import DuckDBWarehouse
from loam.events.pipeline.generator import TrafficPlan, generate_traffic
from loam.events.pipeline.keys import WriteKeyStore
from loam.events.pipeline.runtime import PipelineRuntime
from loam.events.pipeline.traffic import HttpSender, SendReport, batches

from .chaos import Fleet, free_port
from .conftest import open_workspace, sample_schemas

EVENTS_SETTINGS = "processors = 0\nembedded_loader = false\nprocessor_batch_seconds = 0.3\n"


def _prepare(tmp_path: Path, bus_toml: str = "", topics_tag: str = "") -> tuple[Any, str]:
    events = EVENTS_SETTINGS
    if topics_tag:  # a broker shared by tests: topics and group of this test only
        events += (
            f'topic = "events-{topics_tag}"\nquarantine_topic = "quarantine-{topics_tag}"\n'
            f'group = "processors-{topics_tag}"\n'
        )
    ws = open_workspace(tmp_path / "ws", events, bus=bus_toml)
    runtime = PipelineRuntime(ws)
    src = sample_schemas()
    for name in src.names():
        s = src.active(name)
        assert s is not None
        runtime.folder_schemas.write(name, s.version, s.json_schema)
    key = WriteKeyStore(ws.catalog).create("chaos-app")
    ws.close()
    return ws, key


def _send(
    port: int, key: str, plan: TrafficPlan, pace_s: float = 0.3
) -> tuple[SendReport, set[str], set[str], int]:
    """Send the traffic; the valid and invalid event ids, and how many events were re-sent
    after a lost answer (each may land once more, as a natural duplicate)."""
    src = sample_schemas()
    schemas = [s for n in src.names() if (s := src.active(n)) is not None]
    sender = HttpSender(f"http://127.0.0.1:{port}", key, timeout_s=30, max_retries=200)
    report = SendReport()
    valid: set[str] = set()
    invalid: set[str] = set()
    resent = 0
    import orjson

    from loam.events.pipeline.envelope import check_envelope

    for batch in batches(generate_traffic(schemas, plan), 250):
        body = orjson.dumps(batch)
        retries = report.retries
        answer = sender.send_body(body, report)
        bad = {d["index"] for d in answer.get("error", {}).get("details", [])}
        for i, ev in enumerate(batch):
            (invalid if i in bad else valid).add(ev["event_id"])
        if report.retries > retries:
            resent += len(batch)
        time.sleep(pace_s)  # spread the stream over many kills
        assert check_envelope is not None
    sender.close()
    return report, valid, invalid, resent


def _wait_drained(
    ws_path: Path,
    fleet: Fleet,
    valid: set[str],
    invalid: set[str],
    deliveries: int,
    timeout_s: float = 180,
) -> None:
    """Until every sent event is in the lake (events or quarantine): engine-agnostic, as
    Kafka brokers such as tansu report unreliable lag."""
    import pyarrow.parquet as pq

    from loam.core.lake import Lake

    lake = Lake(str(ws_path / "lake"))
    seen: dict[str, set[str]] = {"events": set(), "quarantine": set()}
    positions: set[tuple[int, int, int]] = set()
    read: set[str] = set()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        fleet.assert_alive()
        for dataset in seen:
            for path in lake.files(dataset) if dataset in lake.datasets() else []:
                if path not in read:
                    read.add(path)
                    cols = ["event_id", "_bus_partition", "_bus_offset", "_bus_index"]
                    rows = pq.read_table(path, columns=cols).to_pydict()
                    seen[dataset].update(i for i in rows["event_id"] if i)
                    if dataset == "events":
                        positions.update(
                            zip(
                                rows["_bus_partition"],
                                rows["_bus_offset"],
                                rows["_bus_index"],
                                strict=True,
                            )
                        )
        if (
            valid <= seen["events"]
            and invalid <= seen["quarantine"]
            and len(positions) >= deliveries
        ):
            return
        time.sleep(0.5)
    missing = len(valid - seen["events"]) + len(invalid - seen["quarantine"])
    raise AssertionError(f"{missing} event(s) not in the lake after {timeout_s}s")


def _wait_listening(port: int, timeout_s: float = 30) -> None:
    import socket

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"the collector did not listen on {port} within {timeout_s}s")


def run_chaos(
    tmp_path: Path,
    victims: tuple[str, ...],
    seed: int,
    bus_toml: str = "",
    env: dict[str, str] | None = None,
    rolling: bool = False,
    topics_tag: str = "",
    pace_s: float = 0.3,
) -> dict[str, Any]:
    ws, key = _prepare(tmp_path, bus_toml, topics_tag)
    port = free_port()
    logs = tmp_path / "logs"
    logs.mkdir()
    fleet = Fleet(ws.path, port, logs, env=env or {})
    fleet.start_all()
    stop = threading.Event()
    plan = TrafficPlan(
        users=200,
        days=2,
        events_per_session=10,
        invalid_share=0.05,
        natural_duplicate_share=0.03,
        synthetic_duplicate_share=0.02,
        seed=seed,
    )
    try:
        _wait_listening(port)
        chaos = fleet.chaos(stop, victims, seed, rolling=rolling)
        report, valid, invalid, resent = _send(port, key, plan, pace_s)
        stop.set()
        chaos.join()
        for name in fleet.names:
            if fleet.procs[name].poll() is not None:
                fleet.start(name)
        exp = plan.expected
        deliveries = exp["valid"] + exp["natural_duplicates"] + exp["synthetic_duplicates"]
        _wait_drained(ws.path, fleet, valid, invalid, deliveries)
    finally:
        stop.set()
        fleet.stop_all()
    from loam.workspace import Workspace

    final = Workspace.open(ws.path, environ={})
    runtime = PipelineRuntime(final)
    runtime.loader.load_all()
    wh: DuckDBWarehouse = final.warehouse  # type: ignore[assignment]
    ids = wh.query("SELECT event_id FROM events").column(0).to_pylist()
    counts = wh.query(
        "SELECT sum(natural_duplicates)::BIGINT AS n, sum(synthetic_duplicates)::BIGINT AS s FROM _loam.load_counts"
    ).to_pylist()[0]
    quarantined = (
        wh.query("SELECT count(DISTINCT event_id) FROM events_quarantine").column(0)[0].as_py()
    )
    per_table = sum(
        wh.query(f"SELECT count(*) FROM {t}").column(0)[0].as_py()
        for t in ("click_item_home", "view_screen_home")
    )
    final.close()
    return {
        "plan": plan.expected,
        "ids": ids,
        "valid": valid,
        "invalid": invalid,
        "resent": resent,
        "natural": counts["n"],
        "synthetic": counts["s"],
        "quarantined_ids": quarantined,
        "per_table": per_table,
        "kills": fleet.kills,
        "report": report,
    }


def _assert_exactly_once(r: dict[str, Any], min_kills: int = 5) -> None:
    assert len(r["kills"]) >= min_kills, r["kills"]
    assert len(r["ids"]) == len(set(r["ids"])), "duplicate rows in the warehouse"
    assert set(r["ids"]) == r["valid"], (
        f"lost {len(r['valid'] - set(r['ids']))}, unexpected {len(set(r['ids']) - r['valid'])}"
    )
    assert len(r["ids"]) == r["plan"]["valid"] == r["per_table"]
    assert r["quarantined_ids"] == r["plan"]["invalid"] == len(r["invalid"])
    # Duplicates are exact unless the client re-sent a batch whose answer a killed collector
    # never gave: each re-sent event then lands once more as a duplicate of its first copy
    # (natural, or synthetic again when it was itself a planned synthetic duplicate).
    extra_synthetic = r["synthetic"] - r["plan"]["synthetic_duplicates"]
    extra_natural = r["natural"] - r["plan"]["natural_duplicates"]
    assert extra_synthetic >= 0 and extra_natural >= 0, (extra_synthetic, extra_natural)
    assert extra_synthetic + extra_natural <= r["resent"], (
        extra_synthetic,
        extra_natural,
        r["resent"],
    )


@pytest.mark.slow
def test_killing_processors_and_loader_loses_nothing_and_counts_exactly(tmp_path: Path) -> None:
    r = run_chaos(tmp_path, ("processor-a", "processor-b", "loader"), seed=11)
    _assert_exactly_once(r)
    # No collector was killed, so no batch was re-sent: every natural duplicate is planned,
    # and no crash-replay of a processor or the loader was counted as one.
    assert r["resent"] == 0
    assert r["natural"] == r["plan"]["natural_duplicates"]


@pytest.mark.slow
def test_killing_every_process_loses_nothing_and_loads_each_event_once(tmp_path: Path) -> None:
    r = run_chaos(tmp_path, ("collector", "processor-a", "processor-b", "loader"), seed=23)
    assert "collector" in r["kills"]
    _assert_exactly_once(r)
