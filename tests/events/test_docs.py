"""Runs the worked example in docs/events.md: every ``$ loam events …`` line and its output."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from loam.core.errors import LoamError
from loam.events.cli import app
from loam.workspace import Workspace

DOC = Path(__file__).parents[2] / "docs" / "events.md"


def console_blocks(text: str) -> list[tuple[str, list[str]]]:
    """(command, expected output lines) for each ``$ …`` line in the console blocks."""
    steps: list[tuple[str, list[str]]] = []
    for block in re.findall(r"```console\n(.*?)```", text, re.S):
        for line in block.splitlines():
            if line.startswith("$ "):
                steps.append((line[2:], []))
            else:
                steps[-1][1].append(line)
    return steps


def matches(expected: list[str], actual: list[str]) -> bool:
    """Line by line; ``...`` stands for any number of lines."""
    if not expected:
        return not actual
    if expected[0] == "...":
        return any(matches(expected[1:], actual[i:]) for i in range(len(actual) + 1))
    return bool(actual) and actual[0] == expected[0] and matches(expected[1:], actual[1:])


def test_worked_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = DOC.read_text()
    definition = yaml.safe_load(re.search(r"```yaml\n(.*?)```", text, re.S)[1])  # type: ignore[index]
    v2 = {
        **definition,
        "params": [*definition["params"], {"name": "is_promoted", "type": "boolean"}],
    }
    v3 = {**v2, "params": [p for p in v2["params"] if p["name"] != "position"]}
    for name, data in (
        ("click_item_home", definition),
        ("click_item_home_v2", v2),
        ("click_item_home_v3", v3),
    ):
        (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "view_item_home.json").write_text(
        '{"type":"struct","fields":[{"name":"item_id","type":"string","nullable":false,'
        '"metadata":{"comment":"Listing id"}}]}'
    )
    ws = tmp_path / "ws"
    Workspace.open(ws, create=True, environ={}).close()
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    steps = console_blocks(text)
    assert len(steps) >= 10
    for command, expected in steps:
        args = shlex.split(command)
        assert args[:2] == ["loam", "events"], command
        result = runner.invoke(app, [*args[2:], "--workspace", str(ws)], env={"LOAM_USER": "ana"})
        output = result.output
        if isinstance(result.exception, LoamError):
            output += f"error: {result.exception.message}\n"
        actual = output.rstrip("\n").splitlines()
        assert matches(expected, actual), (
            f"$ {command}\nexpected:\n" + "\n".join(expected) + "\ngot:\n" + "\n".join(actual)
        )
