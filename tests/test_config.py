from __future__ import annotations

from pathlib import Path

import pytest

from loam.config import Settings
from loam.core.errors import ConfigError


def write(ws: Path, text: str) -> Path:
    ws.mkdir(parents=True, exist_ok=True)
    (ws / "loam.toml").write_text(text)
    return ws


def test_defaults_live_in_the_workspace(tmp_path: Path) -> None:
    s = Settings.load(tmp_path, environ={})
    assert s.bus.backend == "sqlite"
    assert s.server.port == 8080
    assert s.catalog_url == f"sqlite:///{(tmp_path / 'catalog.db').resolve()}"
    assert s.resolve(s.lake.url) == str((tmp_path / "lake").resolve())
    assert s.resolve("s3://bucket/x") == "s3://bucket/x"


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    write(tmp_path, "[bus]\npartitions = 3\n[server]\nport = 9000\n")
    s = Settings.load(tmp_path, environ={"LOAM_BUS__PARTITIONS": "7"})
    assert (s.bus.partitions, s.server.port) == (7, 9000)


def test_nested_environment_keys(tmp_path: Path) -> None:
    s = Settings.load(tmp_path, environ={"LOAM_BUS__KAFKA__BOOTSTRAP_SERVERS": "h:1"})
    assert s.bus.kafka.bootstrap_servers == "h:1"


def test_unknown_key_names_key_and_file(tmp_path: Path) -> None:
    write(tmp_path, "[bus]\npartitons = 3\n")
    with pytest.raises(ConfigError) as info:
        Settings.load(tmp_path, environ={})
    msg = str(info.value)
    assert "bus.partitons" in msg and "unknown key" in msg and str(tmp_path / "loam.toml") in msg


def test_bad_value_names_key_file_and_expected_type(tmp_path: Path) -> None:
    write(tmp_path, '[server]\nport = "eighty"\n')
    with pytest.raises(ConfigError) as info:
        Settings.load(tmp_path, environ={})
    msg = str(info.value)
    assert "server.port" in msg and "'eighty'" in msg and "an integer" in msg and "loam.toml" in msg


def test_bad_environment_value_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        Settings.load(tmp_path, environ={"LOAM_BUS__BACKEND": "rabbit"})
    msg = str(info.value)
    assert "LOAM_BUS__BACKEND" in msg and "'rabbit'" in msg and "sqlite" in msg and "kafka" in msg


def test_unknown_environment_section(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="LOAM_BUSS__PARTITIONS: unknown section 'buss'"):
        Settings.load(tmp_path, environ={"LOAM_BUSS__PARTITIONS": "3"})


def test_invalid_toml_says_where(tmp_path: Path) -> None:
    write(tmp_path, "[bus\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        Settings.load(tmp_path, environ={})


def test_secret_is_not_shown(tmp_path: Path) -> None:
    s = Settings.load(tmp_path, environ={"LOAM_AUTH__ADMIN_TOKEN": "loam_supersecret"})
    assert "supersecret" not in repr(s) and "supersecret" not in str(s.model_dump())
