"""The pipeline's parts built for one workspace, and the background work of ``loam up``.

``loam up`` owns the warehouse, so it runs the loader (a thread) and starts the
processor processes (``loam events process``) the first time events arrive, or at
start when the lake already holds unloaded data; both stop with the server.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from functools import cached_property
from typing import Any

from loam.events.pipeline.keys import WriteKeyStore
from loam.events.pipeline.schemas import (
    CachedSchemaSource,
    ChainSchemaSource,
    FolderSchemaSource,
    SchemaSource,
)
from loam.events.pipeline.settings import PipelineSettings, pipeline_settings

log = logging.getLogger("loam.events.runtime")


def registry_schema_source(workspace: Any) -> SchemaSource | None:
    """The Event Center registry as a schema source, once the registry is installed."""
    try:
        from loam.events.pipeline.registry_source import RegistrySchemaSource
    except ImportError:
        return None
    return RegistrySchemaSource(workspace)


class PipelineRuntime:
    def __init__(self, workspace: Any) -> None:
        self.workspace = workspace
        self.settings: PipelineSettings = pipeline_settings(workspace.settings.events)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._loader_thread: threading.Thread | None = None
        self._processes: list[subprocess.Popen[bytes]] = []

    @cached_property
    def schemas(self) -> CachedSchemaSource:
        registry = registry_schema_source(self.workspace)
        source = (
            ChainSchemaSource(registry, self.folder_schemas) if registry else self.folder_schemas
        )
        return CachedSchemaSource(source)

    @cached_property
    def folder_schemas(self) -> FolderSchemaSource:
        return FolderSchemaSource(self.workspace.path / self.settings.schema_folder)

    @cached_property
    def keys(self) -> WriteKeyStore:
        return WriteKeyStore(self.workspace.catalog)

    @cached_property
    def collector(self) -> Any:
        from loam.events.pipeline.collector import Collector

        return Collector(self.workspace.bus, self.schemas, self.settings)

    @cached_property
    def loader(self) -> Any:
        from loam.events.pipeline.loader import Loader

        return Loader(self.workspace.lake, self.workspace.warehouse, self.settings)

    def processor(self) -> Any:
        from loam.events.pipeline.processor import Processor

        return Processor(self.workspace.bus, self.workspace.lake, self.schemas, self.settings)

    # -- background work in `loam up` -----------------------------------------------

    def start_background(self) -> None:
        """Start the loader thread and the processor processes (once)."""
        with self._lock:
            if self._loader_thread is not None or self._stop.is_set():
                return
            if self.settings.embedded_loader:
                self._loader_thread = threading.Thread(
                    target=self.loader.run,
                    args=(self._stop,),
                    name="loam-events-loader",
                    daemon=True,
                )
                self._loader_thread.start()
            else:
                self._loader_thread = threading.Thread(target=lambda: None)
            for _ in range(self.settings.processors):
                self._processes.append(spawn_processor(str(self.workspace.path)))
            if self._processes:
                threading.Thread(
                    target=self._supervise, name="loam-events-supervisor", daemon=True
                ).start()

    def _supervise(self) -> None:
        """Restart a processor process that died (its uncommitted batch is re-read)."""
        while not self._stop.wait(2.0):
            with self._lock:
                for i, proc in enumerate(self._processes):
                    if proc.poll() is not None and not self._stop.is_set():
                        log.warning("processor exited with %s; starting another", proc.returncode)
                        self._processes[i] = spawn_processor(str(self.workspace.path))

    def has_backlog(self) -> bool:
        return bool({"events", "quarantine"} & set(self.workspace.lake.datasets()))

    def stop_background(self) -> None:
        with self._lock:
            self._stop.set()
        for proc in self._processes:
            proc.terminate()
        for proc in self._processes:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        if self._loader_thread is not None and self._loader_thread.is_alive():
            self._loader_thread.join(timeout=30)
        if "collector" in self.__dict__:
            self.collector.close()


def spawn_processor(workspace: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    return subprocess.Popen(
        [sys.executable, "-m", "loam.events.pipeline.cli", "process", "--workspace", workspace],
        env=env,
    )


def runtime_of(app: Any) -> PipelineRuntime:
    """The app's runtime, made on first use."""
    state = app.state
    found = getattr(state, "events_pipeline", None)
    if found is None:
        found = state.events_pipeline = PipelineRuntime(state.workspace)
    return found
