"""Write keys: one per source (an app, a site, a backend), sent with every collect request.

Kept like API tokens: shown once, stored as SHA-256 (256 random bits, so a plain hash
is enough). Checks are cached for a few seconds so the collector's hot path does not
query the catalog per request; a revoked key stops working within ``ttl_s``.

>>> from loam.core.catalog import Catalog
>>> from loam.capabilities import migration_folders
>>> cat = Catalog("sqlite://", migrations=migration_folders()); cat.migrate()
>>> keys = WriteKeyStore(cat)
>>> key = keys.create("ios-app")
>>> keys.verify(key)
'ios-app'
>>> keys.verify("lwk_wrong") is None
True
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from loam.core.auth import hash_token
from loam.core.catalog import Catalog
from loam.core.errors import InvalidInput, NotFound

KEY_PREFIX = "lwk_"
_meta = sa.MetaData()
write_keys = sa.Table(
    "event_write_keys",
    _meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("source", sa.String(200), nullable=False),
    sa.Column("prefix", sa.String(20), nullable=False),
    sa.Column("key_hash", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
)


@dataclass(frozen=True)
class WriteKeyInfo:
    id: int
    source: str
    prefix: str
    created_at: datetime
    revoked: bool


class WriteKeyStore:
    def __init__(self, catalog: Catalog, ttl_s: float = 5.0) -> None:
        self.catalog = catalog
        self.ttl_s = ttl_s
        self._cache: dict[str, tuple[float, str | None]] = {}
        self._lock = threading.Lock()

    def create(self, source: str) -> str:
        source = source.strip()
        if not source or len(source) > 200:
            raise InvalidInput("a write key needs a source name of 1 to 200 characters")
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        with self.catalog.begin() as conn:
            conn.execute(
                write_keys.insert().values(
                    source=source,
                    prefix=key[:12],
                    key_hash=hash_token(key),
                    created_at=datetime.now(UTC),
                )
            )
        return key

    def verify(self, key: str) -> str | None:
        """The source a key belongs to, or None when unknown or revoked."""
        now = time.monotonic()
        hit = self._cache.get(key)
        if hit is not None and now - hit[0] < self.ttl_s:
            return hit[1]
        source: str | None = None
        if key.startswith(KEY_PREFIX):
            with self.catalog.begin() as conn:
                source = conn.execute(
                    sa.select(write_keys.c.source).where(
                        write_keys.c.key_hash == hash_token(key), write_keys.c.revoked_at.is_(None)
                    )
                ).scalar()
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[key] = (now, source)
        return source

    def list(self) -> list[WriteKeyInfo]:
        with self.catalog.begin() as conn:
            rows = conn.execute(sa.select(write_keys).order_by(write_keys.c.id)).all()
        return [
            WriteKeyInfo(r.id, r.source, r.prefix, r.created_at, r.revoked_at is not None)
            for r in rows
        ]

    def revoke(self, key_id: int) -> None:
        with self.catalog.begin() as conn:
            done = conn.execute(
                write_keys.update()
                .where(write_keys.c.id == key_id)
                .values(revoked_at=datetime.now(UTC))
            ).rowcount
        if not done:
            raise NotFound(f"no write key with id {key_id}")
        with self._lock:
            self._cache.clear()
