"""The ``loam`` command as a user runs it: a real process, its output and exit code."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

LOAM = [sys.executable, "-m", "loam.cli"]


def run(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("LOAM_")}
    full_env.update(env or {})
    full_env["COLUMNS"] = "200"
    return subprocess.run(
        [*LOAM, *args], capture_output=True, text=True, env=full_env, timeout=timeout
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_version() -> None:
    res = run("version")
    assert res.returncode == 0 and res.stdout.startswith("loam ")


def test_demo_no_serve_builds_and_prints_a_working_admin_token(tmp_path: Path) -> None:
    ws = tmp_path / "demo"
    res = run("demo", "--no-serve", "--workspace", str(ws))
    assert res.returncode == 0, res.stderr
    token = next(
        line.split()[-1] for line in res.stdout.splitlines() if line.startswith("Admin token")
    )
    assert (ws / "loam.toml").exists() and (ws / "catalog.db").exists()
    from loam.workspace import Workspace

    w = Workspace.open(ws, environ={})
    who = w.tokens.verify(token)
    assert who is not None and who.role.name == "admin"
    again = run("demo", "--no-serve", "--workspace", str(ws))
    assert again.returncode == 0
    assert w.tokens.verify(token) is None, "a new demo run revokes the previous demo token"
    w.close()


def test_doctor_all_ok_on_a_fresh_workspace(tmp_path: Path) -> None:
    run("demo", "--no-serve", "--workspace", str(tmp_path))
    res = run("doctor", "--workspace", str(tmp_path))
    lines = res.stdout.strip().splitlines()
    assert [ln.split()[1] for ln in lines] == ["catalog", "warehouse", "lake", "bus"]
    assert res.returncode == 0, res.stdout
    assert all(ln.startswith("OK") for ln in lines)


@pytest.mark.integration
def test_doctor_names_a_stopped_postgres_and_a_wrong_kafka_in_one_line_each(tmp_path: Path) -> None:
    run("demo", "--no-serve", "--workspace", str(tmp_path))
    res = run(
        "doctor",
        "--workspace",
        str(tmp_path),
        env={
            "LOAM_CATALOG__URL": "postgresql://postgres@127.0.0.1:1/loam",
            "LOAM_BUS__BACKEND": "kafka",
            "LOAM_BUS__KAFKA__BOOTSTRAP_SERVERS": "127.0.0.1:2",
        },
        timeout=90,
    )
    assert res.returncode == 1
    out = res.stdout + res.stderr
    assert "Traceback" not in out
    lines = res.stdout.strip().splitlines()
    catalog = [ln for ln in lines if ln.split()[1] == "catalog"]
    bus = [ln for ln in lines if ln.split()[1] == "bus"]
    assert (
        len(catalog) == 1
        and catalog[0].startswith("FAIL")
        and "127.0.0.1" in catalog[0]
        and "->" in catalog[0]
    )
    assert (
        len(bus) == 1 and bus[0].startswith("FAIL") and "127.0.0.1:2" in bus[0] and "->" in bus[0]
    )


def test_bad_setting_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "loam.toml").write_text("[server]\nport = 'x'\n")
    res = run("doctor", "--workspace", str(tmp_path))
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    assert "server.port" in res.stderr and "loam.toml" in res.stderr


def test_token_commands(tmp_path: Path) -> None:
    made = run("token", "create", "bi", "--role", "editor", "--workspace", str(tmp_path))
    assert made.returncode == 0 and made.stdout.strip().startswith("loam_")
    listed = run("token", "list", "--workspace", str(tmp_path))
    assert (
        "bi" in listed.stdout
        and "editor" in listed.stdout
        and made.stdout.strip() not in listed.stdout
    )
    bad = run("token", "create", "x", "--role", "owner", "--workspace", str(tmp_path))
    assert bad.returncode == 2 and "unknown role 'owner'" in bad.stderr


def test_up_serves_health_and_ui(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOAM_")}
    proc = subprocess.Popen(
        [*LOAM, "up", "--workspace", str(tmp_path), "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        body = None
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1) as r:
                    body = json.load(r)
                break
            except OSError:
                time.sleep(0.2)
        assert body is not None, "loam up did not answer /api/health"
        assert {c["component"] for c in body["components"]} >= {
            "catalog",
            "warehouse",
            "lake",
            "bus",
        }
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
            assert r.status == 200 and "Loam" in r.read().decode()
    finally:
        proc.terminate()
        proc.wait(10)
