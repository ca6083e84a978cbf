"""Event Center: the event schema registry and dictionary.

Define events with a recursive tree of typed parameters, checked against the
workspace's Action-Object-Service naming grammar; save immutable SchemaVer
versions (MODEL-REVISION-ADDITION), each classified breaking / revision / additive /
metadata; export Spark StructType JSON, BigQuery schema JSON and JSON Schema
2020-12; import Spark and JSON Schema files; sync the generated files to Git;
search the dictionary.

>>> from loam.events import EventDefinition, Parameter, to_spark_json
>>> d = EventDefinition(name="click_item_home", params=[Parameter(name="item_id", type="string",
...                     required=True)])
>>> to_spark_json(d)
'{"fields":[{"metadata":{},"name":"item_id","nullable":false,"type":"string"}],"type":"struct"}'
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from loam.events.diff import Change, classify, describe, diff_definitions
from loam.events.duplicates import NameIndex, NearDuplicate
from loam.events.errors import (
    BreakingChange,
    DuplicateEvent,
    EventNotFound,
    EventsError,
    GitNotConfigured,
    GitSyncFailed,
    ImportFailed,
    InvalidDefinition,
    InvalidEventName,
    InvalidVersion,
    StaleVersion,
)
from loam.events.export_bigquery import to_bigquery, to_bigquery_json
from loam.events.export_jsonschema import from_jsonschema, to_jsonschema, to_jsonschema_json
from loam.events.export_spark import from_spark, to_spark, to_spark_json
from loam.events.files import EXPORT_FORMATS, event_files, render
from loam.events.model import (
    Constraints,
    EventDefinition,
    ItemSpec,
    Parameter,
    Problem,
    parse_definition,
    walk_params,
)
from loam.events.naming import ENVELOPE_FIELDS, check_event_name, check_param_name, split_words
from loam.events.records import EventSummary, EventVersion, SavePlan, SaveResult
from loam.events.search import SearchHit, SearchIndex
from loam.events.store import EventRegistry
from loam.events.validate import NameReport, check_name
from loam.events.versions import SchemaVer, next_version

if TYPE_CHECKING:
    from loam.workspace import Workspace

_REGISTRIES: WeakKeyDictionary[Workspace, EventRegistry] = WeakKeyDictionary()


def registry(workspace: Workspace) -> EventRegistry:
    """The workspace's registry (one per workspace object, so its indexes are reused)."""
    found = _REGISTRIES.get(workspace)
    if found is None:
        found = EventRegistry(workspace.catalog, workspace.settings.events)
        _REGISTRIES[workspace] = found
    return found


__all__ = [
    "ENVELOPE_FIELDS",
    "EXPORT_FORMATS",
    "BreakingChange",
    "Change",
    "Constraints",
    "DuplicateEvent",
    "EventDefinition",
    "EventNotFound",
    "EventRegistry",
    "EventSummary",
    "EventVersion",
    "EventsError",
    "GitNotConfigured",
    "GitSyncFailed",
    "ImportFailed",
    "InvalidDefinition",
    "InvalidEventName",
    "InvalidVersion",
    "ItemSpec",
    "NameIndex",
    "NameReport",
    "NearDuplicate",
    "Parameter",
    "Problem",
    "SavePlan",
    "SaveResult",
    "SchemaVer",
    "SearchHit",
    "SearchIndex",
    "StaleVersion",
    "check_event_name",
    "check_name",
    "check_param_name",
    "classify",
    "describe",
    "diff_definitions",
    "event_files",
    "from_jsonschema",
    "from_spark",
    "next_version",
    "parse_definition",
    "registry",
    "render",
    "split_words",
    "to_bigquery",
    "to_bigquery_json",
    "to_jsonschema",
    "to_jsonschema_json",
    "to_spark",
    "to_spark_json",
    "walk_params",
]
