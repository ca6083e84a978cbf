"""One typed settings object for a workspace.

Values come, strongest first, from ``LOAM_SECTION__KEY`` environment variables,
then the workspace's ``loam.toml``, then the defaults below. Relative paths are
taken relative to the workspace folder (``./.loam/`` unless told otherwise).

>>> s = Settings.load(Path("/tmp/ws"), environ={})
>>> s.bus.backend
'sqlite'
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from loam.core.errors import ConfigError

CONFIG_FILE = "loam.toml"
ENV_PREFIX = "LOAM_"
DEFAULT_WORKSPACE = Path(".loam")


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class ServerSettings(Section):
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    max_request_bytes: int = Field(10 * 1024 * 1024, ge=1024)


class CatalogSettings(Section):
    url: str = ""  # empty: sqlite file catalog.db in the workspace


class WarehouseSettings(Section):
    backend: Literal["duckdb"] = "duckdb"
    path: str = "warehouse.duckdb"
    dialect: str = "bigquery"  # the dialect Loam's own SQL is written in


class LakeSettings(Section):
    url: str = "lake"  # a folder, or gs://bucket/prefix, s3://bucket/prefix, memory://...


class KafkaSettings(Section):
    bootstrap_servers: str = "127.0.0.1:9092"
    session_timeout_ms: int = Field(10_000, ge=1000)
    extra: dict[str, str] = Field(default_factory=dict)


class BusSettings(Section):
    backend: Literal["sqlite", "kafka"] = "sqlite"
    path: str = "bus.sqlite"
    partitions: int = Field(4, ge=1, le=1024)
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)


class ServicesSettings(Section):
    """Servers a workspace may be configured to use; empty means not configured."""

    postgres_url: str = ""
    redis_url: str = ""


class AuthSettings(Section):
    # Only for bootstrapping: a token given here is accepted as admin. Kept secret in logs.
    admin_token: SecretStr | None = None


# The controlled vocabulary of actions a workspace starts with ([events.naming] actions).
DEFAULT_ACTIONS: tuple[str, ...] = tuple(
    (  # noqa: SIM905
        "view click impression search scroll swipe submit input select share open close "
        "start finish complete cancel fail like unlike follow unfollow chat send receive "
        "purchase pay refund signup login logout install update delete create upload "
        "download play pause report block invite save remove add apply request confirm "
        "reserve load enter exit edit hide copy refresh"
    ).split()
)

# Words people reach for that the vocabulary spells differently: suggested, never accepted.
DEFAULT_ACTION_SYNONYMS = {
    "tap": "click",
    "press": "click",
    "touch": "click",
    "hit": "click",
    "show": "impression",
    "display": "impression",
    "see": "view",
    "look": "view",
    "visit": "view",
    "find": "search",
    "query": "search",
    "buy": "purchase",
    "order": "purchase",
    "register": "signup",
    "signin": "login",
    "signout": "logout",
    "message": "chat",
    "favorite": "like",
    "bookmark": "save",
    "dismiss": "close",
    "leave": "exit",
    "modify": "edit",
    "erase": "delete",
}


class EventNamingSettings(Section):
    """The Action-Object-Service grammar event names follow."""

    separator: str = Field(default="_", max_length=1)
    casing: Literal["lower", "upper", "camel", "pascal"] = "lower"
    actions: list[str] = Field(default_factory=lambda: list(DEFAULT_ACTIONS))
    objects: list[str] = Field(default_factory=list)  # empty: any well-formed word
    services: list[str] = Field(default_factory=list)  # empty: any well-formed word
    action_synonyms: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_ACTION_SYNONYMS))
    max_length: int = Field(default=64, ge=8, le=300)
    reserved_params: list[str] = Field(default_factory=list)  # beside the built-in envelope

    @model_validator(mode="after")
    def _separator_fits_casing(self) -> EventNamingSettings:
        joined = self.casing in ("camel", "pascal")
        if joined and self.separator:
            raise ValueError(
                f"casing '{self.casing}' joins words without a separator: set separator = \"\""
            )
        if not joined and not self.separator:
            raise ValueError(f"casing '{self.casing}' needs a separator such as \"_\"")
        return self


class EventGitSettings(Section):
    """Where saved event schemas are written as files (empty path: Git sync is off)."""

    path: str = ""
    remote: str = ""  # a URL or path; empty: commit only, never push
    branch: str = "main"
    folder: str = "events"
    email_domain: str = "loam.local"
    sync_on_save: bool = True


class EventsSettings(Section):
    allow_unplanned: bool = False  # the pipeline takes events no schema is registered for
    # [events.pipeline]: collector limits, processors, loader (loam.events.pipeline.settings)
    pipeline: dict[str, Any] = Field(default_factory=dict)
    naming: EventNamingSettings = Field(default_factory=lambda: EventNamingSettings())
    git: EventGitSettings = Field(default_factory=lambda: EventGitSettings())
    bigquery_policy_tag: str = (
        "projects/PROJECT_ID/locations/LOCATION/taxonomies/TAXONOMY_ID/policyTags/PII"
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        validate_assignment=True,
    )

    workspace: Path = DEFAULT_WORKSPACE
    server: ServerSettings = Field(default_factory=ServerSettings)
    catalog: CatalogSettings = Field(default_factory=CatalogSettings)
    warehouse: WarehouseSettings = Field(default_factory=WarehouseSettings)
    lake: LakeSettings = Field(default_factory=LakeSettings)
    bus: BusSettings = Field(default_factory=BusSettings)
    services: ServicesSettings = Field(default_factory=ServicesSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    events: EventsSettings = Field(default_factory=lambda: EventsSettings())
    # Capabilities keep their own sections as plain tables until they are typed here.
    lineage: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Environment beats the file; the file arrives as init kwargs.
        return (env_settings, init_settings)

    @classmethod
    def load(
        cls, workspace: Path | str | None = None, *, environ: Mapping[str, str] | None = None
    ) -> Settings:
        """Read ``<workspace>/loam.toml`` and the environment; raise ConfigError naming the key."""
        env = os.environ if environ is None else environ
        ws = (
            Path(workspace)
            if workspace is not None
            else Path(env.get("LOAM_WORKSPACE", DEFAULT_WORKSPACE))
        )
        path = ws / CONFIG_FILE
        data: dict[str, Any] = {}
        if path.exists():
            try:
                data = tomllib.loads(path.read_text())
            except tomllib.TOMLDecodeError as exc:
                raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
        _check_env_names(env)
        data["workspace"] = ws
        try:
            settings = cls(**data) if environ is None else _with_environ(cls, data, env)
        except ValidationError as exc:
            raise ConfigError(_describe(exc, path, env), details=_details(exc, path, env)) from None
        return settings

    def resolve(self, value: str) -> str:
        """A path setting made absolute against the workspace; URLs pass through."""
        if "://" in value:
            return value
        p = Path(value).expanduser()
        return str(p if p.is_absolute() else (self.workspace / p).resolve())

    @property
    def catalog_url(self) -> str:
        if self.catalog.url:
            return self.catalog.url
        return f"sqlite:///{self.resolve('catalog.db')}"


def _with_environ(cls: type[Settings], data: dict[str, Any], env: Mapping[str, str]) -> Settings:
    saved = dict(os.environ)
    try:
        for k in [k for k in os.environ if k.startswith(ENV_PREFIX)]:
            del os.environ[k]
        os.environ.update({k: v for k, v in env.items() if k.startswith(ENV_PREFIX)})
        return cls(**data)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _check_env_names(env: Mapping[str, str]) -> None:
    sections = set(Settings.model_fields)
    for name in env:
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        section = name[len(ENV_PREFIX) :].split("__", 1)[0].lower()
        if section not in sections:
            known = ", ".join(sorted(sections - {"workspace"}))
            raise ConfigError(
                f"environment variable {name}: unknown section '{section}' (known: {known})"
            )


def _where(loc: tuple[int | str, ...], path: Path, env: Mapping[str, str]) -> str:
    var = ENV_PREFIX + "__".join(str(p).upper() for p in loc)
    return f"environment variable {var}" if var in env else str(path)


def _expected(err: Mapping[str, Any]) -> str:
    kind = str(err.get("type", ""))
    names = {
        "int_parsing": "an integer",
        "int_type": "an integer",
        "bool_parsing": "true or false",
        "string_type": "a string",
        "float_parsing": "a number",
        "dict_type": "a table",
        "literal_error": "one of " + str(err.get("ctx", {}).get("expected", "")),
        "greater_than_equal": f">= {err.get('ctx', {}).get('ge')}",
        "less_than_equal": f"<= {err.get('ctx', {}).get('le')}",
    }
    return names.get(kind, str(err.get("msg", kind)).removeprefix("Value error, "))


def _details(exc: ValidationError, path: Path, env: Mapping[str, str]) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        key = ".".join(str(p) for p in loc)
        if err["type"] == "extra_forbidden":
            out.append({"key": key, "where": _where(loc, path, env), "problem": "unknown key"})
        else:
            out.append(
                {
                    "key": key,
                    "where": _where(loc, path, env),
                    "problem": f"bad value {err.get('input')!r}",
                    "expected": _expected(err),
                }
            )
    return out


def _describe(exc: ValidationError, path: Path, env: Mapping[str, str]) -> str:
    lines = []
    for d in _details(exc, path, env):
        if d["problem"] == "unknown key":
            lines.append(f"{d['where']}: unknown key '{d['key']}'")
        else:
            lines.append(
                f"{d['where']}: key '{d['key']}' has {d['problem']}, expected {d['expected']}"
            )
    return "; ".join(lines)
