"""The HTTP server: API, collector and web UI from one process.

>>> import tempfile
>>> from loam.workspace import Workspace
>>> app = create_app(Workspace.open(tempfile.mkdtemp(), create=True, environ={}))
>>> "/api/health" in app.openapi()["paths"]
True
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles

from loam import __version__
from loam.api import errors, platform
from loam.api.auth import viewer
from loam.capabilities import CAPABILITIES, Capability
from loam.core.errors import NotFound
from loam.workspace import Workspace

UI_DIST = Path(__file__).parent / "ui" / "dist"


def create_app(workspace: Workspace, *, ui_dist: Path = UI_DIST) -> FastAPI:
    app = FastAPI(
        title="Loam",
        version=__version__,
        summary="The data platform: events, CDC, lineage, models, activation, fraud and workflows.",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.workspace = workspace
    errors.install(app)
    app.include_router(platform.router)
    for cap in CAPABILITIES:
        # Extensions first: their fixed paths (/api/events/stats) win over the capability's
        # own patterns (/api/events/{name}).
        for ext in cap.extension_modules("api"):
            app.include_router(ext.router, prefix=f"/api/{cap.name}", tags=[cap.name])
        app.include_router(_capability_router(cap), prefix=f"/api/{cap.name}", tags=[cap.name])
        collector = cap.module("collector")
        if collector is not None and hasattr(collector, "router"):
            app.include_router(collector.router)
            if hasattr(collector, "install"):  # a hot path served ahead of routing
                collector.install(app)
    _mount_ui(app, ui_dist)
    return app


def _capability_router(cap: Capability) -> APIRouter:
    api = cap.module("api")
    if api is not None:
        router: APIRouter = api.router
        return router
    router = APIRouter()

    @router.get("", summary=f"{cap.title}: status")
    def status(_: object = Depends(viewer)) -> dict[str, object]:
        return {
            "capability": cap.name,
            "title": cap.title,
            "built": False,
            "message": f"{cap.title} is not built yet: {cap.summary.lower()}.",
        }

    return router


def _mount_ui(app: FastAPI, dist: Path) -> None:
    index = dist / "index.html"
    if (dist / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=dist / "assets"), name="assets")

    @app.get("/{path:path}", include_in_schema=False)
    def ui(path: str, request: Request) -> Response:
        if path.startswith("api/") or path == "api":
            raise NotFound(f"no API endpoint {request.method} /{path}")
        file = (dist / path).resolve()
        if path and file.is_file() and file.is_relative_to(dist.resolve()):
            return FileResponse(file)
        if index.exists():
            return FileResponse(index, headers={"Cache-Control": "no-cache"})
        return Response(
            "<h1>Loam</h1><p>The web UI is not built. Run <code>make ui</code> and reload. "
            "The API is at <a href='/api/docs'>/api/docs</a>.</p>",
            media_type="text/html",
            status_code=200,
        )
