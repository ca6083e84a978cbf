"""The collector's work for one request: parse, check, validate, then one bus write.

Valid events go to the events topic as one message per partition (an event's partition
comes from its id); every bad event goes, with its reason and raw payload, to the
quarantine topic in the same flush. ``ingest`` returns only after the bus has made both
durable, so an answered request is never lost; a request whose answer is lost is sent
again by the client and its events become natural duplicates, which dedup removes.
"""

from __future__ import annotations

import gc
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from loam.core.bus import Bus
from loam.events.pipeline.envelope import Problem, check_envelope
from loam.events.pipeline.errors import EventsQuarantined, MalformedPayload, PayloadTooLarge
from loam.events.pipeline.group_commit import GroupCommitWriter
from loam.events.pipeline.partitioning import partition_count, partition_keys
from loam.events.pipeline.schemas import SchemaSource
from loam.events.pipeline.settings import PipelineSettings
from loam.events.pipeline.validate import check_params
from loam.events.pipeline.wire import encode_events, encode_quarantine, fingerprint

UNPLANNED = "unplanned"
_SORTED = orjson.OPT_SORT_KEYS
_MAX_DETAILS = 50


@dataclass
class IngestResult:
    accepted: int
    quarantined: list[dict[str, Any]] = field(default_factory=list)  # index, rule, path, ...

    def raise_for_quarantine(self) -> None:
        if not self.quarantined:
            return
        total = self.accepted + len(self.quarantined)
        first = self.quarantined[0]
        raise EventsQuarantined(
            f"{len(self.quarantined)} of {total} event(s) quarantined, {self.accepted} accepted; "
            f"first: event {first['index']}: {first['path'] or 'event'}: {first['message']}",
            accepted=self.accepted,
            details=self.quarantined[:_MAX_DETAILS],
        )


