from __future__ import annotations

import asyncio
import gzip
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from loam.events.pipeline.collect_api import CollectFastPath
from loam.events.pipeline.runtime import runtime_of

from .test_flow import click


def _run(coro: Any) -> Any:
    """``asyncio.run`` in a thread of its own: an earlier test (Playwright's sync API in
    the browser tests) may leave an event loop running in the main thread."""
    out: list[Any] = []
    errors: list[BaseException] = []

    def main() -> None:
        try:
            out.append(asyncio.run(coro))
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=main)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return out[0]


@pytest.fixture(params=["fast", "routed"])
def http(request: pytest.FixtureRequest, pipeline_ws: Any) -> Iterator[Any]:
    """Every test runs twice: on the fast path ``loam up`` serves, and on the FastAPI
    route (what OpenAPI documents) with the fast path taken out; the answers must match."""
    from fastapi.testclient import TestClient

    from loam.server import create_app

    app = create_app(pipeline_ws)
    assert any(m.cls is CollectFastPath for m in app.user_middleware)
    if request.param == "routed":
        app.user_middleware = [m for m in app.user_middleware if m.cls is not CollectFastPath]
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def post(http: Any, key: str, body: Any, **headers: str) -> Any:
    data = body if isinstance(body, bytes) else orjson.dumps(body)
    return http.post("/collect", content=data, headers={"X-Loam-Write-Key": key, **headers})


def assert_error_shape(resp: Any, status: int, code: str) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    err = resp.json()["error"]
    assert err["code"] == code and err["status"] == status and err["message"]
    assert isinstance(err["details"], list)
    return err


def test_a_batch_is_accepted_and_queryable_as_columns(http: Any, write_key: str) -> None:
    resp = post(http, write_key, [click(price=p) for p in (100, 200, 300)])
    assert resp.json() == {"accepted": 3, "quarantined": 0}
    runtime = runtime_of_app(http)
    from .conftest import drain

    drain(http.app)
    rows = runtime.workspace.warehouse.query("SELECT price FROM click_item_home ORDER BY price")
    assert rows.column("price").to_pylist() == [100, 200, 300]


def runtime_of_app(http: Any) -> Any:
    return runtime_of(http.app)


def test_one_event_alone_or_wrapped_in_events(http: Any, write_key: str) -> None:
    assert post(http, write_key, click()).json()["accepted"] == 1
    assert post(http, write_key, {"events": [click(), click()]}).json()["accepted"] == 2


def test_malformed_json_is_refused_and_quarantined(http: Any, write_key: str) -> None:
    err = assert_error_shape(post(http, write_key, b'[{"event_name": '), 400, "malformed_payload")
    assert "not valid JSON" in err["message"]
    drain(http.app)
    rows = (
        runtime_of_app(http)
        .workspace.warehouse.query("SELECT rule, raw FROM events_quarantine")
        .to_pylist()
    )
    assert rows == [{"rule": "malformed_json", "raw": '[{"event_name": '}]


@pytest.mark.parametrize(
    ("event", "rule", "path"),
    [
        (click(price="12"), "type", "params.price"),
        (click(price=-1), "minimum", "params.price"),
        ({k: v for k, v in click().items() if k != "device_id"}, "missing_field", "device_id"),
        (click(client_ts="yesterday"), "bad_timestamp", "client_ts"),
        (click(event_id="not-a-uuid"), "bad_uuid", "event_id"),
        (click(event_name="buy_thing_nowhere"), "unknown_event", "event_name"),
        (click(schema_version="9-0-0"), "unknown_version", "schema_version"),
        (click(colour="red"), "unknown_field", "colour"),
        (click(params=[1]), "wrong_type", "params"),
    ],
)
def test_bad_events_are_quarantined_with_rule_and_path(
    http: Any, write_key: str, event: dict[str, Any], rule: str, path: str
) -> None:
    good = click()
    resp = post(http, write_key, [good, event])
    err = assert_error_shape(resp, 422, "events_quarantined")
    assert resp.json()["accepted"] == 1 and resp.json()["quarantined"] == 1
    detail = err["details"][0]
    assert (detail["index"], detail["rule"], detail["path"]) == (1, rule, path)
    assert "1 of 2 event(s) quarantined" in err["message"]
    drain(http.app)
    wh = runtime_of_app(http).workspace.warehouse
    q = wh.query("SELECT rule, path, raw FROM events_quarantine").to_pylist()
    assert [(r["rule"], r["path"]) for r in q] == [(rule, path)]
    assert orjson.loads(q[0]["raw"])["event_name"] == event["event_name"]
    assert wh.query("SELECT event_id FROM click_item_home").column(0).to_pylist() == [
        good["event_id"]
    ]


