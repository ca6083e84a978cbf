"""``POST /collect``: the HTTP face of the collector.

Send one event, a JSON array of events, or ``{"events": [...]}``, with the source's
write key in ``X-Loam-Write-Key`` (or ``Authorization: Bearer lwk_...``); gzip bodies
with ``Content-Encoding: gzip``. Answers ``200 {"accepted": n, "quarantined": 0}``
once the bus holds the events durably; ``422`` in the platform's error shape, with
``accepted`` / ``quarantined`` beside it, when some events broke a rule (the others
were accepted: do not resend them); ``400`` for a body that is not JSON, ``413`` for
too large a request, ``401`` for a wrong write key.

The hot path is a plain ASGI handler in front of the app (``install``): at 100k
events/s a request of 500 events has about 500 us of HTTP budget, and FastAPI's
routing through every capability's routes, its dependency machinery, Starlette's
``Request`` and anyio's thread pool cost most of it. The FastAPI route below runs the
same code; it is what OpenAPI documents, and it serves ``/collect`` when the fast path
is not installed. Errors are rendered with ``loam.api.errors.error_response``, so both
paths answer in the platform's shape.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import orjson
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from loam.api.errors import error_response
from loam.core.errors import LoamError
from loam.events.pipeline.errors import (
    BadWriteKey,
    EventsQuarantined,
    MalformedPayload,
    PayloadTooLarge,
)
from loam.events.pipeline.keys import KEY_PREFIX
from loam.events.pipeline.runtime import PipelineRuntime, runtime_of

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PATH = "/collect"
_JSON_HEADERS = [(b"content-type", b"application/json")]


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
    PATH,
    summary="Collect events (one, a list, or {events: [...]})",
    responses={400: {}, 401: {}, 413: {}, 422: {}},
)
async def collect(request: Request) -> Response:
    """Served by the fast path (``install``) in ``loam up``; this route documents it."""
    try:
        status, body = await _collect(
            runtime_of(request.app), request.scope["headers"], request.receive
        )
    except _Disconnected:  # nobody will read it
        return error_response(400, "bad_request", "the client left before its body arrived")
    return Response(body, status_code=status, media_type="application/json")


def install(app: FastAPI) -> None:
    """Serve ``POST /collect`` ahead of routing (see the module doc)."""
    app.add_middleware(CollectFastPath)


class CollectFastPath:
    """ASGI middleware: answers ``POST /collect`` itself, passes everything else on.

    It sits inside Starlette's ``ServerErrorMiddleware``, so a crash still gets the
    platform's 500 answer; the collector's own errors are rendered here.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or scope["path"] != scope.get("root_path", "") + PATH
        ):
            await self.app(scope, receive, send)
            return
        try:
            status, body = await _collect(runtime_of(scope["app"]), scope["headers"], receive)
        except _Disconnected:
            return
        except LoamError as exc:
            headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
            await error_response(exc.status, exc.code, exc.message, exc.details, headers)(
                scope, receive, send
            )
            return
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [*_JSON_HEADERS, (b"content-length", b"%d" % len(body))],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _Disconnected(Exception):
    """The client went away before its body arrived: nothing to answer."""


async def _collect(
    runtime: PipelineRuntime, headers: list[tuple[bytes, bytes]], receive: Receive
) -> tuple[int, bytes]:
    """Check the key, read the body, ingest it off the event loop: (status, JSON body).

    Raises the collector's errors (LoamError) except a partial quarantine, which is
    answered here because its body carries ``accepted`` and ``quarantined``.
    """
    key = auth = length = encoding = None
    for name, value in headers:  # header names arrive lower-cased (ASGI)
        if name == b"content-length":
            length = value
        elif name == b"x-loam-write-key":
            key = value
        elif name == b"authorization":
            auth = value
        elif name == b"content-encoding":
            encoding = value
    source = _source(runtime, key, auth)
    settings = runtime.settings
    body, gzipped = await _read_body(receive, length, encoding, settings.max_request_bytes)
    if settings.processors or settings.embedded_loader:
        runtime.start_background()
    result = await _offload(
        settings.collector_threads,
        _ingest,
        runtime.collector,
        body,
        gzipped,
        settings.max_request_bytes,
        source,
    )
    if not result.quarantined:
        return 200, b'{"accepted":%d,"quarantined":0}' % result.accepted
    try:
        result.raise_for_quarantine()
    except EventsQuarantined as exc:
        answer = {
            "error": {
                "code": exc.code,
                "message": exc.message,
                "status": exc.status,
                "details": exc.details,
            },
            "accepted": exc.accepted,
            "quarantined": len(result.quarantined),
        }
        return exc.status, orjson.dumps(answer, default=str)
    raise AssertionError("raise_for_quarantine did not raise")  # pragma: no cover


