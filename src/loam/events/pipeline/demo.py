"""The demo's events: a week of traffic for a few thousand users of a sample app.

Runs after the registry's demo (which registers the app's events); when no events are
registered it publishes the sample app's schemas itself. Traffic goes through the
collector's checks onto the bus (with a few invalid events and duplicates, so the
quarantine and dedup stats have something to show), then the processor and the
loader land it in the lake and the warehouse.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from loam.events.pipeline.generator import TrafficPlan, generate_traffic
from loam.events.pipeline.runtime import PipelineRuntime
from loam.events.pipeline.schemas import active_names
from loam.events.pipeline.traffic import send_direct

SAMPLE_APP: dict[str, dict[str, Any]] = {
    "view_screen_home": {
        "type": "object",
        "additionalProperties": False,
        "required": ["screen"],
        "properties": {
            "screen": {"enum": ["feed", "search", "chat", "profile"]},
            "load_ms": {"type": "integer", "minimum": 1, "maximum": 4000},
        },
    },
    "click_item_home": {
        "type": "object",
        "additionalProperties": False,
        "required": ["item_id", "price"],
        "properties": {
            "item_id": {"type": "string", "minLength": 8, "maxLength": 12},
            "price": {"type": "integer", "minimum": 0, "maximum": 500000},
            "category": {"enum": ["furniture", "clothes", "books", "electronics", "toys"]},
            "position": {
                "type": "object",
                "properties": {"row": {"type": "integer", "minimum": 0, "maximum": 50}},
            },
        },
    },
    "search_keyword_home": {
        "type": "object",
        "additionalProperties": False,
        "required": ["keyword"],
        "properties": {
            "keyword": {"type": "string", "minLength": 2, "maxLength": 20},
            "results": {"type": "integer", "minimum": 0, "maximum": 200},
        },
    },
    "chat_seller_item": {
        "type": "object",
        "additionalProperties": False,
        "required": ["item_id"],
        "properties": {
            "item_id": {"type": "string", "minLength": 8, "maxLength": 12},
            "first_message": {"type": "boolean"},
        },
    },
}


def build(workspace: Any, *, progress: Any = None, task: Any = None, users: int = 2000) -> None:
    runtime = PipelineRuntime(workspace)
    if not active_names(runtime.schemas):
        for name, schema in SAMPLE_APP.items():
            runtime.folder_schemas.write(name, "1-0-0", schema)
        runtime.schemas.forget()
    names = active_names(runtime.schemas)
    schemas = [s for n in names if (s := runtime.schemas.active(n)) is not None]
    if not schemas:
        return
    plan = TrafficPlan(
        users=users,
        days=7,
        sessions_per_day=0.8,
        events_per_session=6,
        invalid_share=0.01,
        natural_duplicate_share=0.01,
        synthetic_duplicate_share=0.002,
        start=(datetime.now(UTC) - timedelta(days=6)).date(),
        seed=42,
    )
    _say(progress, task, "demo: Events pipeline (sending a week of traffic)")
    send_direct(runtime.collector, generate_traffic(schemas, plan), "demo-app")
    runtime.collector.close()
    _say(progress, task, "demo: Events pipeline (processing and loading)")
    processor = runtime.processor()
    try:
        processor.run(until_idle=True)
    finally:
        processor.close()
    runtime.loader.load_all()


def _say(progress: Any, task: Any, text: str) -> None:
    if progress is not None and task is not None:
        progress.update(task, description=text)
