"""Where the pipeline gets event schemas: the ``SchemaSource`` protocol and two sources.

The pipeline needs, per event name, the active version and, per (name, version), the
params JSON Schema 2020-12 (for the compiled validator and for the typed columns).
Versions are SchemaVer strings, ``MODEL-REVISION-ADDITION`` (``1-0-2``); MODEL is the
major version that picks the warehouse table.

>>> src = InMemorySchemaSource()
>>> _ = src.add("click_item_home", "1-0-0", {"type": "object", "properties": {}})
>>> src.active("click_item_home").major
1
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import orjson

from loam.events.pipeline.errors import SchemaUnavailable


@dataclass(frozen=True)
class EventSchema:
    name: str
    version: str  # SchemaVer MODEL-REVISION-ADDITION
    json_schema: dict[str, Any] = field(hash=False, compare=False)

    @property
    def major(self) -> int:
        return major_of(self.version)

    @property
    def table(self) -> str:
        """The warehouse table of this event's MODEL: ``name`` for 1, ``name_v2`` after."""
        return table_for(self.name, self.major)


def major_of(version: str) -> int:
    head = version.split("-", 1)[0]
    if not head.isdigit():
        raise ValueError(f"bad schema version {version!r}: expected MODEL-REVISION-ADDITION")
    return int(head)


def table_for(name: str, major: int) -> str:
    return name if major <= 1 else f"{name}_v{major}"


@runtime_checkable
class SchemaSource(Protocol):
    def active(self, name: str) -> EventSchema | None:
        """The version new events of ``name`` are validated against, or None if unknown."""

    def get(self, name: str, version: str) -> EventSchema | None:
        """One version, or None if it does not exist."""


class InMemorySchemaSource:
    """Schemas held in a dict: for tests and for embedding the pipeline as a library."""

    def __init__(self) -> None:
        self._versions: dict[tuple[str, str], EventSchema] = {}
        self._active: dict[str, str] = {}

    def add(
        self, name: str, version: str, json_schema: dict[str, Any], *, activate: bool = True
    ) -> EventSchema:
        schema = EventSchema(name, version, json_schema)
        major_of(version)
        self._versions[(name, version)] = schema
        if activate:
            self._active[name] = version
        return schema

    def active(self, name: str) -> EventSchema | None:
        version = self._active.get(name)
        return None if version is None else self._versions[(name, version)]

    def get(self, name: str, version: str) -> EventSchema | None:
        return self._versions.get((name, version))

    def names(self) -> list[str]:
        return sorted(self._active)


class FolderSchemaSource:
    """JSON Schemas in a folder: ``<name>/<version>.json`` and ``<name>/ACTIVE`` (a version).

    Lets processes that share a workspace (collector, processors) agree on schemas
    without the registry; ``write`` is what the demo and tests use to publish one.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def write(
        self, name: str, version: str, json_schema: dict[str, Any], *, activate: bool = True
    ) -> EventSchema:
        major_of(version)
        target = self.folder / name
        target.mkdir(parents=True, exist_ok=True)
        tmp = target / f".{version}.json.tmp"
        tmp.write_bytes(orjson.dumps(json_schema, option=orjson.OPT_INDENT_2))
        tmp.replace(target / f"{version}.json")
        if activate:
            (target / ".ACTIVE.tmp").write_text(version)
            (target / ".ACTIVE.tmp").replace(target / "ACTIVE")
        return EventSchema(name, version, json_schema)

    def active(self, name: str) -> EventSchema | None:
        marker = self.folder / name / "ACTIVE"
        if "/" in name or not marker.is_file():
            return None
        return self.get(name, marker.read_text().strip())

    def names(self) -> list[str]:
        if not self.folder.is_dir():
            return []
        return sorted(p.name for p in self.folder.iterdir() if (p / "ACTIVE").is_file())

    def get(self, name: str, version: str) -> EventSchema | None:
        if "/" in name or "/" in version:
            return None
        path = self.folder / name / f"{version}.json"
        if not path.is_file():
            return None
        try:
            return EventSchema(name, version, orjson.loads(path.read_bytes()))
        except orjson.JSONDecodeError as exc:
            raise SchemaUnavailable(f"schema file {path} is not JSON: {exc}") from exc


class ChainSchemaSource:
    """Asks each source in turn: the registry first, then the workspace's schema folder."""

    def __init__(self, *sources: SchemaSource) -> None:
        self.sources = sources

    def active(self, name: str) -> EventSchema | None:
        return next((s for src in self.sources if (s := src.active(name)) is not None), None)

    def get(self, name: str, version: str) -> EventSchema | None:
        return next((s for src in self.sources if (s := src.get(name, version)) is not None), None)

    def names(self) -> list[str]:
        return sorted({n for src in self.sources for n in active_names(src)})


class CachedSchemaSource:
    """Remembers answers for ``ttl_s`` seconds so the hot path never waits on the catalog.

    Versions are immutable, so ``get`` answers are kept for good; ``active`` answers
    (which change when a version is published) are refreshed after the TTL.
    """

    def __init__(self, inner: SchemaSource, ttl_s: float = 5.0) -> None:
        self.inner = inner
        self.ttl_s = ttl_s
        self._active: dict[str, tuple[float, EventSchema | None]] = {}
        self._versions: dict[tuple[str, str], EventSchema | None] = {}
        self._lock = threading.Lock()

    def active(self, name: str) -> EventSchema | None:
        hit = self._active.get(name)
        now = time.monotonic()
        if hit is not None and now - hit[0] < self.ttl_s:
            return hit[1]
        found = self.inner.active(name)
        with self._lock:
            if found is not None:
                # Hand out one object per version: compiled validators are keyed by it,
                # and a refresh that finds the same version must not force a recompile.
                found = self._versions.setdefault((found.name, found.version), found)
            self._active[name] = (now, found)
        return found

    def get(self, name: str, version: str) -> EventSchema | None:
        key = (name, version)
        if key in self._versions:
            return self._versions[key]
        found = self.inner.get(name, version)
        if found is not None:
            with self._lock:
                self._versions[key] = found
        return found

    def names(self) -> list[str]:
        return active_names(self.inner)

    def forget(self) -> None:
        with self._lock:
            self._active.clear()


def active_names(source: SchemaSource) -> list[str]:
    """Every event name with an active version, when the source can list them."""
    lister = getattr(source, "names", None)
    return list(lister()) if callable(lister) else []
