"""``loam events …`` end to end on a real workspace."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from loam.events.cli import app
from loam.workspace import Workspace
from tests.events.conftest import FIXTURES, load_fixture

runner = CliRunner()


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    path = tmp_path / "ws"
    Workspace.open(path, create=True, environ={}).close()
    return path


def run(ws: Path, *args: str, input: str | None = None) -> str:
    result = runner.invoke(
        app, [*args, "--workspace", str(ws)], input=input, env={"LOAM_USER": "ana"}
    )
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == 0, result.output
    return result.output


def test_create_edit_diff_show_export(ws: Path, tmp_path: Path) -> None:
    out = run(ws, "create", str(FIXTURES / "click_item_home.yaml"), "-m", "first")
    assert "click_item_home 1-0-0 registered" in out
    data = load_fixture("click_item_home.yaml")
    data["params"].append({"name": "ref", "type": "string"})
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(data))
    out = run(ws, "edit", str(edited))
    assert "1-0-1 saved (additive)" in out and "optional parameter 'ref'" in out
    data["params"] = data["params"][1:]
    edited.write_text(yaml.safe_dump(data))
    refused = runner.invoke(app, ["edit", str(edited), "--workspace", str(ws)])
    assert "needs a new MODEL version 2-0-0" in str(refused.exception)
    assert "2-0-0 saved (breaking)" in run(ws, "edit", str(edited), "--bump", "model")
    out = run(ws, "diff", "click_item_home", "1-0-0")
    assert out.splitlines()[0] == "click_item_home 1-0-0 -> 2-0-0: breaking"
    assert "! parameter 'item' removed (breaking)" in out
    diff = json.loads(run(ws, "diff", "click_item_home", "1-0-0", "1-0-1", "--format", "json"))
    assert diff["classification"] == "additive"
    shown = yaml.safe_load(run(ws, "show", "click_item_home", "--version", "1-0-0"))
    assert shown == load_fixture("click_item_home.yaml")
    audit = json.loads(run(ws, "history", "click_item_home", "--format", "json"))
    assert [(a["actor"], a["action"], a["detail"]["version"]) for a in audit] == [
        ("ana", "events.edit", "2-0-0"),
        ("ana", "events.edit", "1-0-1"),
        ("ana", "events.create", "1-0-0"),
    ]
    assert "history" not in run(ws, "history", "click_item_home")  # a table
    versions = yaml.safe_load(run(ws, "show", "click_item_home", "--versions"))
    assert [v["version"] for v in versions] == ["1-0-0", "1-0-1", "2-0-0"]
    assert versions[0]["author"] == "ana"
    spark = run(ws, "export", "click_item_home", "--format", "spark", "--version", "1-0-0")
    assert spark.strip() == (FIXTURES / "click_item_home.spark.json").read_text().strip()
    target = tmp_path / "bq.json"
    run(ws, "export", "click_item_home", "-f", "bigquery", "-o", str(target))
    assert json.loads(target.read_text())[0]["name"] == "position"


def test_validate_a_name_and_a_file(ws: Path, tmp_path: Path) -> None:
    run(ws, "create", str(FIXTURES / "click_item_home.yaml"))
    result = runner.invoke(app, ["validate", "item_click_home", "--workspace", str(ws)])
    assert result.exit_code == 1
    assert "wrong order" in result.output and "did you mean click_item_home?" in result.output
    assert "same words in another order as the existing event 'click_item_home'" in result.output
    assert "action=view object=item service=home" in run(ws, "validate", "view_item_home")
    data = load_fixture("click_item_home.yaml")
    data["params"].pop()
    path = tmp_path / "d.yaml"
    path.write_text(yaml.safe_dump(data))
    out = run(ws, "validate", "--file", str(path))
    assert "change is breaking" in out and "parameter 'listed_on' removed" in out
    assert "saving makes version 2-0-0" in run(
        ws, "validate", "--file", str(path), "--bump", "model"
    )


def test_list_search_and_filters(ws: Path) -> None:
    run(ws, "create", str(FIXTURES / "click_item_home.yaml"))
    rows = json.loads(run(ws, "list", "--team", "marketplace", "--format", "json"))
    assert [r["name"] for r in rows] == ["click_item_home"]
    assert json.loads(run(ws, "list", "--team", "search", "--format", "json")) == []
    rows = json.loads(run(ws, "search", "seller region", "-f", "json"))
    assert [r["name"] for r in rows] == ["click_item_home"]
    assert rows[0]["matched"] == ["param"]
    rows = json.loads(run(ws, "search", "tapp", "-f", "json"))
    assert [r["name"] for r in rows] == ["click_item_home"]
    rows = json.loads(run(ws, "list", "--param", "region_code", "-f", "json"))
    assert [r["name"] for r in rows] == ["click_item_home"]
    assert "click_item_home" in run(ws, "list")


def test_import_a_folder_from_the_old_workflow(ws: Path, tmp_path: Path) -> None:
    old = tmp_path / "schemas"
    (old / "click_item_home").mkdir(parents=True)
    (old / "click_item_home" / "spark.json").write_text(
        (FIXTURES / "click_item_home.spark.json").read_text()
    )
    (old / "view_item_home.json").write_text(
        json.dumps(
            {
                "type": "struct",
                "fields": [
                    {"name": "item_id", "type": "string", "nullable": False, "metadata": {}}
                ],
            }
        )
    )
    out = run(ws, "import", str(old), "--owner", "marketplace")
    assert "click_item_home 1-0-0 registered" in out and "view_item_home 1-0-0 registered" in out
    shown = yaml.safe_load(run(ws, "show", "click_item_home"))
    assert shown["params"] == load_fixture("click_item_home.yaml")["params"]
    assert shown["owner"] == "marketplace"


def test_sync_writes_and_commits(ws: Path, tmp_path: Path) -> None:
    toml = ws / "loam.toml"
    toml.write_text(
        toml.read_text() + f'\n[events.git]\npath = "{tmp_path / "wc"}"\nsync_on_save = false\n'
    )
    run(ws, "create", str(FIXTURES / "click_item_home.yaml"))
    assert "git: commit" in run(ws, "sync")
    assert "nothing changed, no commit" in run(ws, "sync")
    assert (tmp_path / "wc" / "events" / "click_item_home" / "jsonschema.json").exists()


def test_errors_are_one_clear_line(ws: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "loam.cli", "events", "show", "nope_item_home", "-w", str(ws)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == "error: no event named 'nope_item_home'"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "loam.cli",
            "events",
            "create",
            str(ws / "missing.yaml"),
            "-w",
            str(ws),
        ],
        capture_output=True,
        text=True,
    )
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("error: cannot read ") and "missing.yaml" in done.stderr


def test_unknown_settings_keys_are_errors(tmp_path: Path) -> None:
    from loam.config import Settings
    from loam.core.errors import ConfigError

    (tmp_path / "loam.toml").write_text("[events.naming]\nseperator = '-'\n")
    with pytest.raises(ConfigError, match=r"unknown key 'events\.naming\.seperator'"):
        Settings.load(tmp_path, environ={})