class Collector:
    def __init__(self, bus: Bus, schemas: SchemaSource, settings: PipelineSettings) -> None:
        self.bus = bus
        self.schemas = schemas
        self.settings = settings
        bus.create_topic(settings.topic)
        bus.create_topic(settings.quarantine_topic)
        self.partitions = partition_count(bus, settings.topic, 4)
        self.keys = partition_keys(bus.capabilities.engine, self.partitions)
        self.writer = GroupCommitWriter(bus.producer())

    def ingest(self, body: bytes, source: str) -> IngestResult:
        """Take one request body (one event, a list, or {"events": [...]}); see module doc."""
        enabled = gc.isenabled()
        gc.disable()  # a request's dicts hold no cycles; see Processor.process
        try:
            return self._ingest(body, source)
        finally:
            if enabled:
                gc.enable()

    def _ingest(self, body: bytes, source: str) -> IngestResult:
        received_at = _now()
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            self._quarantine_raw(body, source, received_at, f"body is not valid JSON: {exc}")
            raise MalformedPayload(
                f"request body is not valid JSON: {exc}; it was quarantined as one record",
                details=[{"rule": "malformed_json", "where": f"byte {exc.pos}"}],
            ) from None
        if type(payload) is dict and type(payload.get("events")) is list:
            payload = payload["events"]
        events = payload if type(payload) is list else [payload]
        return self.ingest_events(events, source, received_at=received_at)

    def ingest_events(
        self,
        events: list[Any],
        source: str,
        *,
        received_at: str | None = None,
        quarantine: bool = True,
    ) -> IngestResult:
        """Check, validate and write parsed events; with ``quarantine=False`` (a replay) the
        bad ones are only reported back, not quarantined again."""
        received_at = received_at or _now()
        if len(events) > self.settings.max_batch_events:
            raise PayloadTooLarge(
                f"{len(events)} events in one request; send at most "
                f"{self.settings.max_batch_events} per request",
                details=[{"events": len(events), "limit": self.settings.max_batch_events}],
            )
        n = self.partitions
        # partition -> (event_name, schema_version) -> (encoded events, fingerprints)
        parts: list[dict[tuple[str, str], tuple[list[bytes], list[int]]]] = [{} for _ in range(n)]
        records: list[dict[str, Any]] = []
        details: list[dict[str, Any]] = []
        max_bytes = self.settings.max_event_bytes
        for index, ev in enumerate(events):
            problem = check_envelope(ev) or self._check_schema(ev)
            if problem is None:
                encoded = orjson.dumps(ev, option=_SORTED)
                if len(encoded) <= max_bytes:
                    group = parts[zlib.crc32(ev["event_id"].encode()) % n]
                    key = (ev["event_name"], ev["schema_version"])
                    found = group.get(key)
                    if found is None:
                        found = group[key] = ([], [])
                    found[0].append(encoded)
                    found[1].append(fingerprint(encoded))
                    continue
                problem = Problem(
                    "event_too_large",
                    "",
                    f"event is {len(encoded)} bytes; the limit is {max_bytes}",
                )
            record = _record(problem, ev, source, received_at)
            records.append(record)
            details.append(
                {
                    "index": index,
                    "event_id": record["event_id"],
                    "event_name": record["event_name"],
                    "rule": problem.rule,
                    "path": problem.path,
                    "message": problem.message,
                    "schema_version": record["schema_version"],
                }
            )
        accepted = 0
        items: list[tuple[str, bytes | None, bytes]] = []
        for p in range(n):
            if parts[p]:
                accepted += sum(len(enc) for enc, _ in parts[p].values())
                value = encode_events(received_at, source, parts[p])
                items.append((self.settings.topic, self.keys[p], value))
        if records and quarantine:
            items.append((self.settings.quarantine_topic, None, encode_quarantine(records)))
        self.writer.write(items)
        return IngestResult(accepted, details)

    def _check_schema(self, ev: dict[str, Any]) -> Problem | None:
        name = ev["event_name"]
        version = ev.get("schema_version")
        schema = self.schemas.get(name, version) if version else self.schemas.active(name)
        if schema is None:
            if version == UNPLANNED and self.settings.allow_unplanned:
                return None
            active = self.schemas.active(name) if version else None
            if active is not None:
                return Problem(
                    "unknown_version",
                    "schema_version",
                    f"event '{name}' has no version {version!r} (active: {active.version})",
                )
            if self.settings.allow_unplanned:
                ev["schema_version"] = UNPLANNED
                return None
            return Problem(
                "unknown_event",
                "event_name",
                f"no event named '{name}' is registered; register it in the Event Center "
                f"or set [events] allow_unplanned = true",
            )
        params = ev.get("params")
        if params is None:
            params = ev["params"] = {}
        problem = check_params(schema, params)
        if problem is None and version is None:
            ev["schema_version"] = (
                schema.version
            )  # after the check: a quarantined event keeps what it sent
        return problem

    def _quarantine_raw(self, body: bytes, source: str, received_at: str, message: str) -> None:
        record = {
            "received_at": received_at,
            "source": source,
            "rule": "malformed_json",
            "path": "",
            "message": message,
            "event_name": None,
            "event_id": None,
            "schema_version": None,
            "raw": body.decode("utf-8", errors="replace"),
        }
        self.writer.write([(self.settings.quarantine_topic, None, encode_quarantine([record]))])

    def close(self) -> None:
        self.writer.close()


def _record(problem: Problem, ev: Any, source: str, received_at: str) -> dict[str, Any]:
    obj = ev if type(ev) is dict else {}
    return {
        "received_at": received_at,
        "source": source,
        "rule": problem.rule,
        "path": problem.path,
        "message": problem.message,
        "event_name": _text(obj.get("event_name")),
        "event_id": _text(obj.get("event_id")),
        "schema_version": _text(obj.get("schema_version")),
        "raw": orjson.dumps(ev, default=str).decode(),
    }


def _text(value: Any) -> str | None:
    return value if type(value) is str else None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
