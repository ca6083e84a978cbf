from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).parents[3] / "docs" / "events-pipeline.md"


def test_the_library_example_in_the_docs_runs() -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    assert blocks, "docs/events-pipeline.md lost its Python example"
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), {})
