"""The envelope every event carries around its params, checked and completed.

A client sends::

    {"event_id": "5f0c...", "event_name": "click_item_home", "schema_version": "1-0-0",
     "client_ts": "2024-05-01T12:00:00Z", "user_id": "u1", "device_id": "d1",
     "platform": "ios", "app_version": "3.2.1", "params": {...}}

``event_id`` (a UUID) is made when missing, ``schema_version`` defaults to the active
version, and the server adds its own timestamp and the write key's source.

>>> ev = {"event_name": "x", "client_ts": "2024-05-01T12:00:00Z", "device_id": "d", "platform": "ios"}
>>> check_envelope(ev) is None, len(ev["event_id"])
(True, 36)
>>> check_envelope({"event_name": "x"}).rule
'missing_field'
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

REQUIRED = ("event_name", "client_ts", "device_id", "platform")
OPTIONAL = ("event_id", "schema_version", "user_id", "app_version", "params")
ALLOWED = frozenset(REQUIRED + OPTIONAL)
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)$")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,127}$")
_MAX_TEXT = 512


@dataclass(frozen=True)
class Problem:
    """Why an event is quarantined: the rule it broke and where."""

    rule: str
    path: str
    message: str


_good_names: set[str] = set()


def check_envelope(ev: Any) -> Problem | None:
    """Check the envelope of one event and complete it in place; a Problem if it is bad."""
    # Fast path: one C-level test per field; any doubt falls through to the precise checks.
    if type(ev) is dict and ALLOWED.issuperset(ev):
        name = ev.get("event_name")
        ts = ev.get("client_ts")
        device = ev.get("device_id")
        platform = ev.get("platform")
        if (
            name in _good_names
            and type(ts) is str
            and type(device) is str
            and type(platform) is str
            and 0 < len(device) <= _MAX_TEXT
            and 0 < len(platform) <= _MAX_TEXT
            and type(ev.get("user_id")) in _TEXT_OR_NONE
            and type(ev.get("app_version")) in _TEXT_OR_NONE
            and type(ev.get("schema_version")) in _TEXT_OR_NONE
            and type(ev.get("params")) in _DICT_OR_NONE
            and len(ev.get("user_id") or "") <= _MAX_TEXT
            and len(ev.get("app_version") or "") <= _MAX_TEXT
            and len(ev.get("schema_version") or "") <= _MAX_TEXT
        ):
            return _check_ids(ev, ts)
    return _check_slowly(ev)


_TEXT_OR_NONE = (str, type(None))
_DICT_OR_NONE = (dict, type(None))


def _check_ids(ev: dict[str, Any], ts: str) -> Problem | None:
    if not _RFC3339.match(ts):
        fixed = _normalise_timestamp(ts)
        if fixed is None:
            return Problem(
                "bad_timestamp",
                "client_ts",
                f"'client_ts' {ts!r} is not an ISO 8601 date-time with a zone (2024-05-01T12:00:00Z)",
            )
        ev["client_ts"] = fixed
    event_id = ev.get("event_id")
    if event_id is None:
        ev["event_id"] = str(uuid.uuid4())
    elif type(event_id) is not str:
        return Problem(
            "wrong_type", "event_id", f"'event_id' must be a UUID string, got {_kind(event_id)}"
        )
    elif not _UUID.match(event_id):
        try:
            ev["event_id"] = str(uuid.UUID(event_id))
        except ValueError:
            return Problem("bad_uuid", "event_id", f"'event_id' {event_id!r} is not a UUID")
    return None


def _check_slowly(ev: Any) -> Problem | None:
    if type(ev) is not dict:
        return Problem("not_an_object", "", f"an event must be a JSON object, got {_kind(ev)}")
    for key in REQUIRED:
        value = ev.get(key)
        if value is None:
            return Problem("missing_field", key, f"envelope field '{key}' is required")
        if type(value) is not str:
            return Problem("wrong_type", key, f"'{key}' must be a string, got {_kind(value)}")
        if not value or len(value) > _MAX_TEXT:
            return Problem("bad_value", key, f"'{key}' must be 1 to {_MAX_TEXT} characters")
    extra = ev.keys() - ALLOWED
    if extra:
        name = sorted(extra)[0]
        return Problem(
            "unknown_field",
            name,
            f"unknown envelope field '{name}': custom values go in 'params' "
            f"(envelope fields: {', '.join(REQUIRED + OPTIONAL)})",
        )
    for key in ("schema_version", "user_id", "app_version"):
        value = ev.get(key)
        if value is not None and (type(value) is not str or len(value) > _MAX_TEXT):
            return Problem(
                "wrong_type", key, f"'{key}' must be a string of at most {_MAX_TEXT} characters"
            )
    params = ev.get("params")
    if params is not None and type(params) is not dict:
        return Problem("wrong_type", "params", f"'params' must be an object, got {_kind(params)}")
    name = ev["event_name"]
    if not _NAME.match(name):
        return Problem(
            "bad_value", "event_name", f"bad event name {name!r}: use letters, digits and _"
        )
    if len(_good_names) < 100_000:
        _good_names.add(name)
    return _check_ids(ev, ev["client_ts"])


def _normalise_timestamp(value: str) -> str | None:
    try:
        parsed = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _kind(value: Any) -> str:
    return {
        dict: "an object",
        list: "an array",
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "a boolean",
        type(None): "null",
    }.get(type(value), type(value).__name__)