def test_oversized_event_and_request(http: Any, write_key: str, pipeline_ws: Any) -> None:
    huge = click()
    huge["params"]["item_id"] = "x" * 64
    huge["params"]["tags"] = ["y" * 1000] * 80
    resp = post(http, write_key, [huge])
    assert (
        assert_error_shape(resp, 422, "events_quarantined")["details"][0]["rule"]
        == "event_too_large"
    )
    limit = runtime_of_app(http).settings.max_request_bytes
    too_big = b"[" + b" " * limit + b"]"
    assert_error_shape(post(http, write_key, too_big), 413, "payload_too_large")
    many = [click() for _ in range(runtime_of_app(http).settings.max_batch_events + 1)]
    assert_error_shape(post(http, write_key, many), 413, "payload_too_large")


def test_gzip_bodies_and_zip_bombs(http: Any, write_key: str) -> None:
    body = gzip.compress(orjson.dumps([click(), click()]))
    assert post(http, write_key, body, **{"Content-Encoding": "gzip"}).json()["accepted"] == 2
    bomb = gzip.compress(b"[" + b" " * (50 * 1024 * 1024) + b"]")
    assert len(bomb) < 100_000
    err = assert_error_shape(
        post(http, write_key, bomb, **{"Content-Encoding": "gzip"}), 413, "payload_too_large"
    )
    assert "inflates" in err["message"]
    assert_error_shape(
        post(http, write_key, b"not gzip", **{"Content-Encoding": "gzip"}), 400, "malformed_payload"
    )


def test_write_key_is_required_and_checked(http: Any, write_key: str, pipeline_ws: Any) -> None:
    resp = http.post("/collect", content=orjson.dumps(click()))
    assert "write key" in assert_error_shape(resp, 401, "bad_write_key")["message"]
    assert_error_shape(post(http, "lwk_wrong", click()), 401, "bad_write_key")
    resp = http.post(
        "/collect", content=orjson.dumps(click()), headers={"Authorization": f"Bearer {write_key}"}
    )
    assert resp.json()["accepted"] == 1
    keys = runtime_of_app(http).keys
    keys.revoke(keys.list()[0].id)
    assert_error_shape(post(http, write_key, click()), 401, "bad_write_key")


def test_collector_keeps_serving_after_every_kind_of_error(http: Any, write_key: str) -> None:
    post(http, write_key, b"{{{")
    post(http, "lwk_nope", click())
    post(http, write_key, [click(price="x")])
    post(
        http,
        write_key,
        gzip.compress(b"[" + b" " * (20 * 1024 * 1024) + b"]"),
        **{"Content-Encoding": "gzip"},
    )
    assert post(http, write_key, [click()]).json() == {"accepted": 1, "quarantined": 0}


def asgi_post(
    app: Any, chunks: list[bytes], headers: dict[str, str], *, disconnect: bool = False
) -> tuple[int | None, dict[str, str], bytes]:
    """Drive the app with a body in ``chunks`` (one ASGI message each), as uvicorn sends a
    large or chunked body; with ``disconnect`` the client leaves after the chunks."""
    messages: list[dict[str, Any]] = [
        {"type": "http.request", "body": c, "more_body": disconnect or i < len(chunks) - 1}
        for i, c in enumerate(chunks)
    ]
    if disconnect:
        messages.append({"type": "http.disconnect"})
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    _run(app(_scope(headers), receive, send))
    if not sent:
        return None, {}, b""
    start = sent[0]
    head = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], head, b"".join(m.get("body", b"") for m in sent[1:])


def _scope(headers: dict[str, str]) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/collect",
        "raw_path": b"/collect",
        "root_path": "",
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }


