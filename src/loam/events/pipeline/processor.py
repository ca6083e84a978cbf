"""The processor: a consumer-group member turning bus messages into lake files.

Each poll batch (up to ``processor_batch_events`` events or ``processor_batch_seconds``)
becomes Parquet files in the lake, one per (event date, event table, schema version),
committed atomically and named after the batch's bus offset ranges; the bus offsets are
committed only after the files. A processor killed at any moment re-reads the same
messages and rewrites the same files; where a restarted batch ends elsewhere, its rows
carry their bus position (partition, offset, index), so the loader knows them again
and neither loads them twice nor counts them as duplicates.
"""

from __future__ import annotations

import gc
import hashlib
import io
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as paj

from loam.core.bus import Bus, Consumer, Message
from loam.core.errors import Conflict
from loam.core.lake import Lake
from loam.events.pipeline.collector import UNPLANNED
from loam.events.pipeline.flatten import (
    TIMESTAMP,
    Column,
    cast_column,
    columns_from_struct,
    params_columns,
    wire_struct,
)
from loam.events.pipeline.ndjson import NdjsonReader
from loam.events.pipeline.schemas import EventSchema, SchemaSource
from loam.events.pipeline.settings import PipelineSettings
from loam.events.pipeline.wire import decode, decode_events

log = logging.getLogger("loam.events.processor")

EVENTS_DATASET = "events"
QUARANTINE_DATASET = "quarantine"
UNPLANNED_TABLE = "unplanned_events"
ENVELOPE = (
    "event_id",
    "event_name",
    "schema_version",
    "client_ts",
    "user_id",
    "device_id",
    "platform",
    "app_version",
)
DELIVERY = ("_bus_partition", "_bus_offset", "_bus_index")
_POLL_MESSAGES = 500
_POLL_PAUSE_S = 0.1  # between polls that drained the bus, within one batch's time
QUARANTINE_SCHEMA = pa.schema(
    [
        ("received_at", TIMESTAMP),
        ("source", pa.string()),
        ("rule", pa.string()),
        ("path", pa.string()),
        ("message", pa.string()),
        ("event_name", pa.string()),
        ("event_id", pa.string()),
        ("schema_version", pa.string()),
        ("raw", pa.string()),
        ("_bus_topic", pa.string()),
        ("_bus_partition", pa.int32()),
        ("_bus_offset", pa.int64()),
        ("_bus_index", pa.int32()),
    ]
)


@dataclass
class _Group:
    """One (event, version) group of a batch: its NDJSON blocks, and per block (not per
    event: a block holds ~100 events) where it came from. Per-event columns are built
    from these with one repeat each, not with Python lists of one item per event."""

    blocks: list[bytes] = field(default_factory=list)  # NDJSON, one event per line
    counts: list[int] = field(default_factory=list)  # events in each block
    received_at: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    partition: list[int] = field(default_factory=list)
    offset: list[int] = field(default_factory=list)
    first_index: list[int] = field(default_factory=list)  # index in its message of the first

    def repeat(self, values: Sequence[Any], type: pa.DataType) -> pa.Array:
        """One value per block -> one per event."""
        return pa.array(values, type).take(self._positions())

    def index(self) -> pa.Array:
        """Each event's index in its bus message."""
        counts = np.asarray(self.counts, dtype=np.int64)
        starts = np.cumsum(counts) - counts  # each block's first row in the group
        shift = np.repeat(starts - np.asarray(self.first_index, dtype=np.int64), counts)
        return pa.array((np.arange(int(counts.sum()), dtype=np.int64) - shift).astype(np.int32))

    def per_event(self, values: Sequence[Any]) -> list[Any]:
        return [v for v, n in zip(values, self.counts, strict=True) for _ in range(n)]

    def _positions(self) -> pa.Array:
        return pa.array(np.repeat(np.arange(len(self.counts), dtype=np.int32), self.counts))


@dataclass
class BatchReport:
    messages: int = 0
    events: int = 0
    quarantined: int = 0
    files: list[str] = field(default_factory=list)


