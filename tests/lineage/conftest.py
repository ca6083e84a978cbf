"""A migrated catalog for store tests: SQLite always, PostgreSQL as an integration test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from loam.capabilities import migration_folders
from loam.core.catalog import Catalog
from loam.lineage.store import LineageStore
from tests.api.conftest import client, tokens, workspace  # noqa: F401  (API fixtures)


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)],
)
def catalog(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalog]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'catalog.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    found = Catalog(url, migrations=migration_folders())
    found.migrate()
    yield found
    found.dispose()


@pytest.fixture
def store(catalog: Catalog) -> LineageStore:
    return LineageStore(catalog)
