"""Event pipeline throughput: collector -> bus -> processor -> lake -> loader -> DuckDB.

Sends N generated events (about 430 bytes each: optional params are sometimes left out)
over HTTP in requests of 500 events, as SDKs batch them, from 4 connections to a real
collector process (``loam up``), with one processor process and one loader process
(DuckDB memory capped). End to end is timed from the first request sent to the moment
the loader has committed the last event to the warehouse (queryable), so the tail after
the last request (the processor's last batch, the loader's poll interval) counts; the
processes are started and idle before the clock starts. The waits are set in loam.toml
as a deployment that wants events queryable within a second would set them (see
PIPELINE_TOML; the table prints them). Beside it, the raw limit measured in the same
run: the same request bodies parsed with orjson and written as Parquet (one core,
nothing else). Peak memory is each process's peak RSS for a run of N/4 and of N
events, and CPU time per event per process, against the per-stage budget.

    python bench/bench_pipeline.py [--events 1000000] [--runs 3]
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from loam.events.pipeline.generator import value_for
from loam.events.pipeline.keys import WriteKeyStore
from loam.events.pipeline.runtime import PipelineRuntime
from loam.workspace import DEFAULT_TOML, Workspace

BATCH = 500
DUCKDB_MEMORY = "384MB"
SENDERS = 4
RUN_MARK = b"RRRRRRRR"
# The pipeline's waits: the processor closes a batch at 50,000 events, after 0.25 s, or
# when the bus has nothing more; the loader looks for new lake files every 0.25 s when
# idle. A deployment that wants events queryable within a second sets these; the
# defaults (1 s each) add up to ~2 s of tail, 20% of a 1M-event run at 100k ev/s.
PIPELINE_TOML = {
    "processors": "0",  # the bench starts the one processor process itself
    "embedded_loader": "false",  # and the loader, in a process of its own
    "processor_batch_events": "50000",
    "processor_batch_seconds": "0.25",
    "loader_interval_seconds": "0.25",
}
# CPU per event the stages may use for 100k ev/s on 2 cores (20 us of CPU per event).
BUDGET_US = {"collector": 6.0, "processor": 4.0, "loader": 4.0}

SCHEMAS: dict[str, dict[str, Any]] = {
    "click_item_home": {
        "type": "object",
        "required": ["item_id", "price", "currency"],
        "properties": {
            "item_id": {"type": "string", "minLength": 12, "maxLength": 16},
            "title": {"type": "string", "minLength": 40, "maxLength": 80},
            "price": {"type": "integer", "minimum": 0, "maximum": 1000000},
            "currency": {"enum": ["KRW", "USD", "JPY"]},
            "category": {"type": "string", "minLength": 8, "maxLength": 20},
            "tags": {"type": "array", "items": {"type": "string", "maxLength": 8}, "maxItems": 3},
            "position": {
                "type": "object",
                "properties": {"row": {"type": "integer"}, "col": {"type": "integer"}},
            },
            "is_promoted": {"type": "boolean"},
            "seen_at": {"type": "string", "format": "date-time"},
        },
    },
    "view_screen_home": {
        "type": "object",
        "required": ["screen", "referrer"],
        "properties": {
            "screen": {"type": "string", "minLength": 10, "maxLength": 24},
            "referrer": {"type": "string", "minLength": 20, "maxLength": 60},
            "load_ms": {"type": "integer", "minimum": 1, "maximum": 5000},
            "scroll_depth": {"type": "number", "minimum": 0, "maximum": 1},
            "experiment": {"type": "string", "minLength": 10, "maxLength": 30},
            "title": {"type": "string", "minLength": 40, "maxLength": 80},
        },
    },
    "search_keyword_home": {
        "type": "object",
        "required": ["keyword"],
        "properties": {
            "keyword": {"type": "string", "minLength": 10, "maxLength": 40},
            "results": {"type": "integer", "minimum": 0, "maximum": 500},
            "filters": {
                "type": "array",
                "items": {"type": "string", "maxLength": 12},
                "maxItems": 4,
            },
            "region": {"type": "string", "minLength": 6, "maxLength": 18},
            "query_id": {"type": "string", "minLength": 40, "maxLength": 60},
        },
    },
}


def template_bodies(count: int, seed: int = 1) -> list[bytes]:
    """Request bodies of BATCH events; each event_id starts with RUN_MARK, replaced per send."""
    rng = random.Random(seed)
    names = list(SCHEMAS)
    bodies = []
    for b in range(count):
        events = []
        for i in range(BATCH):
            name = names[rng.randrange(len(names))]
            events.append(
                {
                    "event_id": f"RRRRRRRR-{b:04x}-4{i:03x}-8000-{rng.getrandbits(48):012x}",
                    "event_name": name,
                    "client_ts": f"2024-05-0{1 + rng.randrange(2)}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:00.000Z",
                    "user_id": f"user-{rng.randrange(100000):08d}",
                    "device_id": f"device-{rng.getrandbits(64):016x}",
                    "platform": rng.choice(["ios", "android", "web"]),
                    "app_version": "24.5.1",
                    "params": value_for(SCHEMAS[name], rng),
                }
            )
        bodies.append(orjson.dumps(events))
    return bodies


def body_for(templates: list[bytes], n: int) -> bytes:
    return templates[n % len(templates)].replace(RUN_MARK, f"{n:08x}".encode())


def make_workspace(root: Path) -> tuple[Path, str]:
    path = root / "ws"
    path.mkdir(parents=True)
    pipeline = "".join(f"{k} = {v}\n" for k, v in PIPELINE_TOML.items())
    (path / "loam.toml").write_text(DEFAULT_TOML + "\n[events.pipeline]\n" + pipeline)
    ws = Workspace.open(path, create=True, environ={})
    runtime = PipelineRuntime(ws)
    for name, schema in SCHEMAS.items():
        runtime.folder_schemas.write(name, "1-0-0", schema)
    key = WriteKeyStore(ws.catalog).create("bench")
    ws.close()
    return path, key


def wait_port(port: int, timeout_s: float = 60) -> None:
    import socket

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError("collector did not start")


def cpu_seconds(pid: int | None = None) -> float:
    if pid is None:
        t = os.times()
        return t.user + t.system
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_idle(proc: subprocess.Popen[Any], timeout_s: float = 60) -> None:
    """Until ``proc`` uses under 10% of a core over 0.5 s: started up, polling idle."""
    deadline = time.monotonic() + timeout_s
    before = cpu_seconds(proc.pid)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        if proc.poll() is not None:
            raise RuntimeError(f"process {proc.args} exited with {proc.returncode}")
        now = cpu_seconds(proc.pid)
        if now - before < 0.05:
            return
        before = now
    raise RuntimeError(f"process {proc.args} did not settle")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def loader_worker(ws_path: str) -> None:
    """The loader in its own process, as `loam up` runs it; prints what it landed."""
    ws = Workspace.open(ws_path, environ={})
    # The loader's memory is DuckDB's buffer pool (the dedup window, the tables' blocks):
    # capped as a deployment would cap it.
    ws.warehouse.execute(f"SET memory_limit = '{DUCKDB_MEMORY}'")
    runtime = PipelineRuntime(ws)
    loader = runtime.loader
    interval = runtime.settings.loader_interval_seconds  # as Loader.run waits
    landed = 0
    while True:
        r = loader.load_once()  # returns once its transaction is committed: queryable
        landed += r.loaded + r.natural_duplicates + r.synthetic_duplicates
        print(landed, flush=True)
        if not loader.backlogged(r):
            time.sleep(interval)


def run_pipeline(events: int, templates: list[bytes], root: Path) -> dict[str, float]:
    ws_path, key = make_workspace(root)
    port = 18000 + os.getpid() % 1000
    env = {**os.environ, "LOAM_WORKSPACE": str(ws_path)}
    py = sys.executable
    collector = subprocess.Popen(
        [py, "-m", "loam.cli", "up", "-w", str(ws_path), "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    processor = subprocess.Popen(
        [py, "-m", "loam.events.pipeline.cli", "process", "-w", str(ws_path)], env=env
    )
    loader = subprocess.Popen(
        [py, __file__, "--loader-worker", str(ws_path)], env=env, stdout=subprocess.PIPE, text=True
    )
    requests = (events + BATCH - 1) // BATCH
    next_request = iter(range(requests))
    lock = threading.Lock()
    failures: list[str] = []

    def send() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        headers = {"Content-Type": "application/json", "X-Loam-Write-Key": key}
        while True:
            with lock:
                n = next(next_request, None)
            if n is None:
                break
            conn.request("POST", "/collect", body=body_for(templates, n), headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            if resp.status != 200:
                failures.append(data.decode()[:300])
                break
        conn.close()

    try:
        wait_port(port)
        procs = {"collector": collector, "processor": processor, "loader": loader}
        landed = [0]
        first_load = threading.Event()
        all_landed = threading.Event()

        def follow() -> None:
            assert loader.stdout is not None
            for line in loader.stdout:
                landed[0] = int(line)
                first_load.set()
                if landed[0] >= events:
                    all_landed.set()

        follower = threading.Thread(target=follow, daemon=True)
        follower.start()
        # The clock starts once every process has started up and is idle (imports,
        # DuckDB and bus connections are not the pipeline's throughput).
        if not first_load.wait(120):
            raise RuntimeError("the loader did not start")
        for p in procs.values():
            wait_idle(p)
        cpu0 = {name: cpu_seconds(p.pid) for name, p in procs.items()}
        cpu0["client"] = cpu_seconds()
        started = time.perf_counter()
        senders = [threading.Thread(target=send) for _ in range(SENDERS)]
        for t in senders:
            t.start()
        for t in senders:
            t.join()
        sent = time.perf_counter()
        if failures:
            raise RuntimeError(f"collector refused a request: {failures[0]}")
        while not all_landed.wait(0.5):
            if any(p.poll() is not None for p in procs.values()):
                raise RuntimeError("a pipeline process died")
        finished = time.perf_counter()
        cpu1 = {name: cpu_seconds(p.pid) for name, p in procs.items()}
        cpu1["client"] = cpu_seconds()
        rss = {f"rss_{name}": peak_rss_mb(p.pid) for name, p in procs.items()}
    finally:
        for proc in (collector, processor, loader):
            proc.terminate()
            proc.wait(timeout=30)
    ws = Workspace.open(ws_path, environ={})
    rows = ws.warehouse.query("SELECT count(*) FROM events").column(0)[0].as_py()
    ws.close()
    assert rows == events, f"{rows} rows in the warehouse, expected {events}"
    return {
        "seconds": finished - started,
        "collect_seconds": sent - started,
        "tail_seconds": finished - sent,
        **rss,
        **{f"cpu_us_{k}": (cpu1[k] - cpu0[k]) / events * 1e6 for k in cpu0},
    }


def run_raw(events: int, templates: list[bytes], out: Path) -> float:
    """orjson parse + Parquet write of the same bodies, nothing else (Arrow infers the types)."""
    requests = (events + BATCH - 1) // BATCH
    started = time.perf_counter()
    pending: list[Any] = []
    files = 0
    for n in range(requests):
        pending.extend(orjson.loads(body_for(templates, n)))
        if len(pending) >= 50_000 or n == requests - 1:
            pq.write_table(
                pa.Table.from_pylist(pending), out / f"raw-{files}.parquet", compression="zstd"
            )
            files += 1
            pending = []
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument(
        "--runs",
        type=int,
        default=3,
        help="full-size runs (each beside its own raw-limit run); the median is reported",
    )
    parser.add_argument("--loader-worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.loader_worker:
        loader_worker(args.loader_worker)
        return
    templates = template_bodies(40)
    size = sum(len(t) for t in templates) / (len(templates) * BATCH)
    root = Path(tempfile.mkdtemp(prefix="loam-bench-"))
    try:
        raw_dir = root / "raw"
        raw_dir.mkdir()
        small = run_pipeline(args.events // 4, templates, root / "small")
        raws: list[float] = []
        fulls: list[dict[str, float]] = []
        for run in range(max(1, args.runs)):
            # The machine's speed drifts (a shared VM): each run has its raw limit beside it.
            raws.append(args.events / run_raw(args.events, templates, raw_dir))
            fulls.append(run_pipeline(args.events, templates, root / f"full-{run}"))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    rates = [args.events / f["seconds"] for f in fulls]
    middle = sorted(range(len(rates)), key=rates.__getitem__)[len(rates) // 2]
    full = fulls[middle]
    e2e = rates[middle]
    raw = sorted(raws)[len(raws) // 2]
    print(
        f"events: {args.events:,} of {size:.0f} bytes on average, {BATCH} per request, {SENDERS} connections"
    )
    config = ", ".join(f"{k} = {v}" for k, v in PIPELINE_TOML.items())
    print(f"loam.toml [events.pipeline] {config}; loader DuckDB memory_limit {DUCKDB_MEMORY}")
    print(f"{'measure':<44}{'value':>16}")
    print(f"{'end to end (first request -> all queryable), ev/s':<44}{e2e:>16,.0f}")
    print(
        f"{f'  median of {len(rates)} runs; each run, ev/s':<44}"
        f"{' '.join(f'{r:,.0f}' for r in rates):>16}"
    )
    print(
        f"{'  of which collector accepted all, ev/s':<44}{args.events / full['collect_seconds']:>16,.0f}"
    )
    print(
        f"{'  tail after the last request, s':<44}"
        f"{full['tail_seconds']:>10.2f} of {full['seconds']:.2f}"
    )
    print(f"{'raw limit (orjson + Parquet, 1 core), ev/s':<44}{raw:>16,.0f}")
    print(f"{'  each run, ev/s':<44}{' '.join(f'{r:,.0f}' for r in raws):>16}")
    print(f"{'ratio end to end / raw (medians)':<44}{e2e / raw:>16.2f}")
    for label, r, n in (("N/4", small, args.events // 4), ("N", full, args.events)):
        rss = "collector {:.0f} / processor {:.0f} / loader {:.0f}".format(
            r["rss_collector"], r["rss_processor"], r["rss_loader"]
        )
        print(f"{'peak RSS MB at ' + label + f' ({n:,})':<44}{rss:>16}")
    print(
        f"{'CPU us per event (median N run)':<44}"
        + "{:>16}".format(
            "collector {:.1f} / processor {:.1f} / loader {:.1f} / client {:.1f}".format(
                full["cpu_us_collector"],
                full["cpu_us_processor"],
                full["cpu_us_loader"],
                full["cpu_us_client"],
            )
        )
    )
    verdicts = " / ".join(
        f"{stage} {limit:.0f} {'ok' if full[f'cpu_us_{stage}'] <= limit else 'OVER'}"
        for stage, limit in BUDGET_US.items()
    )
    print(f"{'CPU budget us per event (100k ev/s, 2 cores)':<46}{verdicts:>16}")
    print(
        f"target (medians): >= 100,000 ev/s and >= 0.5 x raw -> {'MET' if e2e >= 100_000 and e2e >= raw / 2 else 'NOT MET'}"
    )


if __name__ == "__main__":
    main()
