"""The worked example in docs/lineage.md runs as written."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "lineage.md"


def test_worked_example_runs() -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.DOTALL)
    assert blocks, "docs/lineage.md has no python example"
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), {})


def test_cli_example_runs_and_says_what_the_docs_say(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    text = DOC.read_text()
    [log] = re.findall(r"```jsonl\n(.*?)```", text, re.DOTALL)
    (tmp_path / "queries.jsonl").write_text(log)
    [commands] = re.findall(r"```sh\n(.*?)```", text, re.DOTALL)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOAM_")}
    env["COLUMNS"] = "200"
    outputs = {}
    for line in commands.strip().splitlines():
        assert line.startswith("loam lineage "), line
        args = shlex.split(line)[1:]
        done = subprocess.run(
            [sys.executable, "-m", "loam.cli", *args, "--processes", "1"]
            if args[1] == "ingest"
            else [sys.executable, "-m", "loam.cli", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert done.returncode == 0, f"{line}\n{done.stderr}"
        outputs[args[1]] = done.stdout
    impact = outputs["impact"]
    for expected in (
        "shop.stg.buyers.email",
        "shop.mart.countries.buyers",
        "bi-team@shop.io",
        "stg-buyers",
        "mart-countries",
    ):
        assert expected in impact
    assert "shop.mart.countries.buyers" in outputs["tag"]
