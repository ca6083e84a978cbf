from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from loam.capabilities import CAPABILITIES
from loam.server import create_app
from loam.workspace import Workspace
from tests.api.conftest import bearer


def assert_error_shape(body: dict, status: int, code: str) -> None:
    assert set(body) == {"error"}
    err = body["error"]
    assert set(err) == {"code", "message", "status", "details"}
    assert err["status"] == status and err["code"] == code
    assert isinstance(err["message"], str) and err["message"]
    assert isinstance(err["details"], list)


def test_health_reports_each_component_without_a_token(client: TestClient) -> None:
    res = client.get("/api/health")
    assert res.status_code == 200
    body = res.json()
    names = [c["component"] for c in body["components"]]
    assert names[:4] == ["catalog", "warehouse", "lake", "bus"]
    assert body["status"] in {"ok", "degraded"}
    assert body["status"] == ("ok" if all(c["ok"] for c in body["components"]) else "degraded")


def test_health_turns_degraded_when_a_component_fails(tmp_path: Path) -> None:
    ws = Workspace.open(
        tmp_path / "ws",
        create=True,
        environ={"LOAM_BUS__BACKEND": "kafka", "LOAM_BUS__KAFKA__BOOTSTRAP_SERVERS": "127.0.0.1:1"},
    )
    with TestClient(create_app(ws)) as c:
        body = c.get("/api/health").json()
    bus = next(x for x in body["components"] if x["component"] == "bus")
    assert body["status"] == "degraded" and not bus["ok"] and bus["fix"]


def test_openapi_lists_every_capability(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    assert spec["info"]["title"] == "Loam"
    for cap in CAPABILITIES:
        assert any(
            p == f"/api/{cap.name}" or p.startswith(f"/api/{cap.name}/") for p in spec["paths"]
        ), cap.name


@pytest.mark.parametrize("path", ["/api/auth/me", "/api/capabilities", "/api/events"])
def test_reads_need_a_token(client: TestClient, path: str) -> None:
    res = client.get(path)
    assert res.status_code == 401
    assert_error_shape(res.json(), 401, "unauthenticated")
    assert res.headers["www-authenticate"] == "Bearer"
    res = client.get(path, headers=bearer("loam_wrong"))
    assert res.status_code == 401 and "unknown or revoked" in res.json()["error"]["message"]


def test_me_names_the_role(client: TestClient, tokens: dict[str, str]) -> None:
    assert client.get("/api/auth/me", headers=bearer(tokens["editor"])).json() == {
        "name": "test-editor",
        "role": "editor",
    }


def test_write_endpoints_refuse_lower_roles(client: TestClient, tokens: dict[str, str]) -> None:
    for role in ("viewer", "editor"):
        res = client.post(
            "/api/auth/tokens", json={"name": "x", "role": "viewer"}, headers=bearer(tokens[role])
        )
        assert res.status_code == 403
        assert_error_shape(res.json(), 403, "forbidden")
        assert "needs the admin role" in res.json()["error"]["message"]


def test_admin_manages_tokens_and_secrets_are_never_listed(
    client: TestClient, tokens: dict[str, str]
) -> None:
    h = bearer(tokens["admin"])
    made = client.post("/api/auth/tokens", json={"name": "dashboards", "role": "viewer"}, headers=h)
    assert made.status_code == 201
    secret = made.json()["token"]
    assert client.get("/api/auth/me", headers=bearer(secret)).json()["role"] == "viewer"
    listing = client.get("/api/auth/tokens", headers=h)
    assert secret not in listing.text and "dashboards" in listing.text
    assert client.delete(f"/api/auth/tokens/{made.json()['id']}", headers=h).status_code == 204
    assert client.get("/api/auth/me", headers=bearer(secret)).status_code == 401
    res = client.delete("/api/auth/tokens/9999", headers=h)
    assert_error_shape(res.json(), 404, "not_found")


def test_validation_errors_share_the_shape(client: TestClient, tokens: dict[str, str]) -> None:
    res = client.post(
        "/api/auth/tokens", json={"name": "", "role": "root"}, headers=bearer(tokens["admin"])
    )
    assert res.status_code == 422
    assert_error_shape(res.json(), 422, "invalid_input")
    wheres = {d["where"] for d in res.json()["error"]["details"]}
    assert {"body.name", "body.role"} <= wheres
    res = client.post(
        "/api/auth/tokens",
        content=b"{not json",
        headers={**bearer(tokens["admin"]), "content-type": "application/json"},
    )
    assert_error_shape(res.json(), 422, "invalid_input")


def test_unknown_api_path_and_method(client: TestClient, tokens: dict[str, str]) -> None:
    assert_error_shape(client.get("/api/nothing/here").json(), 404, "not_found")
    res = client.put("/api/health")
    assert res.status_code == 405
    assert_error_shape(res.json(), 405, "method_not_allowed")


def test_unbuilt_capability_says_so(client: TestClient, tokens: dict[str, str]) -> None:
    body = client.get("/api/fraud", headers=bearer(tokens["viewer"])).json()
    assert body["built"] is False and "not built yet" in body["message"]


def test_crash_is_an_error_shape_without_internals(
    workspace: Workspace, tokens: dict[str, str]
) -> None:
    app = create_app(workspace)

    @app.get("/api/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    app.router.routes.insert(0, app.router.routes.pop())  # before the UI catch-all
    with TestClient(app, raise_server_exceptions=False) as c:
        res = c.get("/api/boom")
    assert res.status_code == 500
    assert_error_shape(res.json(), 500, "internal_error")
    assert "secret internals" not in res.text


def test_ui_is_served_with_spa_fallback(workspace: Workspace, tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<html>loam-ui</html>")
    (dist / "assets" / "app.js").write_text("console.log(1)")
    with TestClient(create_app(workspace, ui_dist=dist)) as c:
        assert c.get("/").text == "<html>loam-ui</html>"
        assert c.get("/lineage").text == "<html>loam-ui</html>"  # client-side route
        assert c.get("/assets/app.js").text == "console.log(1)"
        assert c.get("/../pyproject.toml").text == "<html>loam-ui</html>"


def test_missing_ui_says_how_to_build_it(workspace: Workspace, tmp_path: Path) -> None:
    with TestClient(create_app(workspace, ui_dist=tmp_path / "none")) as c:
        assert "make ui" in c.get("/").text
