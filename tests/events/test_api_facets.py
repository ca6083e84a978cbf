"""The dictionary's filter counts over HTTP: they follow the search box and the other filters."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from loam.core.auth import Role
from loam.server import create_app
from loam.workspace import Workspace
from tests.events.conftest import load_fixture


@pytest.fixture
def client(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    ws = Workspace.open(tmp_path / "ws", create=True, environ={})
    token = ws.tokens.create("facets-editor", Role.editor)
    headers = {"Authorization": f"Bearer {token}"}
    base = load_fixture("click_item_home.yaml")
    with TestClient(create_app(ws), raise_server_exceptions=False) as c:
        for name, owner, tags, description in (
            ("click_item_home", "marketplace", ["feed"], "A card tapped in the home feed"),
            ("view_item_home", "marketplace", ["feed", "kpi"], "The home feed was shown"),
            ("search_keyword_search", "search", ["kpi"], "A keyword was submitted"),
        ):
            definition = copy.deepcopy(base)
            definition.update(name=name, owner=owner, tags=tags, description=description)
            definition.pop("service", None)
            res = c.post("/api/events", json={"definition": definition}, headers=headers)
            assert res.status_code == 201, res.text
        yield c, headers
    ws.close()


def test_counts_cover_every_event_without_a_search(
    client: tuple[TestClient, dict[str, str]],
) -> None:
    c, headers = client
    body = c.get("/api/events/facets", headers=headers).json()
    assert body["teams"] == {"marketplace": 2, "search": 1}
    assert body["tags"] == {"feed": 2, "kpi": 2}
    assert body["services"] == {"home": 2, "search": 1}
    assert body["total"] == 3


def test_counts_follow_the_search_and_the_other_filters(
    client: tuple[TestClient, dict[str, str]],
) -> None:
    c, headers = client
    body = c.get("/api/events/facets?q=submitted", headers=headers).json()
    assert body["teams"] == {"search": 1} and body["total"] == 1

    # A chosen tag narrows the team counts, but the tag facet still offers every tag.
    body = c.get("/api/events/facets?tag=kpi", headers=headers).json()
    assert body["teams"] == {"marketplace": 1, "search": 1}
    assert body["tags"] == {"feed": 2, "kpi": 2}
    assert body["total"] == 2

    body = c.get("/api/events/facets?tag=kpi&team=search", headers=headers).json()
    assert body["total"] == 1
    assert body["teams"] == {"marketplace": 1, "search": 1}  # its own filter left out
    assert body["tags"] == {"kpi": 1}
