"""The catalog: all of Loam's metadata in one SQL database.

SQLite file by default, PostgreSQL at scale; the schema is managed by Alembic.
Core owns a few tables (API tokens, the audit log); each capability brings
its own tables and its own migration folder (an Alembic branch), handed to
``Catalog(url, migrations=[...])`` by whoever composes the platform.

>>> cat = Catalog("sqlite://")
>>> cat.migrate()
>>> cat.health().ok
True
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool

from loam.core.errors import BackendUnavailable
from loam.core.health import Health

CORE_MIGRATIONS = Path(__file__).parent / "migrations"


class Catalog:
    """One SQLAlchemy engine plus migrations. Use ``begin()`` for a transaction."""

    def __init__(self, url: str, *, migrations: Sequence[Path] = ()) -> None:
        self.url = url
        self.migrations = [CORE_MIGRATIONS / "versions", *migrations]
        self.engine: Engine = _create_engine(url)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        try:
            with self.engine.begin() as conn:
                yield conn
        except sa.exc.OperationalError as exc:
            raise BackendUnavailable(
                f"catalog ({self.backend}) unreachable: {_first_line(exc)}"
            ) from exc

    def migrate(self) -> None:
        """Bring the schema to the newest revision of every branch (idempotent)."""
        from alembic import command

        command.upgrade(self._alembic_config(), "heads")

    def current_revisions(self) -> set[str]:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return set(MigrationContext.configure(conn).get_current_heads())

    def pending_revisions(self) -> set[str]:
        from alembic.script import ScriptDirectory

        script = ScriptDirectory.from_config(self._alembic_config())
        current = tuple(self.current_revisions())
        applied = (
            {r.revision for r in script.revision_map.iterate_revisions(current, "base")}
            if current
            else set()
        )
        return {r.revision for r in script.walk_revisions()} - applied

    def health(self) -> Health:
        try:
            with self.engine.connect() as conn:
                conn.execute(sa.text("select 1"))
            pending = self.pending_revisions()
        except Exception as exc:  # any driver failure is reported, not raised
            return Health("catalog", self.backend, False, _first_line(exc), _fix(self.url))
        if pending:
            return Health(
                "catalog",
                self.backend,
                False,
                f"{len(pending)} migration(s) not applied",
                "run `loam up` or `loam doctor --migrate` to apply them",
            )
        return Health("catalog", self.backend, True, _safe_url(self.url))

    def dispose(self) -> None:
        self.engine.dispose()

    def _alembic_config(self) -> Any:
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(CORE_MIGRATIONS))
        cfg.set_main_option("version_locations", " ".join(str(p) for p in self.migrations))
        cfg.set_main_option("path_separator", "space")
        cfg.attributes["engine"] = self.engine
        return cfg


def _create_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30}}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs["poolclass"] = StaticPool
        engine = sa.create_engine(url, **kwargs)

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return sa.create_engine(url, pool_pre_ping=True, connect_args=_pg_args(url))


def _pg_args(url: str) -> dict[str, Any]:
    return {"connect_timeout": 5} if url.startswith("postgresql") else {}


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__


def _safe_url(url: str) -> str:
    """The URL with any password masked, for display."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1]


def _fix(url: str) -> str:
    if url.startswith("postgresql"):
        return (
            f"start PostgreSQL or fix [catalog] url in loam.toml / LOAM_CATALOG__URL "
            f"(now {_safe_url(url)})"
        )
    return "check that the workspace folder exists and is writable"


__all__ = ["CORE_MIGRATIONS", "Catalog"]
