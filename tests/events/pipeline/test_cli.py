from __future__ import annotations

from pathlib import Path

import orjson
from typer.testing import CliRunner

from loam.cli import _add_capability_clis, app

from .conftest import CLICK_V1


def test_generate_process_load_and_stats_from_the_command_line(tmp_path: Path) -> None:
    _add_capability_clis()
    runner = CliRunner()
    ws = str(tmp_path / "ws")
    schema = tmp_path / "click.json"
    schema.write_bytes(orjson.dumps(CLICK_V1))

    def run(*args: str) -> str:
        result = runner.invoke(app, [*args, "-w", ws])
        assert result.exit_code == 0, result.output
        return result.output

    assert "now active" in run("events", "publish-schema", "click_item_home", "1-0-0", str(schema))
    assert run("events", "keys", "create", "ios-app").strip().startswith("lwk_")
    assert "ios-app" in run("events", "keys", "list")
    sent = orjson.loads(
        run(
            "events", "generate", "--users", "20", "--days", "2", "--invalid", "0.1",
            "--duplicates", "0.05", "--synthetic", "0.03", "--json",
        )
    )  # fmt: skip
    expected = sent["planned"]
    assert sent["quarantined"] == expected["invalid"] > 0
    run("events", "process", "--until-idle")
    assert "row(s) loaded" in run("events", "load")
    stats = orjson.loads(run("events", "stats", "--json"))
    assert stats["loaded"]["total"] == expected["valid"]
    assert stats["duplicates"] == {
        "natural": expected["natural_duplicates"],
        "synthetic": expected["synthetic_duplicates"],
    }
    assert stats["quarantined"]["total"] == expected["invalid"]
    assert "quarantined" in run("events", "stats")
