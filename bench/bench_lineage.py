"""Lineage extraction speed: Loam beside DataHub, sqllineage and plain sqlglot.lineage.

    .venv/bin/python bench/bench_lineage.py [--queries 1200] [--processes 2]

All tools are timed on the same generated queries in the same run (see
``lineage_workload.py``). Peers are benchmark-only: a peer that is not installed
is skipped and says so. Peers that pin another sqlglot live in their own venv;
point ``LOAM_BENCH_PEERS_PYTHON`` at its interpreter and their timing runs there
in a subprocess, e.g.::

    python3 -m venv /tmp/peers-venv
    /tmp/peers-venv/bin/pip install 'acryl-datahub[sql-parser]' sqllineage
    LOAM_BENCH_PEERS_PYTHON=/tmp/peers-venv/bin/python .venv/bin/python bench/bench_lineage.py
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import lineage_workload as workload
from loam.lineage import extract_many

HERE = Path(__file__).resolve().parent
PEER_TIMEOUT = 1800


def time_loam(queries: list[str], processes: int) -> dict[str, object]:
    extract_many(
        queries[:10],
        dialect="bigquery",
        default_db=workload.PROJECT,
        schema=workload.schema(),
        processes=1,
    )
    start = time.perf_counter()
    results = extract_many(
        queries,
        dialect="bigquery",
        default_db=workload.PROJECT,
        schema=workload.schema(),
        processes=processes,
        timeout=10,
    )
    seconds = time.perf_counter() - start
    failed = sum(1 for r in results if not r.ok)
    return {"queries": len(queries), "seconds": seconds, "failed": failed}


def time_peer(peer: str, spec_path: str) -> dict[str, object]:
    python = os.environ.get("LOAM_BENCH_PEERS_PYTHON") if peer != "sqlglot" else None
    command = [python or sys.executable, str(HERE / "lineage_peers.py"), peer, spec_path]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=PEER_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        return {"skipped": f"did not finish within {PEER_TIMEOUT}s"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        return {"skipped": f"failed: {done.stderr.strip().splitlines()[-1:]}"}
    result: dict[str, object] = json.loads(lines[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=1200)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--skip-peers", action="store_true")
    args = parser.parse_args(argv)
    queries = workload.queries(args.queries)
    spec = {
        "queries": queries,
        "dialect": "bigquery",
        "platform": "bigquery",
        "default_db": workload.PROJECT,
        "schema": workload.schema(),
    }
    rows: list[tuple[str, dict[str, object]]] = [
        ("loam (1 process)", time_loam(queries, 1)),
        (f"loam ({args.processes} processes)", time_loam(queries, args.processes)),
    ]
    if not args.skip_peers:
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            json.dump(spec, handle)
        try:
            for label, peer in (
                ("datahub sqlglot_lineage", "datahub"),
                ("sqllineage", "sqllineage"),
                ("sqlglot.lineage (per column)", "sqlglot"),
            ):
                rows.append((label, time_peer(peer, handle.name)))
        finally:
            os.unlink(handle.name)
    print(
        f"{len(queries)} queries (bigquery: CTAS+joins, CTEs, windows, UNNEST, MERGE, UPDATE, views)"
    )
    print(f"{'tool':<32} {'seconds':>8} {'queries/s':>10} {'ms/query':>9} {'failed':>7}")
    for label, row in rows:
        if "skipped" in row:
            print(f"{label:<32} skipped: {row['skipped']}")
            continue
        seconds = float(row["seconds"])  # type: ignore[arg-type]
        count = int(row["queries"])  # type: ignore[call-overload]
        print(
            f"{label:<32} {seconds:>8.2f} {count / seconds:>10.1f} "
            f"{1000 * seconds / count:>9.2f} {row['failed']:>7}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