def _source(runtime: PipelineRuntime, key: bytes | None, auth: bytes | None) -> str:
    token = key.decode("latin-1").strip() if key else ""
    if not token and auth:
        scheme, _, rest = auth.decode("latin-1").partition(" ")
        if scheme.lower() == "bearer" and rest.strip().startswith(KEY_PREFIX):
            token = rest.strip()
    if not token:
        if not runtime.settings.require_write_key:
            return "anonymous"
        raise BadWriteKey(
            "missing write key: send 'X-Loam-Write-Key: lwk_...' "
            "(`loam events keys create SOURCE` makes one)"
        )
    source = runtime.keys.verify(token)
    if source is None:
        raise BadWriteKey("unknown or revoked write key")
    return source


async def _read_body(
    receive: Receive, declared: bytes | None, encoding: bytes | None, cap: int
) -> tuple[bytes, bool]:
    """The request body, refused past ``cap`` bytes as declared or as streamed, and whether
    it is gzipped (``_ingest`` inflates it, off the event loop).

    A body that comes in one message is used as is; otherwise the chunks are joined once.
    """
    if declared is not None and declared.isdigit() and int(declared) > cap:
        raise PayloadTooLarge(
            f"request body is {declared.decode()} bytes; the limit is {cap}",
            details=[{"limit_bytes": cap}],
        )
    message = await receive()
    if message["type"] != "http.request":
        raise _Disconnected
    body: bytes = message.get("body", b"")
    size = len(body)
    if size > cap:
        raise PayloadTooLarge(f"request body is over the limit of {cap} bytes")
    if message.get("more_body", False):
        chunks = [body]
        while True:
            message = await receive()
            if message["type"] != "http.request":
                raise _Disconnected
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > cap:
                raise PayloadTooLarge(f"request body is over the limit of {cap} bytes")
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
    name = encoding.decode("latin-1").strip().lower() if encoding is not None else ""
    if name in ("", "identity"):
        return body, False
    if name != "gzip":
        raise MalformedPayload(f"unsupported Content-Encoding {name!r}: send gzip or none")
    return body, True


def _ingest(collector: Any, body: bytes, gzipped: bool, cap: int, source: str) -> Any:
    """In a worker thread: inflate (zlib lets go of the GIL while it works), then ingest."""
    return collector.ingest(_gunzip(body, cap) if gzipped else body, source)


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


# -- ingest off the event loop ----------------------------------------------------------


class _Workers:
    """A bare thread pool for ``Collector.ingest``: a queue in, ``call_soon_threadsafe`` out.

    anyio's ``run_in_threadpool`` (cancel scopes, a capacity limiter, per-call worker
    checks) costs tens of microseconds a call; this costs one queue put and one wake-up.
    Threads start as requests need them, up to ``limit``: enough for one request to
    parse while others wait on the bus together (group commit); more only add GIL
    contention (measured: 16 workers cost ~1 us per event more than 2 to 4).
    """

    def __init__(self, limit: int = 16) -> None:
        self.limit = limit
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads = 0
        self._idle = 0

    def submit(self, fn: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        with self._lock:
            if self._idle == 0 and self._threads < self.limit:
                self._threads += 1
                threading.Thread(target=self._work, name="loam-collect", daemon=True).start()
            else:
                self._idle -= 1
        self._jobs.put((loop, future, fn, args))
        return future

    def _work(self) -> None:
        while True:
            loop, future, fn, args = self._jobs.get()
            try:
                result = fn(*args)
            except BaseException as exc:  # the request hears about it, the worker lives on
                _settle(loop, future, None, exc)
            else:
                _settle(loop, future, result, None)
            del loop, future, fn, args
            with self._lock:
                self._idle += 1


def _settle(
    loop: asyncio.AbstractEventLoop,
    future: asyncio.Future[Any],
    result: Any,
    error: BaseException | None,
) -> None:
    with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits
        loop.call_soon_threadsafe(_resolve, future, result, error)


def _resolve(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():  # cancelled: the server is stopping
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


_pools: dict[int, _Workers] = {}


def _offload(threads: int, fn: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
    """Run ``fn`` on the pool of ``threads`` workers (``[events.pipeline] collector_threads``)."""
    pool = _pools.get(threads)
    if pool is None:
        pool = _pools.setdefault(threads, _Workers(limit=threads))
    return pool.submit(fn, *args)
