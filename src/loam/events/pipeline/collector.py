"""The collector's work for one request: parse, check, validate, then one bus write.

The hot path (``_ingest_raw``) splits the body into each event's bytes, decodes each
into the tagged Struct compiled from its schema (fastpath.py, compiled.py: envelope and
params checked in one C call, no dict built), checks ids and timestamps for the whole
request at once, and forwards every valid event's own bytes to the bus, completed by
splicing (schema_version, a missing event_id or params), never re-encoded. An event the
compiled check refuses -- invalid, or merely outside what it can prove -- takes the
exact path of before (orjson, envelope.py, jsonschema-rs), which gives the rule, path
and version of a bad event. A body msgspec and orjson would judge differently is
judged by orjson, as before.

The accepted events of a request go to the events topic as one message (chunked past
``MAX_MESSAGE_BYTES`` for Kafka), on the partition the bus picks: dedup is the loader's
and global, so an event's partition no longer follows its id. Bad events go, with their
reason and raw payload, to the quarantine topic in the same flush. ``ingest`` returns
only after the bus has made both durable, so an answered request is never lost; a
request whose answer is lost is sent again by the client and its events become natural
duplicates, which dedup removes. In a message, events that took the exact path follow
those of their group that did not.
"""

from __future__ import annotations

import gc
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import msgspec
import orjson
from msgspec import UNSET

from loam.core.bus import Bus
from loam.events.pipeline.envelope import _RFC3339, _UUID, Problem, check_envelope
from loam.events.pipeline.errors import EventsQuarantined, MalformedPayload, PayloadTooLarge
from loam.events.pipeline.fastpath import Entry, FastPath
from loam.events.pipeline.group_commit import GroupCommitWriter
from loam.events.pipeline.schemas import SchemaSource
from loam.events.pipeline.settings import PipelineSettings
from loam.events.pipeline.validate import check_params
from loam.events.pipeline.wire import encode_events, encode_quarantine

UNPLANNED = "unplanned"
_MAX_DETAILS = 50
# Kafka refuses messages over 1 MB by default: a request's events past this are split.
MAX_MESSAGE_BYTES = 900_000
_COMPLETION = 128  # bytes splicing may add to an event (event_id, params, schema_version)
_INVALID = (msgspec.ValidationError, msgspec.DecodeError)


class _Wrapped(msgspec.Struct, forbid_unknown_fields=True):
    events: list[msgspec.Raw]


_BODY = msgspec.json.Decoder(list[msgspec.Raw] | _Wrapped).decode


class _Unparsable(Exception):
    """orjson refuses an event msgspec split out: the body is judged whole, as before."""


def _table(keep: str, digits: str) -> bytes:
    table = bytearray(b"x" * 256)
    for ch in keep:
        table[ord(ch)] = ord(ch)
    for ch in digits:
        table[ord(ch)] = ord("0")
    return bytes(table)


# Canonical ids and timestamps, checked for a whole request by one translate: every
# digit (hex digit) becomes 0, the separators stay, anything else becomes x; the result
# must be one shape repeated (or, failing that, each event gets the exact regex).
_ID_TABLE = _table("-\n", "0123456789abcdef")
_ID_SHAPES = frozenset({b"00000000-0000-0000-0000-000000000000\n"})
_TS_TABLE = _table("-T:.Z+\n", "0123456789")
_TS_SHAPES = frozenset(
    b"0000-00-00T00:00:00" + frac + zone + b"\n"
    for frac in [b""] + [b"." + b"0" * k for k in range(1, 7)]
    for zone in (b"Z", b"+00:00", b"-00:00")
)


def _all_shaped(values: list[Any], table: bytes, shapes: frozenset[bytes]) -> bool:
    """True when every value is a str of one of ``shapes`` (all the same one)."""
    try:
        text = ("\n".join(values) + "\n").encode()
    except (TypeError, UnicodeEncodeError):
        return False
    shape = text.translate(table)
    first = shape[: shape.find(b"\n") + 1]
    return first in shapes and shape == first * len(values)


class _Group:
    """The NDJSON of one (name, version) in a request, as pieces joined only once."""

    __slots__ = ("count", "parts")

    def __init__(self) -> None:
        self.parts: list[Any] = []
        self.count = 0

    def add(self, count: int, parts: list[Any]) -> None:
        self.count += count
        self.parts += parts


