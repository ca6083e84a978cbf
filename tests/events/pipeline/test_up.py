"""`loam up` runs the whole pipeline: collector, a processor process and the loader thread."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import orjson
import pytest

from loam.core.auth import Role
from loam.events.pipeline.keys import WriteKeyStore
from loam.events.pipeline.runtime import PipelineRuntime

from .chaos import free_port
from .conftest import open_workspace, sample_schemas
from .test_flow import click


@pytest.mark.slow
def test_loam_up_collects_processes_and_loads(tmp_path: Path) -> None:
    ws = open_workspace(
        tmp_path / "ws", "processor_batch_seconds = 0.3\nloader_interval_seconds = 0.3"
    )
    runtime = PipelineRuntime(ws)
    for name in sample_schemas().names():
        schema = sample_schemas().active(name)
        assert schema is not None
        runtime.folder_schemas.write(name, schema.version, schema.json_schema)
    key = WriteKeyStore(ws.catalog).create("app")
    token = ws.tokens.create("viewer", Role.viewer)
    ws.close()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "loam.cli", "up", "-w", str(ws.path), "--port", str(port)],
        env={**os.environ},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(f"{base}/api/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        events = [click(price=i) for i in range(300)]
        resp = httpx.post(
            f"{base}/collect", content=orjson.dumps(events), headers={"X-Loam-Write-Key": key}
        )
        assert resp.json() == {"accepted": 300, "quarantined": 0}
        stats: dict = {}
        for _ in range(150):
            stats = httpx.get(
                f"{base}/api/events/stats", headers={"Authorization": f"Bearer {token}"}
            ).json()
            if stats["loaded"]["total"] == 300:
                break
            time.sleep(0.2)
        assert stats["loaded"] == {"total": 300, "by_table": {"click_item_home": 300}}
        assert stats["lag"]["total"] == 0
        # a processor that dies is replaced, and what it had not committed is processed
        found = subprocess.run(
            ["pgrep", "-f", f"loam.events.pipeline.cli process --workspace {ws.path}"],
            capture_output=True,
            text=True,
        )
        os.kill(int(found.stdout.split()[0]), signal.SIGKILL)
        more = [click(price=1000 + i) for i in range(200)]
        resp = httpx.post(
            f"{base}/collect", content=orjson.dumps(more), headers={"X-Loam-Write-Key": key}
        )
        assert resp.json()["accepted"] == 200
        for _ in range(150):
            stats = httpx.get(
                f"{base}/api/events/stats", headers={"Authorization": f"Bearer {token}"}
            ).json()
            if stats["loaded"]["total"] == 500:
                break
            time.sleep(0.2)
        assert stats["loaded"]["total"] == 500
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    # the processor process went with the server
    leftover = subprocess.run(
        ["pgrep", "-f", f"loam.events.pipeline.cli process --workspace {ws.path}"],
        capture_output=True,
        text=True,
    )
    assert leftover.stdout.strip() == ""
