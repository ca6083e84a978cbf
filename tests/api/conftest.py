from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from loam.core.auth import Role
from loam.server import create_app
from loam.workspace import Workspace


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    ws = Workspace.open(tmp_path / "ws", create=True, environ={})
    yield ws
    ws.close()


@pytest.fixture
def client(workspace: Workspace) -> Iterator[TestClient]:
    with TestClient(create_app(workspace), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def tokens(workspace: Workspace) -> dict[str, str]:
    return {role.name: workspace.tokens.create(f"test-{role.name}", role) for role in Role}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
