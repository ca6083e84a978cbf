"""A workspace: one folder holding settings and the embedded engines' files.

It composes core's engines from the settings; capabilities reach them here.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from pathlib import Path

from loam.capabilities import migration_folders
from loam.config import CONFIG_FILE, Settings
from loam.core.auth import TokenStore
from loam.core.bus import Bus
from loam.core.catalog import Catalog
from loam.core.errors import ConfigError
from loam.core.health import Health
from loam.core.lake import Lake
from loam.core.warehouse import Warehouse

DEFAULT_TOML = """\
# Loam workspace settings. Every key can be overridden by an environment
# variable LOAM_SECTION__KEY, e.g. LOAM_SERVER__PORT=9000.

[server]
host = "127.0.0.1"
port = 8080

[catalog]
# url = "postgresql+psycopg://user@host:5432/loam"   # default: SQLite file catalog.db here

[warehouse]
backend = "duckdb"
path = "warehouse.duckdb"

[lake]
url = "lake"            # a folder here, or gs://bucket/prefix, s3://bucket/prefix

[bus]
backend = "sqlite"      # or "kafka"
path = "bus.sqlite"
partitions = 4
# [bus.kafka]
# bootstrap_servers = "127.0.0.1:9092"
"""


class Workspace:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.path = settings.workspace

    @classmethod
    def open(
        cls,
        path: Path | str | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        create: bool = False,
    ) -> Workspace:
        settings = Settings.load(path, environ=environ)
        ws = cls(settings)
        if create:
            ws.init()
        elif not ws.path.exists():
            raise ConfigError(
                f"no workspace at {ws.path}: run `loam up` or `loam demo` to create one"
            )
        return ws

    def init(self) -> None:
        """Create the folder and default settings if missing, then migrate the catalog."""
        self.path.mkdir(parents=True, exist_ok=True)
        toml = self.path / CONFIG_FILE
        if not toml.exists():
            toml.write_text(DEFAULT_TOML)
        self.catalog.migrate()

    @cached_property
    def catalog(self) -> Catalog:
        return Catalog(self.settings.catalog_url, migrations=migration_folders())

    @cached_property
    def warehouse(self) -> Warehouse:
        from loam.core.warehouse.duckdb import DuckDBWarehouse

        return DuckDBWarehouse(self.settings.resolve(self.settings.warehouse.path))

    @cached_property
    def lake(self) -> Lake:
        return Lake(self.settings.resolve(self.settings.lake.url))

    @cached_property
    def bus(self) -> Bus:
        return open_bus(self.settings)

    @cached_property
    def tokens(self) -> TokenStore:
        return TokenStore(self.catalog)

    def health(self) -> list[Health]:
        checks = [
            self.catalog.health(),
            self.warehouse.health(),
            self.lake.health(),
            _bus_health(self),
        ]
        checks.extend(_service_health(self.settings))
        return checks

    def close(self) -> None:
        for name in ("bus", "warehouse"):
            if name in self.__dict__:
                self.__dict__.pop(name).close()
        if "catalog" in self.__dict__:
            self.catalog.dispose()


def open_bus(settings: Settings) -> Bus:
    cfg = settings.bus
    if cfg.backend == "kafka":
        from loam.core.bus.kafka import KafkaBus

        return KafkaBus(
            cfg.kafka.bootstrap_servers,
            default_partitions=cfg.partitions,
            session_timeout_ms=cfg.kafka.session_timeout_ms,
            extra=dict(cfg.kafka.extra),
        )
    from loam.core.bus.sqlite import SqliteBus

    return SqliteBus(settings.resolve(cfg.path), default_partitions=cfg.partitions)


def _bus_health(ws: Workspace) -> Health:
    try:
        return ws.bus.health()
    except Exception as exc:  # opening the bus itself failed
        return Health(
            "bus",
            ws.settings.bus.backend,
            False,
            str(exc).splitlines()[0],
            "check the [bus] section of loam.toml",
        )


def _service_health(settings: Settings) -> list[Health]:
    from loam.services import check_postgres, check_redis

    out = []
    if settings.services.postgres_url:
        out.append(check_postgres(settings.services.postgres_url))
    if settings.services.redis_url:
        out.append(check_redis(settings.services.redis_url))
    return out
