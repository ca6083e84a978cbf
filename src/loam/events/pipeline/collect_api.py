"""``POST /collect``: the HTTP face of the collector.

Send one event, a JSON array of events, or ``{"events": [...]}``, with the source's
write key in ``X-Loam-Write-Key`` (or ``Authorization: Bearer lwk_...``); gzip bodies
with ``Content-Encoding: gzip``. Answers ``200 {"accepted": n, "quarantined": 0}``
once the bus holds the events durably; ``422`` in the platform's error shape, with
``accepted`` / ``quarantined`` beside it, when some events broke a rule (the others
were accepted: do not resend them); ``400`` for a body that is not JSON, ``413`` for
too large a request, ``401`` for a wrong write key.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from loam.events.pipeline.errors import (
    BadWriteKey,
    EventsQuarantined,
    MalformedPayload,
    PayloadTooLarge,
)
from loam.events.pipeline.keys import KEY_PREFIX
from loam.events.pipeline.runtime import PipelineRuntime, runtime_of


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    runtime = runtime_of(app)
    if runtime.has_backlog():
        runtime.start_background()
    try:
        yield
    finally:
        await run_in_threadpool(runtime.stop_background)


router = APIRouter(lifespan=lifespan, tags=["events"])


@router.post(
    "/collect",
    summary="Collect events (one, a list, or {events: [...]})",
    responses={400: {}, 401: {}, 413: {}, 422: {}},
)
async def collect(request: Request) -> Response:
    runtime = runtime_of(request.app)
    source = _source(request, runtime)
    body = await _read_body(request, runtime.settings.max_request_bytes)
    if runtime.settings.processors or runtime.settings.embedded_loader:
        runtime.start_background()
    try:
        result = await run_in_threadpool(runtime.collector.ingest, body, source)
        result.raise_for_quarantine()
    except EventsQuarantined as exc:
        return JSONResponse(
            {
                "error": {
                    "code": exc.code,
                    "message": exc.message,
                    "status": exc.status,
                    "details": exc.details,
                },
                "accepted": exc.accepted,
                "quarantined": len(result.quarantined),
            },
            status_code=exc.status,
        )
    return JSONResponse({"accepted": result.accepted, "quarantined": 0})


def _source(request: Request, runtime: PipelineRuntime) -> str:
    key = request.headers.get("x-loam-write-key", "").strip()
    if not key:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token.strip().startswith(KEY_PREFIX):
            key = token.strip()
    if not key:
        if not runtime.settings.require_write_key:
            return "anonymous"
        raise BadWriteKey(
            "missing write key: send 'X-Loam-Write-Key: lwk_...' "
            "(`loam events keys create SOURCE` makes one)"
        )
    source = runtime.keys.verify(key)
    if source is None:
        raise BadWriteKey("unknown or revoked write key")
    return source


async def _read_body(request: Request, cap: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > cap:
        raise PayloadTooLarge(
            f"request body is {declared} bytes; the limit is {cap}",
            details=[{"limit_bytes": cap}],
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise PayloadTooLarge(f"request body is over the limit of {cap} bytes")
        chunks.append(chunk)
    body = b"".join(chunks)
    encoding = request.headers.get("content-encoding", "identity").lower().strip()
    if encoding in ("", "identity"):
        return body
    if encoding != "gzip":
        raise MalformedPayload(f"unsupported Content-Encoding {encoding!r}: send gzip or none")
    return _gunzip(body, cap)


def _gunzip(body: bytes, cap: int) -> bytes:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, cap + 1)
    except zlib.error as exc:
        raise MalformedPayload(f"body is not valid gzip: {exc}") from None
    if len(out) > cap or inflater.unconsumed_tail:
        raise PayloadTooLarge(
            f"gzip body inflates past the limit of {cap} bytes",
            details=[{"limit_bytes": cap}],
        )
    return out
