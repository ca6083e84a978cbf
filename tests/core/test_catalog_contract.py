"""One contract every catalog backend passes: SQLite (default) and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from loam.core import audit
from loam.core.auth import Role, TokenStore
from loam.core.catalog import Catalog
from loam.core.errors import InvalidInput, NotFound


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def catalog(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalog]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'catalog.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    cat = Catalog(url)
    cat.migrate()
    yield cat
    cat.dispose()


def test_migrate_creates_core_tables_and_is_idempotent(catalog: Catalog) -> None:
    catalog.migrate()
    names = set(sa.inspect(catalog.engine).get_table_names())
    assert {"api_tokens", "audit_log", "alembic_version"} <= names
    assert catalog.pending_revisions() == set()
    assert catalog.health().ok


def test_tokens_verify_by_hash_and_revoke(catalog: Catalog) -> None:
    tokens = TokenStore(catalog)
    secret = tokens.create("analyst", Role.viewer)
    who = tokens.verify(secret)
    assert who is not None and who.name == "analyst" and who.role is Role.viewer
    assert tokens.verify(secret + "x") is None
    assert tokens.verify("not-a-token") is None
    with catalog.engine.connect() as conn:
        stored = [tuple(r) for r in conn.execute(sa.text("select * from api_tokens"))]
    assert all(secret not in str(v) for row in stored for v in row), "token kept in clear"
    (info,) = tokens.list()
    assert info.last_used_at is not None
    tokens.revoke(info.id)
    assert tokens.verify(secret) is None
    with pytest.raises(NotFound):
        tokens.revoke(999)


def test_roles_are_ordered() -> None:
    assert Role.admin > Role.editor > Role.viewer
    with pytest.raises(InvalidInput, match="unknown role 'owner'"):
        Role.parse("owner")


def test_audit_is_kept_with_the_change(catalog: Catalog) -> None:
    with catalog.begin() as conn:
        audit.record(conn, "ana", "event.create", "event:click_item_home", {"version": "1-0-0"})
        audit.record(conn, "bo", "event.edit", "event:click_item_home", {"version": "1-0-1"})
    with pytest.raises(RuntimeError), catalog.begin() as conn:
        audit.record(conn, "eve", "event.edit", "event:click_item_home")
        raise RuntimeError("the change failed, so its audit entry must not stay")
    with catalog.begin() as conn:
        entries = audit.history(conn, "event:click_item_home")
    assert [(e.actor, e.detail) for e in entries] == [
        ("bo", {"version": "1-0-1"}),
        ("ana", {"version": "1-0-0"}),
    ]


def test_extra_migration_branch(tmp_path: Path, catalog: Catalog) -> None:
    folder = tmp_path / "cap_migrations"
    folder.mkdir()
    (folder / "cap_0001.py").write_text(
        "import sqlalchemy as sa\nfrom alembic import op\n"
        "revision = 'cap_0001'\ndown_revision = None\nbranch_labels = ('cap',)\ndepends_on = 'core_0001'\n"
        "def upgrade():\n    op.create_table('cap_things', sa.Column('id', sa.Integer, primary_key=True))\n"
        "def downgrade():\n    op.drop_table('cap_things')\n"
    )
    both = Catalog(
        catalog.url if "sqlite" in catalog.url else str(catalog.engine.url.render_as_string(False)),
        migrations=[folder],
    )
    assert both.pending_revisions() == {"cap_0001"}
    both.migrate()
    assert "cap_things" in sa.inspect(both.engine).get_table_names()
    assert both.pending_revisions() == set() and "cap_0001" in both.current_revisions()
    both.dispose()


@pytest.mark.integration
def test_unreachable_postgres_is_reported_not_raised() -> None:
    cat = Catalog("postgresql://postgres@127.0.0.1:1/nothing")
    h = cat.health()
    assert not h.ok and "127.0.0.1" in h.detail and "PostgreSQL" in h.fix
