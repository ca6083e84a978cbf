"""The processor's JSON reader (DuckDB) gives what Arrow's reader gives, and falls back."""

from __future__ import annotations

import doctest
import io
import random

import orjson
import pyarrow as pa
import pyarrow.json as paj

from loam.events.pipeline import ndjson
from loam.events.pipeline.flatten import params_columns, wire_struct
from loam.events.pipeline.generator import value_for
from loam.events.pipeline.ndjson import NdjsonReader

from .conftest import CLICK_V1, VIEW_V1


def _schema(params: dict[str, object]) -> pa.Schema:
    fields = [pa.field(f, pa.string()) for f in ("event_id", "event_name", "client_ts")]
    return pa.schema([*fields, pa.field("params", wire_struct(params_columns(params)))])


def _arrow(blocks: list[bytes], schema: pa.Schema) -> dict[str, list[object]]:
    table = paj.read_json(
        io.BytesIO(b"".join(blocks)),
        parse_options=paj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore"),
    )
    return {name: table.column(name).to_pylist() for name in schema.names}


def test_same_columns_as_arrows_reader() -> None:
    rng = random.Random(7)
    reader = NdjsonReader()
    try:
        for params_schema in (CLICK_V1, VIEW_V1):
            schema = _schema(params_schema)
            blocks = []
            for b in range(5):  # several blocks, as a batch of bus messages has
                lines = [
                    orjson.dumps(
                        {
                            "event_id": f"e-{b}-{i}",
                            "event_name": "x",
                            "client_ts": "2024-05-01T00:00:00Z",
                            "extra": {"ignored": [1, 2]},
                            "params": value_for(params_schema, rng),
                        }
                    )
                    for i in range(rng.randrange(1, 40))
                ]
                blocks.append(b"\n".join(lines) + b"\n")
            got = {k: v.to_pylist() for k, v in reader.read(blocks, schema).items()}
            assert got == _arrow(blocks, schema)
            # The scratch file is reused: a smaller read after a bigger one sees only its rows.
            small = reader.read(blocks[:1], schema)
            assert small["event_id"].to_pylist() == _arrow(blocks[:1], schema)["event_id"]
    finally:
        reader.close()


def test_a_refused_value_raises() -> None:
    reader = NdjsonReader()
    schema = pa.schema([("n", pa.int64())])
    try:
        for bad in (b'{"n": 99999999999999999999}\n', b'{"n": [1]}\n', b'{"n": 1, "n": 2}\n'):
            try:
                reader.read([bad], schema)
            except Exception:  # any error sends the processor to Arrow's reader
                continue
            raise AssertionError(f"{bad!r} was accepted")
        assert reader.read([], schema)["n"].to_pylist() == []
    finally:
        reader.close()


def test_doctests() -> None:
    failures, _ = doctest.testmod(ndjson)
    assert failures == 0
