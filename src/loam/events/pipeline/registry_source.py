"""The Event Center registry as the pipeline's schema source.

Only importable once the registry (``loam.events.registry``) is installed; the runtime
falls back to the workspace's schema folder otherwise. The JSON Schema is the
registry's own 2020-12 export of the version's params.
"""

from __future__ import annotations

from typing import Any

from loam.events import registry
from loam.events.pipeline.schemas import EventSchema


class RegistrySchemaSource:
    def __init__(self, workspace: Any) -> None:
        self._registry = registry(workspace)

    def active(self, name: str) -> EventSchema | None:
        return self._lookup(name, None)

    def get(self, name: str, version: str) -> EventSchema | None:
        return self._lookup(name, version)

    def names(self) -> list[str]:
        return [v.name for v in self._registry.current_versions()]

    def _lookup(self, name: str, version: str | None) -> EventSchema | None:
        from loam.core.errors import InvalidInput, NotFound
        from loam.events import to_jsonschema

        try:
            found = self._registry.get(name, version)
        except (NotFound, InvalidInput):
            return None
        return EventSchema(name, found.version, to_jsonschema(found.definition, found.version))