class Processor:
    def __init__(
        self, bus: Bus, lake: Lake, schemas: SchemaSource, settings: PipelineSettings
    ) -> None:
        self.bus = bus
        self.lake = lake
        self.schemas = schemas
        self.settings = settings
        bus.create_topic(settings.topic)
        bus.create_topic(settings.quarantine_topic)
        self._columns: dict[tuple[str, str], list[Column]] = {}
        self._consumer: Consumer | None = None
        self._reader = NdjsonReader()
        self._reader.open()  # a service pays its start-up at start, not in its first batch

    @property
    def consumer(self) -> Consumer:
        if self._consumer is None:
            self._consumer = self.bus.consumer(
                self.settings.group, [self.settings.topic, self.settings.quarantine_topic]
            )
        return self._consumer

    def run(self, stop: threading.Event | None = None, *, until_idle: bool = False) -> int:
        """Process batches until ``stop`` is set (or, with ``until_idle``, the bus is drained)."""
        stop = stop or threading.Event()
        total = 0
        while not stop.is_set():
            report = self.step()
            total += report.events + report.quarantined
            if until_idle and report.messages == 0:
                break
        return total

    def step(self) -> BatchReport:
        """Poll one batch, land it in the lake, commit its offsets."""
        messages: list[Message] = []
        deadline = time.monotonic() + self.settings.processor_batch_seconds
        approx_events = 0
        while approx_events < self.settings.processor_batch_events:
            left = deadline - time.monotonic()
            got = self.consumer.poll(max_messages=_POLL_MESSAGES, timeout=max(0.05, min(left, 0.5)))
            messages.extend(got)
            approx_events += sum(len(m.value) for m in got) // 400
            if not got or left <= 0:
                break
            if len(got) < _POLL_MESSAGES and approx_events < self.settings.processor_batch_events:
                # The bus is drained for now: let messages pile up rather than poll for each
                # one as it lands (a poll costs about the same for 1 message as for 500).
                time.sleep(max(0.0, min(left, _POLL_PAUSE_S)))
        if not messages:
            return BatchReport()
        report = self.process(messages)
        try:
            self.consumer.commit(messages)
        except Conflict as exc:
            # The group moved a partition away mid-batch: its new owner re-reads these
            # messages; our files only repeat bus positions the loader already knows.
            log.warning("offsets not committed: %s", exc.message)
        return report

    def process(self, messages: Sequence[Message]) -> BatchReport:
        """Write ``messages`` to the lake (idempotent: same messages, same files)."""
        # A batch makes a million short-lived dicts and no cycles: the cyclic GC would
        # rescan them again and again (measured: it triples the cost of decoding).
        enabled = gc.isenabled()
        gc.disable()
        try:
            return self._process(messages)
        finally:
            if enabled:
                gc.enable()

    def _process(self, messages: Sequence[Message]) -> BatchReport:
        report = BatchReport(messages=len(messages))
        name = batch_name(messages)
        groups: dict[tuple[str, str], _Group] = {}
        records: list[dict[str, Any]] = []
        for m in messages:
            if m.topic == self.settings.quarantine_topic:
                try:
                    body = decode(m.value)
                except orjson.JSONDecodeError as exc:
                    records.append(_bad_message(m, f"bus message is not JSON: {exc}"))
                    continue
                for i, rec in enumerate(body.get("records", ())):
                    rec.update(
                        _bus_topic=m.topic,
                        _bus_partition=m.partition,
                        _bus_offset=m.offset,
                        _bus_index=i,
                    )
                    records.append(rec)
                continue
            try:
                header, blocks = decode_events(m.value)
            except (ValueError, KeyError, TypeError) as exc:
                records.append(_bad_message(m, f"bus message is not an events message: {exc}"))
                continue
            index = 0
            for meta, block in zip(header["groups"], blocks, strict=True):
                key = (meta["name"], meta["version"])
                g = groups.get(key)
                if g is None:
                    g = groups[key] = _Group()
                count = meta["count"]
                g.blocks.append(block)
                g.counts.append(count)
                g.received_at.append(header["received_at"])
                g.sources.append(header["source"])
                g.partition.append(m.partition)
                g.offset.append(m.offset)
                g.first_index.append(index)
                index += count
        for (event_name, version), g in groups.items():
            try:
                table_name, table = self.build(event_name, version, g)
            except Exception as exc:  # never block the partition on one bad group: quarantine it
                log.exception("events %s %s could not be processed", event_name, version)
                records.extend(_failed_group(g, self.settings.topic, f"processing failed: {exc}"))
                continue
            report.events += table.num_rows
            report.files.extend(self._write_events(table, table_name, f"{name}-{version}"))
        if records:
            report.quarantined = len(records)
            report.files.extend(self._write_quarantine(records, name))
        return report

    def build(self, event_name: str, version: str, g: _Group) -> tuple[str, pa.Table]:
        schema: EventSchema | None = None
        if version != UNPLANNED:
            schema = self.schemas.get(event_name, version)
            if schema is None:
                raise LookupError(f"schema {event_name} {version} is not in the registry")
        columns = self._params_columns(schema)
        wire_params = wire_struct(columns)
        fields = [pa.field(f, pa.string()) for f in ENVELOPE]
        if wire_params.num_fields:
            fields.append(pa.field("params", wire_params))
        rows = None
        if schema and _arrow_readable(columns):
            rows = self._read_blocks(g.blocks, pa.schema(fields))
        params: list[Any] = []
        if rows is None:  # free-form params, unplanned events, or a value the readers refuse
            ndjson = b"".join(g.blocks)
            events = [orjson.loads(line) for line in ndjson.splitlines()]
            params = [ev.get("params") for ev in events]
            struct = pa.array(events, type=pa.struct(fields))
            rows = {f.name: pc.struct_field(struct, f.name) for f in fields}
        data: dict[str, Any] = {f: rows[f] for f in ENVELOPE}
        data["client_ts"] = cast_column(data["client_ts"], TIMESTAMP)
        data["server_ts"] = g.repeat(
            cast_column(pa.array(g.received_at, pa.string()), TIMESTAMP), TIMESTAMP
        )
        data["source"] = g.repeat(g.sources, pa.string())
        if schema is None:
            data["params"] = pa.array(
                [None if p is None else orjson.dumps(p).decode() for p in params], pa.string()
            )
        else:
            params_struct = rows["params"] if wire_params.num_fields else None
            data.update(columns_from_struct(params_struct, columns, params))
        data["_bus_partition"] = g.repeat(g.partition, pa.int32())
        data["_bus_offset"] = g.repeat(g.offset, pa.int64())
        data["_bus_index"] = g.index()
        table = pa.table(data)
        return (schema.table if schema else UNPLANNED_TABLE), table

    def _params_columns(self, schema: EventSchema | None) -> list[Column]:
        if schema is None:
            return []
        key = (schema.name, schema.version)
        found = self._columns.get(key)
        if found is None:
            reserved = (*ENVELOPE, "server_ts", "source", "params")
            found = self._columns[key] = params_columns(schema.json_schema, reserved)
        return found

    def _write_events(self, table: pa.Table, table_name: str, name: str) -> list[str]:
        # A date32 cast is integer division; strftime formatted a string per row (1.2 us).
        days = pc.cast(table["client_ts"], pa.date32())
        unique = pc.unique(days).to_pylist()
        return [
            self.lake.write(
                EVENTS_DATASET,
                table if len(unique) == 1 else table.filter(pc.equal(days, day)),
                {"dt": _day(day), "event": table_name},
                name=name,
                statistics=_statistics(table.schema),
            )
            for day in unique
        ]

    def _write_quarantine(self, records: list[dict[str, Any]], name: str) -> list[str]:
        for r in records:
            r["received_at"] = (
                r["received_at"][:-1] + "+00:00"
                if r["received_at"].endswith("Z")
                else r["received_at"]
            )
        rows = pa.Table.from_pylist(
            [{k: r.get(k) for k in QUARANTINE_SCHEMA.names} for r in records],
            schema=QUARANTINE_SCHEMA.set(0, pa.field("received_at", pa.string())),
        )
        rows = rows.set_column(0, "received_at", cast_column(rows["received_at"], TIMESTAMP))
        days = pc.strftime(rows["received_at"], format="%Y-%m-%d")
        return [
            self.lake.write(
                QUARANTINE_DATASET, rows.filter(pc.equal(days, day)), {"dt": day}, name=name
            )
            for day in pc.unique(days).to_pylist()
        ]

    def _read_blocks(self, blocks: list[bytes], schema: pa.Schema) -> dict[str, Any] | None:
        """The columns from DuckDB's reader, else Arrow's (stricter on some values), else None."""
        try:
            return self._reader.read(blocks, schema)
        except Exception as exc:  # any refusal (a value out of range...): the next reader
            log.debug("DuckDB's JSON reader refused a group (%s); trying Arrow's", exc)
        return _read_ndjson(b"".join(blocks), schema)

    def close(self) -> None:
        self._reader.close()
        if self._consumer is not None:
            self._consumer.close()
            self._consumer = None


