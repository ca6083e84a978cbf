"""API tokens with roles.

A token is shown once, when it is made; the catalog keeps only its SHA-256
(tokens carry 256 random bits, so a plain hash is enough: nothing to brute-force).

>>> from loam.core.catalog import Catalog
>>> cat = Catalog("sqlite://"); cat.migrate()
>>> tokens = TokenStore(cat)
>>> secret = tokens.create("ci", Role.editor)
>>> tokens.verify(secret).role
<Role.editor: 2>
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from loam.core.catalog import Catalog
from loam.core.catalog.tables import api_tokens
from loam.core.errors import InvalidInput, NotFound

TOKEN_PREFIX = "loam_"


class Role(enum.IntEnum):
    viewer = 1
    editor = 2
    admin = 3

    @classmethod
    def parse(cls, name: str) -> Role:
        try:
            return cls[name.lower()]
        except KeyError:
            raise InvalidInput(f"unknown role '{name}': expected viewer, editor or admin") from None


@dataclass(frozen=True)
class Principal:
    """Who is calling: a token's name and role."""

    name: str
    role: Role
    token_id: int | None = None

    def can(self, needed: Role) -> bool:
        return self.role >= needed


@dataclass(frozen=True)
class TokenInfo:
    id: int
    name: str
    role: Role
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenStore:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def create(self, name: str, role: Role) -> str:
        """Make a token and return it in clear: the only time it is ever seen."""
        if not name.strip():
            raise InvalidInput("a token needs a name")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.catalog.begin() as conn:
            conn.execute(
                api_tokens.insert().values(
                    name=name,
                    role=role.name,
                    prefix=token[:12],
                    token_hash=hash_token(token),
                    created_at=datetime.now(UTC),
                )
            )
        return token

    def verify(self, token: str) -> Principal | None:
        if not token.startswith(TOKEN_PREFIX):
            return None
        with self.catalog.begin() as conn:
            row = conn.execute(
                sa.select(api_tokens.c.id, api_tokens.c.name, api_tokens.c.role).where(
                    api_tokens.c.token_hash == hash_token(token), api_tokens.c.revoked_at.is_(None)
                )
            ).first()
            if row is None:
                return None
            conn.execute(
                api_tokens.update()
                .where(api_tokens.c.id == row.id)
                .values(last_used_at=datetime.now(UTC))
            )
        return Principal(row.name, Role[row.role], row.id)

    def list(self) -> list[TokenInfo]:
        with self.catalog.begin() as conn:
            rows = conn.execute(sa.select(api_tokens).order_by(api_tokens.c.id)).all()
        return [
            TokenInfo(
                r.id,
                r.name,
                Role[r.role],
                r.prefix,
                r.created_at,
                r.last_used_at,
                r.revoked_at is not None,
            )
            for r in rows
        ]

    def revoke(self, token_id: int) -> None:
        with self.catalog.begin() as conn:
            done = conn.execute(
                api_tokens.update()
                .where(api_tokens.c.id == token_id)
                .values(revoked_at=datetime.now(UTC))
            ).rowcount
        if not done:
            raise NotFound(f"no token with id {token_id}")
