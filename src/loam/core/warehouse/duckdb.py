"""DuckDB warehouse: one database file, owned by one process at a time."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from loam.core.dialects import quote_identifier, transpile
from loam.core.errors import BackendUnavailable, InvalidInput
from loam.core.health import Health
from loam.core.warehouse import ColumnInfo, LoadMode, WarehouseCapabilities


class DuckDBWarehouse:
    capabilities = WarehouseCapabilities(
        engine="duckdb", dialect="duckdb", merge=True, nested_types=True, multi_process_writes=False
    )

    def __init__(self, path: str, *, read_only: bool = False) -> None:
        self.path = path
        self.read_only = read_only
        self._conn: duckdb.DuckDBPyConnection | None = None
        self._lock = threading.Lock()

    @property
    def conn(self) -> duckdb.DuckDBPyConnection:
        if self._conn is None:
            with self._lock:
                if self._conn is None:
                    if self.path != ":memory:":
                        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
                    try:
                        self._conn = duckdb.connect(self.path, read_only=self.read_only)
                    except duckdb.IOException as exc:
                        raise BackendUnavailable(_lock_message(self.path, exc)) from exc
        return self._conn

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        # One cursor per call: DuckDB connections are not safe to share between threads.
        return self.conn.cursor()

    def _sql(self, sql: str, dialect: str | None) -> str:
        return transpile(sql, dialect, "duckdb") if dialect else sql

    def query(
        self,
        sql: str,
        params: Sequence[Any] | Mapping[str, Any] | None = None,
        *,
        dialect: str | None = None,
    ) -> pa.Table:
        cur = self._cursor()
        try:
            rel = cur.sql(self._sql(sql, dialect), params=params)
            return rel.to_arrow_table() if rel is not None else pa.table({})
        except duckdb.Error as exc:
            raise InvalidInput(f"warehouse query failed: {exc}") from exc
        finally:
            cur.close()

    def execute(
        self,
        sql: str,
        params: Sequence[Any] | Mapping[str, Any] | None = None,
        *,
        dialect: str | None = None,
    ) -> None:
        cur = self._cursor()
        try:
            cur.execute(self._sql(sql, dialect), params)
        except duckdb.Error as exc:
            raise InvalidInput(f"warehouse statement failed: {exc}") from exc
        finally:
            cur.close()

    def load(self, table: str, data: pa.Table, mode: LoadMode = "append") -> int:
        name = _qualified(table)
        cur = self._cursor()
        try:
            cur.register("__loam_load", data)
            if mode == "replace":
                cur.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM __loam_load")
            else:
                cur.execute(
                    f"CREATE TABLE IF NOT EXISTS {name} AS SELECT * FROM __loam_load LIMIT 0"
                )
                cur.execute(f"INSERT INTO {name} BY NAME SELECT * FROM __loam_load")
            cur.unregister("__loam_load")
        except duckdb.Error as exc:
            raise InvalidInput(f"loading {table} failed: {exc}") from exc
        finally:
            cur.close()
        return int(data.num_rows)

    def tables(self, schema: str | None = None) -> list[str]:
        sql = (
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_catalog = current_database()"
        )
        params: list[Any] = []
        if schema is not None:
            sql += " AND table_schema = ?"
            params.append(schema)
        rows = self.query(sql + " ORDER BY 1, 2", params).to_pylist()
        return [
            r["table_name"]
            if r["table_schema"] == "main"
            else f"{r['table_schema']}.{r['table_name']}"
            for r in rows
        ]

    def columns(self, table: str) -> list[ColumnInfo]:
        schema, _, name = table.rpartition(".")
        rows = self.query(
            "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
            "WHERE table_name = ? AND table_schema = ? ORDER BY ordinal_position",
            [name, schema or "main"],
        ).to_pylist()
        return [
            ColumnInfo(r["column_name"], r["data_type"], r["is_nullable"] == "YES") for r in rows
        ]

    def health(self) -> Health:
        try:
            self.query("SELECT 1")
        except BackendUnavailable as exc:
            return Health(
                "warehouse",
                "duckdb",
                False,
                exc.message,
                "stop the other process holding the file, or reach it through `loam up`'s API",
            )
        except Exception as exc:
            return Health(
                "warehouse",
                "duckdb",
                False,
                str(exc).splitlines()[0],
                f"check that {self.path} is a DuckDB file and writable",
            )
        return Health("warehouse", "duckdb", True, self.path)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _qualified(table: str) -> str:
    parts = table.split(".")
    if not all(p and (p.replace("_", "").isalnum()) for p in parts):
        raise InvalidInput(
            f"bad table name '{table}': use letters, digits and _ (schema.table allowed)"
        )
    return ".".join(quote_identifier(p, "duckdb") for p in parts)


def _lock_message(path: str, exc: Exception) -> str:
    text = str(exc).splitlines()[0]
    if "lock" in text.lower():
        return f"{path} is held by another process (DuckDB allows one writer): {text}"
    return f"cannot open {path}: {text}"
