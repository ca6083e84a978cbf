"""The collector's compiled event checks: which (name, version) has a decoder, kept fresh.

Each compilable schema version gets a tagged Struct (compiled.py); the *active* version
of every event name seen so far joins one tagged union, so one ``decode`` call per event
both finds the event's schema by ``event_name`` and checks envelope and params. Names
join when the exact path first accepts one of their events. A decoded event still has
to match the registry as it is now: ``matches`` is asked once per (name, version) per
request, and a schema that changed sends its events the exact way (which relearns it).
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Union

import msgspec

from loam.events.pipeline.compiled import (
    Unsupported,
    dec_hook,
    envelope_struct,
    has_required,
    params_type,
)
from loam.events.pipeline.schemas import EventSchema

log = logging.getLogger("loam.events.collector")

_MAX_ENTRIES = 5_000


class Entry:
    """One compiled (name, version)."""

    __slots__ = ("kind", "name", "params_optional", "schema", "source", "suffix", "version")

    def __init__(self, schema: EventSchema, kind: type, params_optional: bool) -> None:
        self.name = schema.name
        self.version = schema.version
        self.schema = schema  # the object the schema source last handed out
        self.source = schema.json_schema
        self.kind = kind
        self.params_optional = params_optional
        # completes an event that did not name its version: it takes the place of the
        # event's closing brace, and ends its line
        self.suffix = b',"schema_version":' + msgspec.json.encode(schema.version) + b"}\n"

    def matches(self, schema: EventSchema | None) -> bool:
        if schema is None:
            return False
        if schema is self.schema:
            return True
        if schema.version == self.version and schema.json_schema == self.source:
            self.schema = schema  # the source re-read the same schema: remember this object
            return True
        return False


class FastPath:
    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], Entry | None] = {}  # None: not compilable
        self._active: dict[str, Entry] = {}
        self.by_kind: dict[type, Entry] = {}
        self.decode: Any = None  # the union decoder's bound decode, None before any name
        self._lock = threading.Lock()

    def entry(self, schema: EventSchema) -> Entry | None:
        key = (schema.name, schema.version)
        found = self._entries.get(key, False)
        if found is None:
            return None
        if found is not False and found.matches(schema):
            return found
        try:
            params = params_type(schema.json_schema)
            optional = not has_required(params)
            kind = envelope_struct(schema.name, params, params_required=not optional)
            made: Entry | None = Entry(schema, kind, optional)
        except (Unsupported, TypeError, ValueError) as exc:
            log.info("event %s %s is checked the exact way only: %s", *key, exc)
            made = None
        with self._lock:
            if len(self._entries) >= _MAX_ENTRIES:
                self._entries.clear()
            self._entries[key] = made
            if made is not None:
                self.by_kind[made.kind] = made
        return made

    def learn(self, schema: EventSchema) -> None:
        """``schema`` is its name's active version: let its events take the fast path."""
        current = self._active.get(schema.name)
        if current is not None and current.matches(schema):
            return
        entry = self.entry(schema)
        if entry is None:
            if current is not None:
                self.forget(schema.name)
            return
        with self._lock:
            self._active[schema.name] = entry
            self._rebuild()

    def by_name(self) -> dict[str, Entry]:
        return self._active

    def forget(self, name: str) -> None:
        """Drop ``name`` from the union (its active version changed)."""
        with self._lock:
            if self._active.pop(name, None) is not None:
                self._rebuild()

    def _rebuild(self) -> None:
        kinds = [e.kind for e in self._active.values()]
        if not kinds:
            self.decode = None
            return
        union = kinds[0] if len(kinds) == 1 else Union[tuple(kinds)]  # noqa: UP007
        self.decode = msgspec.json.Decoder(union, dec_hook=dec_hook).decode
