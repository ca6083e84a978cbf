"""Errors of the collection pipeline.

PipelineError (LoamError)          base of the pipeline's errors
├── MalformedPayload               body is not JSON, or not an event / list of events (400)
├── PayloadTooLarge                request over the size cap, or a gzip bomb (413)
├── BadWriteKey                    no, unknown or revoked write key (401)
├── EventsQuarantined              some events broke a rule; the rest were accepted (422)
└── SchemaUnavailable              the schema registry cannot answer (503, transient)
"""

from __future__ import annotations

from typing import Any

from loam.core.errors import LoamError


class PipelineError(LoamError):
    code = "events_pipeline_error"
    status = 500


class MalformedPayload(PipelineError):
    code = "malformed_payload"
    status = 400


class PayloadTooLarge(PipelineError):
    code = "payload_too_large"
    status = 413


class BadWriteKey(PipelineError):
    code = "bad_write_key"
    status = 401


class EventsQuarantined(PipelineError):
    code = "events_quarantined"
    status = 422

    def __init__(
        self, message: str, *, accepted: int, details: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(message, details=details)
        self.accepted = accepted


class SchemaUnavailable(PipelineError):
    code = "schema_unavailable"
    status = 503
    transient = True