def batch_name(messages: Sequence[Message]) -> str:
    """A name fixed by the bus offset ranges in a batch: a rerun writes the same files."""
    ranges: dict[tuple[str, int], list[int]] = {}
    for m in messages:
        span = ranges.setdefault((m.topic, m.partition), [m.offset, m.offset])
        span[0] = min(span[0], m.offset)
        span[1] = max(span[1], m.offset)
    text = ";".join(f"{t}:{p}:{a}-{b}" for (t, p), (a, b) in sorted(ranges.items()))
    first = min(a for a, _ in ranges.values())
    return f"b{first:012d}-{hashlib.blake2b(text.encode(), digest_size=8).hexdigest()}"


def _bad_message(m: Message, why: str) -> dict[str, Any]:
    return {
        "received_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(m.timestamp_ms / 1000)),
        "source": None,
        "rule": "undecodable_message",
        "path": "",
        "message": why,
        "raw": m.value.decode("utf-8", errors="replace"),
        "_bus_topic": m.topic,
        "_bus_partition": m.partition,
        "_bus_offset": m.offset,
        "_bus_index": 0,
    }


def _read_ndjson(ndjson: bytes, schema: pa.Schema) -> dict[str, Any] | None:
    """Columns straight from NDJSON with Arrow's reader (no Python objects), or None."""
    try:
        table = paj.read_json(
            io.BytesIO(ndjson),
            read_options=paj.ReadOptions(block_size=max(1 << 20, min(len(ndjson) + 1, 1 << 26))),
            parse_options=paj.ParseOptions(
                explicit_schema=schema, unexpected_field_behavior="ignore"
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return {name: table.column(name).combine_chunks() for name in schema.names}


def _arrow_readable(columns: Sequence[Column]) -> bool:
    return not any(c.as_json for c in columns)


def _statistics(schema: pa.Schema) -> list[str]:
    """Columns worth min/max statistics: timestamps, numbers, bus positions. Not text: its
    min/max costs ~20% of the write and nobody prunes on an event id or a title."""
    return [
        f.name
        for f in schema
        if pa.types.is_temporal(f.type)
        or pa.types.is_integer(f.type)
        or pa.types.is_floating(f.type)
        or pa.types.is_boolean(f.type)
    ]


def _day(day: Any) -> Any:
    return day.isoformat() if day is not None else None


def _failed_group(g: _Group, topic: str, why: str) -> list[dict[str, Any]]:
    rule = "unknown_version" if "not in the registry" in why else "processing_failed"
    lines = b"".join(g.blocks).splitlines()
    events = [_loads_or_empty(line) for line in lines]
    received_at = g.per_event(g.received_at)
    sources = g.per_event(g.sources)
    partition = g.per_event(g.partition)
    offset = g.per_event(g.offset)
    index = g.index().to_pylist()
    return [
        {
            "received_at": received_at[i],
            "source": sources[i],
            "rule": rule,
            "path": "schema_version",
            "message": why,
            "event_name": ev.get("event_name"),
            "event_id": ev.get("event_id"),
            "schema_version": ev.get("schema_version"),
            "raw": line.decode("utf-8", errors="replace"),
            "_bus_topic": topic,
            "_bus_partition": partition[i],
            "_bus_offset": offset[i],
            "_bus_index": index[i],
        }
        for i, (line, ev) in enumerate(zip(lines, events, strict=True))
    ]


def _loads_or_empty(line: bytes) -> dict[str, Any]:
    try:
        ev = orjson.loads(line)
    except orjson.JSONDecodeError:
        return {}
    return ev if isinstance(ev, dict) else {}
