"""The pipeline's settings: the ``[events.pipeline]`` table of ``loam.toml``.

``allow_unplanned`` may also sit in ``[events]`` itself, where a workspace owner
looks for it first::

    [events]
    allow_unplanned = true

    [events.pipeline]
    max_event_bytes = 32768

>>> pipeline_settings({"allow_unplanned": True, "pipeline": {"processors": 2}}).processors
2
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from loam.core.errors import ConfigError


class PipelineSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    allow_unplanned: bool = False  # accept events with no registered schema
    require_write_key: bool = True
    max_request_bytes: int = Field(5 * 1024 * 1024, ge=1024)  # after decompression too
    max_event_bytes: int = Field(64 * 1024, ge=256)
    max_batch_events: int = Field(1000, ge=1)
    # Threads checking requests: two let one parse while another waits on the bus flush
    # (requests waiting together share one fsync); more only fight over the GIL
    # (bench_pipeline: 4 threads cost ~1 us per event more than 2).
    collector_threads: int = Field(2, ge=1, le=64)
    topic: str = "loam.events"
    quarantine_topic: str = "loam.events.quarantine"
    group: str = "loam-events-processor"
    dedup_window_days: int = Field(7, ge=1)
    processor_batch_events: int = Field(50_000, ge=1)
    processor_batch_seconds: float = Field(1.0, gt=0)
    loader_interval_seconds: float = Field(1.0, gt=0)
    loader_max_files: int = Field(500, ge=1)  # per transaction, so a backlog loads in bounded
    loader_max_bytes: int = Field(64 * 1024 * 1024, ge=1)  # steps (compressed Parquet bytes)
    embedded_loader: bool = True  # `loam up` runs the loader (it owns the warehouse)
    processors: int = Field(1, ge=0)  # processor processes `loam up` starts
    schema_folder: str = "event-schemas"  # used when the registry is not installed


def pipeline_settings(section: Any) -> PipelineSettings:
    """From the ``[events]`` section: a plain table, or the registry's typed settings."""
    if isinstance(section, Mapping):
        data = dict(section.get("pipeline") or {})
        top = section.get("allow_unplanned")
    else:
        data = dict(getattr(section, "pipeline", None) or {})
        top = getattr(section, "allow_unplanned", None)
    if top is not None and "allow_unplanned" not in data:
        data["allow_unplanned"] = top
    try:
        return PipelineSettings.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"[events.pipeline] {'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
            for e in exc.errors()
        )
        raise ConfigError(problems) from None
