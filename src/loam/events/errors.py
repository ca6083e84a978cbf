"""The Event Center's errors.

    EventsError(LoamError)              base of everything the registry raises
    ├── InvalidEventName(InvalidInput)  the name breaks the naming grammar
    ├── DuplicateEvent(Conflict)        the name exists, or nearly exists
    ├── InvalidDefinition(InvalidInput) a parameter tree breaks a rule
    ├── BreakingChange(Conflict)        a breaking change was saved without bumping MODEL
    ├── StaleVersion(Conflict)          someone saved a newer version meanwhile
    ├── EventNotFound(NotFound)         no such event or version
    ├── InvalidVersion(InvalidInput)    a version is not MODEL-REVISION-ADDITION
    ├── ImportFailed(InvalidInput)      a Spark / JSON Schema file cannot be read
    ├── GitNotConfigured(Conflict)      sync asked for, but [events.git] path is not set
    └── GitSyncFailed                   git refused or the remote cannot be reached

Each carries ``details``: one dict per problem, with ``where`` (a dotted path
such as ``params.item.price``) and, where one exists, a ``suggestion``.
"""

from __future__ import annotations

from loam.core.errors import Conflict, InvalidInput, LoamError, NotFound


class EventsError(LoamError):
    code = "events_error"
    status = 422


class InvalidVersion(EventsError, InvalidInput):
    code = "invalid_version"
    status = 422


class GitNotConfigured(EventsError, Conflict):
    code = "git_not_configured"
    status = 409


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
