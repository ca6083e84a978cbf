"""Reachability checks for servers a workspace is configured to use."""

from __future__ import annotations

from urllib.parse import urlsplit

from loam.core.health import Health


def check_postgres(url: str) -> Health:
    import sqlalchemy as sa

    from loam.core.catalog import _safe_url

    safe = _safe_url(url)
    try:
        engine = sa.create_engine(
            url.replace("postgresql://", "postgresql+psycopg://", 1),
            connect_args={"connect_timeout": 3},
        )
        with engine.connect() as conn:
            version = conn.execute(sa.text("show server_version")).scalar()
        engine.dispose()
    except Exception as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        return Health(
            "postgres",
            "postgresql",
            False,
            f"{safe}: {reason}",
            "start PostgreSQL or fix [services] postgres_url / LOAM_SERVICES__POSTGRES_URL",
        )
    return Health("postgres", "postgresql", True, f"{safe} (server {version})")


def check_redis(url: str) -> Health:
    import socket

    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 6379
    try:
        with socket.create_connection((host, port), timeout=2) as sock:
            sock.sendall(b"PING\r\n")
            answer = sock.recv(64)
    except OSError as exc:
        return Health(
            "redis",
            "redis",
            False,
            f"{host}:{port}: {exc.strerror or exc}",
            "start Redis or fix [services] redis_url / LOAM_SERVICES__REDIS_URL",
        )
    if not answer.startswith((b"+PONG", b"-NOAUTH")):
        return Health(
            "redis",
            "redis",
            False,
            f"{host}:{port} answered {answer[:30]!r}",
            "is this a Redis server?",
        )
    return Health("redis", "redis", True, f"{host}:{port}")
