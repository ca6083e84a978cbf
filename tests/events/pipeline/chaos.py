"""Real processes of the pipeline for kill tests: start, SIGKILL, restart, drain."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

COMMANDS = {
    "collector": ["-m", "loam.cli", "up", "--port", "{port}"],
    "processor-a": ["-m", "loam.events.pipeline.cli", "process"],
    "processor-b": ["-m", "loam.events.pipeline.cli", "process"],
    "loader": ["-m", "loam.events.pipeline.cli", "load", "--follow"],
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Fleet:
    workspace: Path
    port: int
    logs: Path
    names: tuple[str, ...] = tuple(COMMANDS)
    env: dict[str, str] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    kills: list[str] = field(default_factory=list)

    def start(self, name: str) -> None:
        args = [a.format(port=self.port) for a in COMMANDS[name]]
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - lives as long as the process
        env = {**os.environ, **self.env, "LOAM_WORKSPACE": str(self.workspace)}
        self.procs[name] = subprocess.Popen(
            [sys.executable, *args, "--workspace", str(self.workspace)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )

    def start_all(self) -> None:
        for name in self.names:
            self.start(name)

    def kill(self, name: str) -> None:
        proc = self.procs[name]
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            self.kills.append(name)

    def restart(self, name: str) -> None:
        """A rolling restart: SIGTERM (the process finishes its batch and leaves), then start."""
        proc = self.procs[name]
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=60)
        self.start(name)

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def chaos(
        self, stop: threading.Event, victims: tuple[str, ...], seed: int, *, rolling: bool = False
    ) -> threading.Thread:
        """Kill a random victim with SIGKILL at random moments and restart it; with
        ``rolling``, restart the victims gracefully one after the other instead."""
        rng = random.Random(seed)

        def loop() -> None:
            turn = 0
            while not stop.wait(rng.uniform(0.4, 1.6) if not rolling else 5.0):
                if rolling:
                    self.restart(victims[turn % len(victims)])
                    self.kills.append(f"restart {victims[turn % len(victims)]}")
                    turn += 1
                    continue
                name = rng.choice(victims)
                self.kill(name)
                time.sleep(rng.uniform(0.0, 0.5))
                self.start(name)

        thread = threading.Thread(target=loop, daemon=True)
        thread.start()
        return thread

    def assert_alive(self) -> None:
        dead = {n: p.returncode for n, p in self.procs.items() if p.poll() is not None}
        assert not dead, f"processes died on their own: {dead}; logs in {self.logs}"
