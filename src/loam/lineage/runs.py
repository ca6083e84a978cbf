"""Ingestion runs: what each ingestion read and the watermark it reached, so the
next BigQuery JOBS ingestion of the same source starts where the last one ended."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from loam.core.catalog import Catalog
from loam.lineage.store import aware, utc
from loam.lineage.tables import lineage_runs


@dataclass(frozen=True, slots=True)
class Run:
    id: int
    source: str
    name: str
    location: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    since: datetime | None
    watermark: datetime | None
    stats: dict[str, Any]
    message: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "name": self.name,
            "location": self.location,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "status": self.status,
            "since": self.since.isoformat() if self.since else None,
            "watermark": self.watermark.isoformat() if self.watermark else None,
            "stats": self.stats,
            "message": self.message,
        }


def _run(row: Any) -> Run:
    return Run(
        row.id,
        row.source,
        row.name,
        row.location,
        aware(row.started_at) or row.started_at,
        aware(row.finished_at),
        row.status,
        aware(row.since),
        aware(row.watermark),
        dict(row.stats or {}),
        row.message,
    )


class RunLog:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def start(self, source: str, name: str, location: str, since: datetime | None) -> int:
        with self.catalog.begin() as conn:
            result = conn.execute(
                lineage_runs.insert().values(
                    source=source,
                    name=name[:300],
                    location=location,
                    started_at=utc(None),
                    status="running",
                    since=utc(since) if since else None,
                    stats={},
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])

    def finish(
        self,
        run_id: int,
        status: str,
        stats: dict[str, Any],
        watermark: datetime | None = None,
        message: str | None = None,
    ) -> None:
        with self.catalog.begin() as conn:
            conn.execute(
                lineage_runs.update()
                .where(lineage_runs.c.id == run_id)
                .values(
                    finished_at=utc(None),
                    status=status,
                    stats=stats,
                    watermark=utc(watermark) if watermark else None,
                    message=message,
                )
            )

    def last_watermark(self, name: str) -> datetime | None:
        """The newest watermark a successful run of ``name`` reached."""
        r = lineage_runs.c
        with self.catalog.begin() as conn:
            value = conn.execute(
                sa.select(sa.func.max(r.watermark)).where(r.name == name, r.status == "ok")
            ).scalar()
        if isinstance(value, str):  # SQLite's max() hands back the stored text
            value = datetime.fromisoformat(value)
        return aware(value)

    def list(self, limit: int = 20) -> list[Run]:
        with self.catalog.begin() as conn:
            rows = conn.execute(
                sa.select(lineage_runs).order_by(lineage_runs.c.id.desc()).limit(limit)
            )
            return [_run(row) for row in rows]
