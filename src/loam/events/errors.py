"""The Event Center's errors.

    EventsError(LoamError)              base of everything the registry raises
    ├── InvalidEventName(InvalidInput)  the name breaks the naming grammar
    ├── DuplicateEvent(Conflict)        the name exists, or nearly exists
    ├── InvalidDefinition(InvalidInput) a parameter tree breaks a rule
    ├── BreakingChange(Conflict)        a breaking change was saved without bumping MODEL
    ├── StaleVersion(Conflict)          someone saved a newer version meanwhile
    ├── EventNotFound(NotFound)         no such event or version
    ├── ImportFailed(InvalidInput)      a Spark / JSON Schema file cannot be read
    └── GitSyncFailed                   git refused (transient when the remote is unreachable)

Each carries ``details``: one dict per problem, with ``where`` (a dotted path
such as ``params.item.price``) and, where one exists, a ``suggestion``.
"""

from __future__ import annotations

from loam.core.errors import Conflict, InvalidInput, LoamError, NotFound


class EventsError(LoamError):
    code = "events_error"


class InvalidEventName(EventsError, InvalidInput):
    code = "invalid_event_name"
    status = 422


class DuplicateEvent(EventsError, Conflict):
    code = "duplicate_event"
    status = 409


class InvalidDefinition(EventsError, InvalidInput):
    code = "invalid_definition"
    status = 422


class BreakingChange(EventsError, Conflict):
    code = "breaking_change"
    status = 409


class StaleVersion(EventsError, Conflict):
    code = "stale_version"
    status = 409


class EventNotFound(EventsError, NotFound):
    code = "event_not_found"
    status = 404


class ImportFailed(EventsError, InvalidInput):
    code = "import_failed"
    status = 422


class GitSyncFailed(EventsError):
    code = "git_sync_failed"
    status = 502
