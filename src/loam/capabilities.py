"""The eight capabilities and where the platform finds each one's parts.

A capability package ``loam.<name>`` may provide:
- ``loam.<name>.api`` with ``router`` (a FastAPI APIRouter, mounted at ``/api/<name>``);
- ``loam.<name>.cli`` with ``app`` (a Typer app, added as ``loam <name> …``);
- ``loam/<name>/migrations/`` or ``migrations/versions/`` (an Alembic branch for its tables);
- ``loam.<name>.demo`` with ``build(workspace)`` (fills the demo workspace).
Nothing here imports a capability until it is asked for, so core stays free of them.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Capability:
    name: str  # package and URL segment
    title: str  # navigation label
    summary: str
    # Sub-packages (e.g. ``pipeline``) that bring their own ``api`` (``router``, mounted under
    # the same /api/<name>), ``cli`` (``app``, whose commands join ``loam <name> …``),
    # ``demo`` and ``migrations/`` (another Alembic branch), found the same way: two teams
    # can build one capability without sharing files.
    extensions: tuple[str, ...] = ()

    def module(self, part: str) -> Any | None:
        """``loam.<name>.<part>`` if the capability has built it, else None."""
        full = f"loam.{self.name}.{part}"
        try:
            if (
                importlib.util.find_spec(f"loam.{self.name}") is None
                or importlib.util.find_spec(full) is None
            ):
                return None
        except ModuleNotFoundError:
            return None
        return importlib.import_module(full)

    def extension_modules(self, part: str) -> list[Any]:
        """``loam.<name>.<extension>.<part>`` for each extension that has built it."""
        found = []
        for ext in self.extensions:
            module = self.module(f"{ext}.{part}")
            if module is not None:
                found.append(module)
        return found

    @property
    def migrations(self) -> Path | None:
        spec = importlib.util.find_spec(f"loam.{self.name}")
        if spec is None or not spec.submodule_search_locations:
            return None
        folder = Path(next(iter(spec.submodule_search_locations))) / "migrations"
        if (folder / "versions").is_dir():  # the revisions sit in versions/, as in core
            return folder / "versions"
        return folder if folder.is_dir() else None

    @property
    def migration_folders(self) -> list[Path]:
        """The capability's migrations folder and each extension's."""
        spec = importlib.util.find_spec(f"loam.{self.name}")
        if spec is None or not spec.submodule_search_locations:
            return []
        root = Path(next(iter(spec.submodule_search_locations)))
        own = [self.migrations] if self.migrations is not None else []
        return own + [f for ext in self.extensions if (f := root / ext / "migrations").is_dir()]


CAPABILITIES: tuple[Capability, ...] = (
    Capability(
        "events",
        "Events",
        "Event schema registry, dictionary and the collection pipeline",
        extensions=("pipeline",),
    ),
    Capability("logpipe", "Pipelines", "Priorities, per-destination sampling and traffic control"),
    Capability("cdc", "CDC", "Change data capture from MongoDB and PostgreSQL"),
    Capability(
        "lineage", "Lineage", "Column-level lineage from SQL query logs and impact analysis"
    ),
    Capability("transform", "Models", "Lineage-aware orchestration of dbt models"),
    Capability("activation", "Activation", "New / retained / reactivated / inactive users"),
    Capability("fraud", "Fraud", "Conditions, rules and policies with sync and stream decisions"),
    Capability("workflows", "Workflows", "Low-code workflows published as services"),
)


def migration_folders() -> list[Path]:
    return [folder for c in CAPABILITIES for folder in c.migration_folders]
