"""The worked example in docs/lineage.md runs as written."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "lineage.md"


def test_worked_example_runs() -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.DOTALL)
    assert blocks, "docs/lineage.md has no python example"
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), {})
