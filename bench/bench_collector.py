"""CPU per event of the collector's core, ``Collector.ingest``, in process (no HTTP).

Builds the bench workspace of bench_pipeline.py (SQLite bus, the three bench schemas),
then ingests requests of 500 generated events (~430 bytes each) in a loop and divides
the process CPU time (user + system, all threads: the group-commit writer included) by
the events. Repeats and keeps the best run, since the machine's cores are shared.

    python bench/bench_collector.py [--events 200000] [--repeat 3] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_pipeline import BATCH, body_for, make_workspace, template_bodies
from loam.events.pipeline.runtime import PipelineRuntime
from loam.workspace import Workspace


def run(events: int, templates: list[bytes], root: Path, offset: int) -> float:
    """CPU microseconds per event for ``events`` ingested into a fresh workspace."""
    ws_path, _ = make_workspace(root)
    ws = Workspace.open(ws_path, environ={})
    collector = PipelineRuntime(ws).collector
    requests = events // BATCH
    bodies = [body_for(templates, offset + n) for n in range(requests)]
    collector.ingest(bodies[0], "warmup")
    started = time.process_time()
    for body in bodies:
        result = collector.ingest(body, "bench")
        assert result.accepted == BATCH and not result.quarantined, result.quarantined[:1]
    spent = time.process_time() - started
    collector.close()
    ws.close()
    return spent / (requests * BATCH) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    templates = template_bodies(40)
    root = Path(tempfile.mkdtemp(prefix="loam-bench-collector-"))
    try:
        if args.profile:
            prof = cProfile.Profile()
            prof.enable()
            run(args.events, templates, root / "p", 0)
            prof.disable()
            pstats.Stats(prof).sort_stats("tottime").print_stats(25)
            return
        results = [
            run(args.events, templates, root / f"r{i}", i * args.events) for i in range(args.repeat)
        ]
    finally:
        shutil.rmtree(root, ignore_errors=True)
    runs = " ".join(f"{r:.2f}" for r in results)
    print(f"collector ingest, {args.events:,} events in requests of {BATCH}: ")
    print(f"  CPU us/event best {min(results):.2f} (runs: {runs})")


if __name__ == "__main__":
    main()
