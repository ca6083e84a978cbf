"""The speed benchmark runs end to end on a few queries (speed itself is judged by
``make bench``, never here) and its generated workload parses without errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_runs_and_prints_a_table() -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "bench_lineage.py"),
            "--queries",
            "24",
            "--skip-peers",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines = done.stdout.splitlines()
    assert any(line.startswith("loam (1 process)") for line in lines)
    assert any(line.startswith("loam (2 processes)") or "processes)" in line for line in lines)
    for line in lines:
        if line.startswith("loam"):
            assert line.split()[-1] == "0", f"workload queries failed: {line}"
