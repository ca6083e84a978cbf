"""One contract every warehouse backend passes (DuckDB now; BigQuery fits the same shape)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

from loam.core.errors import InvalidInput
from loam.core.warehouse import Warehouse
from loam.core.warehouse.duckdb import DuckDBWarehouse


@pytest.fixture(params=["duckdb"])
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Warehouse]:
    wh = DuckDBWarehouse(str(tmp_path / "wh.duckdb"))
    yield wh
    wh.close()


def test_declares_its_dialect(warehouse: Warehouse) -> None:
    assert isinstance(warehouse, Warehouse)
    assert warehouse.capabilities.dialect == "duckdb"


def test_load_creates_then_appends_by_name(warehouse: Warehouse) -> None:
    assert warehouse.load("clicks", pa.table({"user_id": ["a", "b"], "n": [1, 2]})) == 2
    warehouse.load("clicks", pa.table({"n": [3], "user_id": ["c"]}))
    rows = warehouse.query("SELECT user_id, n FROM clicks ORDER BY n").to_pylist()
    assert rows == [{"user_id": "a", "n": 1}, {"user_id": "b", "n": 2}, {"user_id": "c", "n": 3}]
    assert "clicks" in warehouse.tables()
    assert [c.name for c in warehouse.columns("clicks")] == ["user_id", "n"]


def test_replace(warehouse: Warehouse) -> None:
    warehouse.load("t", pa.table({"a": [1, 2]}))
    warehouse.load("t", pa.table({"a": [9]}), mode="replace")
    assert warehouse.query("SELECT a FROM t").to_pylist() == [{"a": 9}]


def test_bigquery_sql_runs_through_sqlglot(warehouse: Warehouse) -> None:
    warehouse.load("orders", pa.table({"amount": [10.0, 0.0], "qty": [2, 0]}))
    sql = "SELECT SAFE_DIVIDE(amount, qty) AS unit, DATE_DIFF(DATE '2024-01-05', DATE '2024-01-01', DAY) AS d FROM orders"
    rows = warehouse.query(sql, dialect="bigquery").to_pylist()
    assert rows == [{"unit": 5.0, "d": 4}, {"unit": None, "d": 4}]


def test_parameters_are_bound_not_spliced(warehouse: Warehouse) -> None:
    warehouse.load("users", pa.table({"name": ["ann", "bob"]}))
    evil = "ann' OR '1'='1"
    assert warehouse.query("SELECT * FROM users WHERE name = ?", [evil]).num_rows == 0
    assert warehouse.query("SELECT * FROM users WHERE name = ?", ["bob"]).num_rows == 1


def test_nested_types_round_trip(warehouse: Warehouse) -> None:
    assert warehouse.capabilities.nested_types
    data = pa.table({"item": [{"id": 1, "tags": ["a", "b"]}]})
    warehouse.load("nested", data)
    assert warehouse.query("SELECT item.id AS id, item.tags AS tags FROM nested").to_pylist() == [
        {"id": 1, "tags": ["a", "b"]}
    ]


def test_errors_say_what_failed(warehouse: Warehouse) -> None:
    with pytest.raises(InvalidInput, match="missing_table"):
        warehouse.query("SELECT * FROM missing_table")
    with pytest.raises(InvalidInput, match="bad table name"):
        warehouse.load("x; DROP TABLE y", pa.table({"a": [1]}))


def test_survives_reopen(tmp_path: Path) -> None:
    path = str(tmp_path / "wh.duckdb")
    wh = DuckDBWarehouse(path)
    wh.load("kept", pa.table({"a": [1]}))
    wh.close()
    again = DuckDBWarehouse(path)
    assert again.query("SELECT count(*) AS n FROM kept").to_pylist() == [{"n": 1}]
    assert again.health().ok
    again.close()
