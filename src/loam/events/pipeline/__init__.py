"""The Event Center's collection pipeline: collector -> bus -> processor -> lake -> loader.

- ``collector``: envelope checks, compiled params validation, batched bus writes;
- ``processor``: a consumer-group member landing Parquet in the lake;
- ``loader``: lake files into DuckDB exactly once, with dedup;
- ``generator``: synthetic traffic from the registered schemas;
- ``stats``: what was accepted, quarantined, duplicated, loaded, and the lag.
"""

from __future__ import annotations

from loam.events.pipeline.collector import Collector, IngestResult
from loam.events.pipeline.loader import Loader, LoadReport
from loam.events.pipeline.processor import Processor
from loam.events.pipeline.schemas import (
    CachedSchemaSource,
    EventSchema,
    FolderSchemaSource,
    InMemorySchemaSource,
    SchemaSource,
)
from loam.events.pipeline.settings import PipelineSettings

__all__ = [
    "CachedSchemaSource",
    "Collector",
    "EventSchema",
    "FolderSchemaSource",
    "InMemorySchemaSource",
    "IngestResult",
    "LoadReport",
    "Loader",
    "PipelineSettings",
    "Processor",
    "SchemaSource",
]