def test_more_requests_at_once_than_workers_are_all_answered(http: Any, write_key: str) -> None:
    from loam.events.pipeline.runtime import runtime_of

    threads = runtime_of(http.app).settings.collector_threads
    bodies = [orjson.dumps([click() for _ in range(3)]) for _ in range(3 * threads)]

    async def one(body: bytes) -> int:
        sent: list[dict[str, Any]] = []
        messages = [{"type": "http.request", "body": body, "more_body": False}]

        async def receive() -> dict[str, Any]:
            return messages.pop(0) if messages else {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await http.app(_scope({"X-Loam-Write-Key": write_key}), receive, send)
        assert orjson.loads(sent[1]["body"]) == {"accepted": 3, "quarantined": 0}
        return int(sent[0]["status"])

    async def all_at_once() -> list[int]:
        return await asyncio.gather(*(one(b) for b in bodies))

    assert _run(all_at_once()) == [200] * len(bodies)


def test_openapi_documents_collect(http: Any) -> None:
    op = http.app.openapi()["paths"]["/collect"]["post"]
    assert {"200", "400", "401", "413", "422"} <= set(op["responses"])


def test_a_body_in_many_messages_is_joined(http: Any, write_key: str) -> None:
    body = orjson.dumps([click() for _ in range(20)])
    chunks = [body[i : i + 100] for i in range(0, len(body), 100)]
    status, head, answer = asgi_post(http.app, chunks, {"X-Loam-Write-Key": write_key})
    assert (status, orjson.loads(answer)) == (200, {"accepted": 20, "quarantined": 0})
    assert head["content-type"] == "application/json"
    assert int(head["content-length"]) == len(answer)


def test_size_limits_declared_and_streamed(http: Any, write_key: str) -> None:
    limit = runtime_of_app(http).settings.max_request_bytes
    declared = {"X-Loam-Write-Key": write_key, "Content-Length": str(limit + 1)}
    status, _, answer = asgi_post(http.app, [b"["], declared)
    err = orjson.loads(answer)["error"]
    assert (status, err["code"], err["details"]) == (
        413,
        "payload_too_large",
        [{"limit_bytes": limit}],
    )
    # No Content-Length (chunked transfer): refused once the streamed bytes pass the limit.
    chunk = b" " * (1024 * 1024)
    chunks = [b"[", *[chunk] * (limit // len(chunk) + 1), b"]"]
    status, _, answer = asgi_post(http.app, chunks, {"X-Loam-Write-Key": write_key})
    assert (status, orjson.loads(answer)["error"]["code"]) == (413, "payload_too_large")


def test_a_client_that_leaves_mid_body_gets_no_answer_and_nothing_is_ingested(
    http: Any, write_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[bytes] = []
    monkeypatch.setattr(runtime_of_app(http).collector, "ingest", lambda b, s: calls.append(b))
    body = orjson.dumps([click()])
    status, _, _ = asgi_post(
        http.app, [body[:10]], {"X-Loam-Write-Key": write_key}, disconnect=True
    )
    assert calls == []
    assert status is None or status == 400  # the fast path sends nothing, the route 400


def test_401_asks_for_bearer_and_unknown_encoding_is_400(http: Any, write_key: str) -> None:
    resp = post(http, "lwk_wrong", click())
    assert resp.headers["www-authenticate"] == "Bearer"
    resp = post(http, write_key, orjson.dumps(click()), **{"Content-Encoding": "br"})
    assert "Content-Encoding" in assert_error_shape(resp, 400, "malformed_payload")["message"]


def test_other_methods_and_paths_fall_through_to_the_app(http: Any) -> None:
    page = http.get("/collect")  # the UI's catch-all (built UI or its stand-in), as before
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "accepted" not in page.text
    assert http.get("/api/health").status_code == 200


def test_unplanned_events_when_allowed(tmp_path: Any) -> None:
    from fastapi.testclient import TestClient

    from loam.events.pipeline.keys import WriteKeyStore
    from loam.server import create_app

    from .conftest import open_workspace

    ws = open_workspace(
        tmp_path / "ws", "processors = 0\nembedded_loader = false", top="allow_unplanned = true"
    )
    key = WriteKeyStore(ws.catalog).create("app")
    ev = click(event_name="open_app_home", event_id=str(uuid.uuid4()))
    with TestClient(create_app(ws)) as client:
        assert post(client, key, [ev]).json()["accepted"] == 1
        drain(client.app)
        rows = ws.warehouse.query("SELECT event_name, params FROM unplanned_events").to_pylist()
    assert rows[0]["event_name"] == "open_app_home"
    assert orjson.loads(rows[0]["params"])["price"] == 1200
    ws.close()


from .conftest import drain  # noqa: E402
