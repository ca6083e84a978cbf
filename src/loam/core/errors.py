"""The error tree shared by every part of Loam.

    LoamError                      base of everything Loam raises on purpose
    ├── ConfigError                a setting is unknown or has a bad value   (terminal)
    ├── NotFound                   a named thing does not exist              (terminal)
    ├── Conflict                   the change clashes with existing state     (terminal)
    ├── InvalidInput               input is malformed or breaks a rule        (terminal)
    ├── PermissionDenied           the caller's role may not do this          (terminal)
    ├── Unauthenticated            no or unknown API token                    (terminal)
    └── BackendUnavailable         an engine cannot be reached                (transient)

Each capability derives its own base from ``LoamError``. ``transient`` tells
loaders and CDC whether a retry may help.
"""

from __future__ import annotations

from typing import Any


class LoamError(Exception):
    """Base error. ``code`` is a stable machine name; ``status`` the HTTP status it maps to."""

    code: str = "error"
    status: int = 500
    transient: bool = False

    def __init__(self, message: str, *, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class ConfigError(LoamError):
    code = "config_error"
    status = 500


class NotFound(LoamError):
    code = "not_found"
    status = 404


class Conflict(LoamError):
    code = "conflict"
    status = 409


class InvalidInput(LoamError):
    code = "invalid_input"
    status = 422


class PermissionDenied(LoamError):
    code = "forbidden"
    status = 403


class Unauthenticated(LoamError):
    code = "unauthenticated"
    status = 401


class BackendUnavailable(LoamError):
    code = "backend_unavailable"
    status = 503
    transient = True