def _chunks(
    groups: list[tuple[str, str, int, list[Any]]], limit: int
) -> list[list[tuple[str, str, int, list[Any]]]]:
    """The groups as messages of at most ``limit`` bytes (a bigger event goes alone)."""
    if sum(len(p) for g in groups for p in g[3]) <= limit:
        return [groups] if groups else []
    chunks: list[list[tuple[str, str, int, list[Any]]]] = [[]]
    size = 0
    for name, version, _, parts in groups:
        lines: list[bytes] = []
        for line in b"".join(parts).splitlines(keepends=True):
            if size + len(line) > limit and (lines or chunks[-1]):
                if lines:
                    chunks[-1].append((name, version, len(lines), lines))
                chunks.append([])
                lines, size = [], 0
            lines.append(line)
            size += len(line)
        if lines:
            chunks[-1].append((name, version, len(lines), lines))
    return chunks


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
        self.writer = GroupCommitWriter(bus.producer())
        self.fast = FastPath()

    def ingest(self, body: bytes, source: str) -> IngestResult:
        """Take one request body (one event, a list, or {"events": [...]}); see module doc."""
        enabled = gc.isenabled()
        gc.disable()  # a request's objects hold no cycles; see Processor.process
        try:
            return self._ingest(body, source)
        finally:
            if enabled:
                gc.enable()

    def _ingest(self, body: bytes, source: str) -> IngestResult:
        received_at = _now()
        try:
            found = _BODY(body)
        except _INVALID:
            return self._ingest_parsed(body, source, received_at)
        raws = found.events if type(found) is _Wrapped else found
        try:
            return self._ingest_raw(raws, b"\n" in body or b"\r" in body, source, received_at)
        except _Unparsable:
            # orjson refuses an event msgspec let through: judge the body as before
            return self._ingest_parsed(body, source, received_at)

    def _ingest_parsed(self, body: bytes, source: str, received_at: str) -> IngestResult:
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

    def _check_count(self, count: int) -> None:
        if count > self.settings.max_batch_events:
            raise PayloadTooLarge(
                f"{count} events in one request; send at most "
                f"{self.settings.max_batch_events} per request",
                details=[{"events": count, "limit": self.settings.max_batch_events}],
            )

    def _ingest_raw(
        self, raws: list[msgspec.Raw], newlines: bool, source: str, received_at: str
    ) -> IngestResult:
        """The hot path: each event decoded once into its compiled Struct, forwarded as sent."""
        self._check_count(len(raws))
        if newlines:  # pretty-printed: a line must hold one whole event
            raws = [bytes(r).replace(b"\n", b" ").replace(b"\r", b" ") for r in raws]
        # kind -> (request indexes, raw bytes, decoded events)
        kinds: dict[type, tuple[list[int], list[Any], list[Any]]] = {}
        slow: list[int] = []
        decode = self.fast.decode
        if decode is None:
            slow = list(range(len(raws)))
        else:
            for i, raw in enumerate(raws):
                try:
                    ev = decode(raw)
                except _INVALID:
                    slow.append(i)
                    continue
                g = kinds.get(ev.__class__)
                if g is None:
                    g = kinds[ev.__class__] = ([], [], [])
                g[0].append(i)
                g[1].append(raw)
                g[2].append(ev)
        out: dict[tuple[str, str], _Group] = {}
        records: list[dict[str, Any]] = []
        details: list[dict[str, Any]] = []
        by_kind = self.fast.by_kind
        for kind, (idxs, rws, evs) in kinds.items():
            self._accept_fast(by_kind[kind], idxs, rws, evs, out, slow, records, details)
        if slow:
            slow.sort()
            for i in slow:
                try:
                    ev = orjson.loads(b"[" + bytes(raws[i]) + b"]")[0]  # the depth it had
                except orjson.JSONDecodeError:
                    raise _Unparsable() from None
                self._exact(i, ev, out, records, details)
        return self._write(out, records, details, source, received_at, quarantine=True)

    def _accept_fast(
        self,
        entry: Entry,
        idxs: list[int],
        rws: list[Any],
        evs: list[Any],
        out: dict[tuple[str, str], _Group],
        slow: list[int],
        records: list[dict[str, Any]],
        details: list[dict[str, Any]],
    ) -> None:
        """Events that decoded as ``entry``: the checks left for the whole group at once."""
        n = len(evs)
        redo: set[int] = set()  # positions that need the exact path
        done: dict[int, bytes] = {}  # positions completed one by one
        ids = [e.event_id for e in evs]
        if not _all_shaped(ids, _ID_TABLE, _ID_SHAPES):
            for p, event_id in enumerate(ids):
                if event_id is UNSET:
                    done[p] = b'{"event_id":"' + str(uuid.uuid4()).encode() + b'",'
                elif not _UUID.match(event_id):
                    redo.add(p)
        stamps = [e.client_ts for e in evs]
        if not _all_shaped(stamps, _TS_TABLE, _TS_SHAPES):
            redo.update(p for p, ts in enumerate(stamps) if not _RFC3339.match(ts))
        if entry.params_optional:
            for p, ev in enumerate(evs):
                if ev.params is UNSET:
                    done[p] = done.get(p, b"{") + b'"params":{},'
        versions = [e.schema_version for e in evs]
        unnamed = versions.count(UNSET)
        if unnamed and not entry.matches(self.schemas.active(entry.name)):
            self.fast.forget(entry.name)  # a new active version: the exact path relearns it
            redo.update(p for p, v in enumerate(versions) if v is UNSET)
        if unnamed < n and not entry.matches(self.schemas.get(entry.name, entry.version)):
            redo.update(p for p, v in enumerate(versions) if v is not UNSET)
        else:
            redo.update(p for p, v in enumerate(versions) if v is not UNSET and v != entry.version)
        limit = self.settings.max_event_bytes
        if max(map(len, rws)) > limit - _COMPLETION:
            # near the limit: the exact path measures the event as it always has
            redo.update(p for p, raw in enumerate(rws) if len(raw) > limit - _COMPLETION)
        if redo or done:
            keep_named: list[Any] = []
            keep_unnamed: list[Any] = []
            for p in range(n):
                if p in redo:
                    continue
                line = rws[p] if p not in done else done[p] + bytes(rws[p])[1:]
                (keep_unnamed if versions[p] is UNSET else keep_named).append(line)
            slow.extend(idxs[p] for p in redo)
        elif unnamed == n:
            keep_named, keep_unnamed = [], rws
        elif unnamed == 0:
            keep_named, keep_unnamed = rws, []
        else:
            keep_named = [r for r, v in zip(rws, versions, strict=True) if v is not UNSET]
            keep_unnamed = [r for r, v in zip(rws, versions, strict=True) if v is UNSET]
        if not keep_named and not keep_unnamed:
            return
        group = out.get((entry.name, entry.version))
        if group is None:
            group = out[(entry.name, entry.version)] = _Group()
        if keep_unnamed:
            # each line's closing brace gives way to the version (a slice is a view: no copy)
            suffix = entry.suffix
            parts = [m[:-1] for m in map(memoryview, keep_unnamed)]
            group.add(len(parts), [suffix.join(parts), suffix])
        if keep_named:
            group.add(len(keep_named), [b"\n".join(keep_named), b"\n"])

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
        self._check_count(len(events))
        out: dict[tuple[str, str], _Group] = {}
        records: list[dict[str, Any]] = []
        details: list[dict[str, Any]] = []
        for index, ev in enumerate(events):
            self._exact(index, ev, out, records, details)
        return self._write(out, records, details, source, received_at, quarantine=quarantine)

    def _exact(
        self,
        index: int,
        ev: Any,
        out: dict[tuple[str, str], _Group],
        records: list[dict[str, Any]],
        details: list[dict[str, Any]],
    ) -> None:
        """One event the exact way: envelope rules, then jsonschema-rs on its params."""
        problem = check_envelope(ev) or self._check_schema(ev)
        if problem is None:
            encoded = orjson.dumps(ev)
            max_bytes = self.settings.max_event_bytes
            if len(encoded) <= max_bytes:
                key = (ev["event_name"], ev["schema_version"])
                group = out.get(key)
                if group is None:
                    group = out[key] = _Group()
                group.add(1, [encoded, b"\n"])
                return
            problem = Problem(
                "event_too_large", "", f"event is {len(encoded)} bytes; the limit is {max_bytes}"
            )
        self._reject(index, ev, problem, records, details)

    def _reject(
        self,
        index: int,
        ev: Any,
        problem: Problem,
        records: list[dict[str, Any]],
        details: list[dict[str, Any]],
    ) -> None:
        record = _record(problem, ev, "", "")
        record["index"] = index
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

    def _write(
        self,
        out: dict[tuple[str, str], _Group],
        records: list[dict[str, Any]],
        details: list[dict[str, Any]],
        source: str,
        received_at: str,
        *,
        quarantine: bool,
    ) -> IngestResult:
        """One bus write for the request: its events message(s) and its quarantine records."""
        items: list[tuple[str, bytes | None, bytes]] = []
        accepted = 0
        groups = []
        for (name, version), group in out.items():
            accepted += group.count
            groups.append((name, version, group.count, group.parts))
        for chunk in _chunks(groups, MAX_MESSAGE_BYTES):
            value = encode_events(received_at, source, chunk)
            items.append((self.settings.topic, None, value))
        if records:
            order = sorted(range(len(records)), key=lambda k: records[k]["index"])
            records = [records[k] for k in order]
            details = [details[k] for k in order]
            for r in records:
                del r["index"]
                r["received_at"] = received_at
                r["source"] = source
            if quarantine:
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
        if problem is None:
            if version is None:
                ev["schema_version"] = (
                    schema.version
                )  # after the check: a quarantined event keeps what it sent
                self.fast.learn(schema)  # the active version: its next events go fast
            elif name not in self.fast.by_name():
                active = self.schemas.active(name)
                if active is not None:
                    self.fast.learn(active)
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
