"""Fixtures for browser tests: Debian's headless Chromium and a real ``loam up``.

Each server is the ``loam up`` command a user runs, in a fresh temporary
workspace on a free port, serving the UI built by ``make ui``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.fixtures.services import in_ci, require

REPO = Path(__file__).resolve().parents[2]
UI_INDEX = REPO / "src" / "loam" / "ui" / "dist" / "index.html"
ARTIFACTS = REPO / "test-artifacts"
LOAM = [sys.executable, "-m", "loam.cli"]
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOAM_")}
    env.update(extra or {})
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LoamServer:
    """A running ``loam up``: its URL, workspace and process."""

    url: str
    workspace: Path
    process: subprocess.Popen[bytes]
    log: Path

    def create_token(self, name: str, role: str) -> str:
        """A real API token, made the way a user makes one: ``loam token create``."""
        done = subprocess.run(
            [*LOAM, "token", "create", name, "--role", role, "--workspace", str(self.workspace)],
            capture_output=True,
            text=True,
            env=_clean_env(),
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def _wait_until_serving(server: LoamServer, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            output = server.log.read_text(errors="replace")
            pytest.fail(f"`loam up` exited with {server.process.returncode}:\n{output}")
        try:
            with urllib.request.urlopen(server.url + "/api/health", timeout=2):
                return
        except urllib.error.HTTPError:
            return  # answering, even if degraded
        except OSError:
            time.sleep(0.2)
    server.stop()
    pytest.fail(f"`loam up` did not answer {server.url}/api/health within {timeout:.0f} s")


@pytest.fixture(scope="session")
def built_ui() -> Path:
    """The built web UI; without it the browser tests cannot run."""
    if not UI_INDEX.is_file():
        message = f"{UI_INDEX.relative_to(REPO)} is missing: run `make ui` first"
        if in_ci():
            pytest.fail(f"web UI not built: {message}", pytrace=False)
        pytest.skip(message)
    return UI_INDEX.parent


@pytest.fixture(scope="session")
def start_loam(
    built_ui: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., LoamServer]]:
    """Starts ``loam up`` in a new workspace: ``start_loam(env={"LOAM_...": ...})``."""
    started: list[LoamServer] = []

    def start(env: dict[str, str] | None = None) -> LoamServer:
        workspace = tmp_path_factory.mktemp("workspace")
        log = workspace.parent / f"{workspace.name}-loam-up.log"
        port = str(_free_port())
        command = [
            *LOAM,
            "up",
            "--workspace",
            str(workspace),
            "--host",
            "127.0.0.1",
            "--port",
            port,
        ]
        with log.open("wb") as output:  # a file, so a chatty server never blocks on a full pipe
            process = subprocess.Popen(
                command, stdout=output, stderr=subprocess.STDOUT, env=_clean_env(env)
            )
        server = LoamServer(f"http://127.0.0.1:{port}", workspace, process, log)
        started.append(server)
        _wait_until_serving(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def loam_server(start_loam: Callable[..., LoamServer]) -> LoamServer:
    """One healthy ``loam up`` with embedded defaults, shared by a test module."""
    return start_loam()


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = os.environ.get("LOAM_CHROMIUM", "/usr/bin/chromium")
    if not Path(path).is_file():
        require(
            "Chromium",
            f"{path} does not exist: `apt-get install -y chromium`, or set LOAM_CHROMIUM",
        )
    return path


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page (own storage) at 1280x800, so tests do not share a token."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    new_page = context.new_page()
    yield new_page
    context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots go (``test-artifacts/``, kept by CI)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
