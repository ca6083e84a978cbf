"""The loader's own dedup rules on hand-made lake files: the fingerprint is computed from
a row's content (never read from the file), replays and overlapping files are dropped
uncounted, and an object-store lake gives the same result as a local one."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from loam.core.lake import Lake
from loam.core.warehouse.duckdb import DuckDBWarehouse
from loam.events.pipeline.loader import Loader, fingerprint
from loam.events.pipeline.processor import ENVELOPE, EVENTS_DATASET
from loam.events.pipeline.settings import PipelineSettings

ID = "0f0e0d0c-0b0a-4908-8706-050403020100"


def _row(offset: int, index: int = 0, **over: Any) -> dict[str, Any]:
    row = {
        "event_id": ID,
        "event_name": "click_item_home",
        "schema_version": "1-0-0",
        "client_ts": "2024-05-01T10:00:00+00:00",
        "user_id": "u1",
        "device_id": "d1",
        "platform": "ios",
        "app_version": "1.0",
        "server_ts": f"2024-05-01T10:00:0{offset % 10}+00:00",
        "source": f"src-{offset}",
        "price": 10,
        "title": None,
        "_bus_partition": 0,
        "_bus_offset": offset,
        "_bus_index": index,
    }
    row.update(over)
    return row


def _table(rows: list[dict[str, Any]], with_fp: bool) -> pa.Table:
    ts = pa.timestamp("us", tz="UTC")
    fields = [
        *(pa.field(c, pa.string()) for c in (*ENVELOPE, "server_ts", "source")),
        pa.field("price", pa.int64()),
        pa.field("title", pa.string()),
        pa.field("_bus_partition", pa.int32()),
        pa.field("_bus_offset", pa.int64()),
        pa.field("_bus_index", pa.int32()),
    ]
    table = pa.Table.from_pylist(rows, schema=pa.schema(fields))
    for c in ("client_ts", "server_ts"):
        i = table.schema.get_field_index(c)
        table = table.set_column(i, c, table[c].cast(ts))
    if with_fp:  # an older processor's fingerprint: random, must not matter
        table = table.append_column(
            "_fp", pa.array([uuid.uuid4().int >> 65 for _ in rows], pa.int64())
        )
    return table


def _write(lake: Lake, name: str, rows: list[dict[str, Any]], with_fp: bool = False) -> None:
    lake.write(
        EVENTS_DATASET,
        _table(rows, with_fp),
        {"dt": "2024-05-01", "event": "click_item_home"},
        name=name,
    )


@pytest.fixture(params=["local", "memory"])
def any_lake(request: pytest.FixtureRequest, tmp_path: Path) -> Lake:
    if request.param == "local":
        return Lake(str(tmp_path / "lake"))
    return Lake(f"memory://lake-{uuid.uuid4().hex}")


@pytest.fixture
def wh(tmp_path: Path) -> Iterator[DuckDBWarehouse]:
    w = DuckDBWarehouse(str(tmp_path / "warehouse.duckdb"))
    yield w
    w.close()


def test_the_fingerprint_is_the_content_whatever_the_file_carries(
    any_lake: Lake, wh: DuckDBWarehouse
) -> None:
    loader = Loader(any_lake, wh, PipelineSettings())
    _write(any_lake, "b1", [_row(1)], with_fp=True)
    first = loader.load_once()
    # same content, other arrival (server_ts, source) and other _fp: natural
    _write(any_lake, "b2", [_row(2)], with_fp=False)
    # other content: synthetic; a replay of offset 2 (same position): neither
    _write(any_lake, "b3", [_row(3, price=11), _row(2)], with_fp=True)
    # a NULL is content too
    _write(any_lake, "b4", [_row(4, title="x"), _row(5, title=None)], with_fp=False)
    rest = loader.load_all()
    assert (first.loaded, first.natural_duplicates, first.synthetic_duplicates) == (1, 0, 0)
    assert (rest.loaded, rest.natural_duplicates, rest.synthetic_duplicates) == (0, 2, 2)
    assert wh.query("SELECT count(*) FROM click_item_home").column(0)[0].as_py() == 1


def test_duplicates_within_a_batch_and_overlapping_files(
    any_lake: Lake, wh: DuckDBWarehouse
) -> None:
    other = "11111111-2222-4333-8444-555555555555"
    # two files of one batch repeat bus position (0, 7, 1): a re-run processor batch
    _write(any_lake, "a", [_row(7, 0), _row(7, 1, event_id=other), _row(8, 0)])
    _write(any_lake, "b", [_row(7, 1, event_id=other), _row(9, 0, price=12)])
    report = Loader(any_lake, wh, PipelineSettings()).load_all()
    # ID: kept at (7,0), natural at (8,0), synthetic at (9,0); `other` once, uncounted
    assert (report.loaded, report.natural_duplicates, report.synthetic_duplicates) == (2, 1, 1)
    ids = wh.query("SELECT event_id, price FROM click_item_home ORDER BY 1").to_pylist()
    assert ids == [{"event_id": ID, "price": 10}, {"event_id": other, "price": 10}]
    seen = wh.query("SELECT count(*), count(*) FILTER (WHERE kept) FROM _loam.seen")
    assert seen.to_pylist()[0] == {"count_star()": 4, "count_star() FILTER (WHERE kept)": 2}


def test_a_new_loader_keeps_the_window_and_the_kept_fingerprint(
    any_lake: Lake, wh: DuckDBWarehouse
) -> None:
    _write(any_lake, "b1", [_row(1)])
    Loader(any_lake, wh, PipelineSettings()).load_all()
    _write(any_lake, "b2", [_row(2), _row(3, user_id="u2")], with_fp=True)
    report = Loader(any_lake, wh, PipelineSettings()).load_all()
    assert (report.loaded, report.natural_duplicates, report.synthetic_duplicates) == (0, 1, 1)


def test_fingerprint_sql_ignores_arrival_and_delivery_columns() -> None:
    columns = [(c, "VARCHAR") for c in ("source", "server_ts", "event_id", "b", "a")]
    assert fingerprint(columns) == '(hash("a", "b") >> 1)::BIGINT'
