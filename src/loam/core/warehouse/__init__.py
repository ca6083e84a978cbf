"""The warehouse: tables people query.

One protocol; DuckDB is the embedded default, and a BigQuery backend fits the
same shape: each backend declares its SQL dialect, and SQL written in another
dialect (Loam's own SQL is BigQuery standard SQL) is carried over with sqlglot.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

import pyarrow as pa

from loam.core.health import Health

LoadMode = Literal["append", "replace"]


@dataclass(frozen=True)
class WarehouseCapabilities:
    engine: str
    dialect: str  # sqlglot dialect name the engine speaks
    merge: bool  # supports MERGE INTO
    nested_types: bool  # STRUCT / ARRAY columns
    multi_process_writes: bool


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    type: str
    nullable: bool = True


@runtime_checkable
class Warehouse(Protocol):
    capabilities: WarehouseCapabilities

    def query(
        self,
        sql: str,
        params: Sequence[Any] | Mapping[str, Any] | None = None,
        *,
        dialect: str | None = None,
    ) -> pa.Table:
        """Run SQL (written in ``dialect``, default the engine's) and return the rows."""

    def execute(
        self,
        sql: str,
        params: Sequence[Any] | Mapping[str, Any] | None = None,
        *,
        dialect: str | None = None,
    ) -> None:
        """Run a statement that returns nothing useful (DDL, DML)."""

    def load(self, table: str, data: pa.Table, mode: LoadMode = "append") -> int:
        """Write rows into ``table`` (created from the data's schema if missing); returns rows written."""

    def tables(self, schema: str | None = None) -> list[str]: ...

    def columns(self, table: str) -> list[ColumnInfo]: ...

    def health(self) -> Health: ...

    def close(self) -> None: ...


__all__ = ["ColumnInfo", "LoadMode", "Warehouse", "WarehouseCapabilities"]
