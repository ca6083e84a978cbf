"""The registry: events and their immutable versions in the catalog, every change audited.

>>> from loam.core.catalog import Catalog
>>> from loam.config import EventsSettings
>>> from loam.events.migrations import MIGRATIONS
>>> cat = Catalog("sqlite://", migrations=[MIGRATIONS]); cat.migrate()
>>> reg = EventRegistry(cat, EventsSettings())
>>> reg.save({"name": "view_item_home", "owner": "marketplace"}, author="ana").version.version
'1-0-0'
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from loam.config import EventsSettings
from loam.core.audit import record
from loam.core.catalog import Catalog
from loam.events.diff import Change, classify, diff_definitions
from loam.events.duplicates import NameIndex
from loam.events.errors import (
    DuplicateEvent,
    EventNotFound,
    EventsError,
    InvalidEventName,
    StaleVersion,
)
from loam.events.export_jsonschema import to_jsonschema
from loam.events.gitsync import SyncResult, sync_files
from loam.events.model import EventDefinition, parse_definition
from loam.events.naming import parse_event_name
from loam.events.records import (
    EventSummary,
    EventVersion,
    SavePlan,
    SaveResult,
    summary_from,
    version_from,
)
from loam.events.search import SearchHit, SearchIndex, document_from
from loam.events.tables import event_definitions as defs
from loam.events.tables import event_versions as vers
from loam.events.validate import NameReport, check_name, require_valid
from loam.events.versions import FIRST_VERSION, Bump, SchemaVer, next_version
from loam.events.writes import breaking_text, insert_new_event, insert_next_version

REFRESH_LOOKBACK = 1000  # version ids re-checked below the newest seen (late commits)


class EventRegistry:
    """Events in one catalog; the search and name indexes follow the catalog's changes."""

    def __init__(self, catalog: Catalog, settings: EventsSettings) -> None:
        self.catalog = catalog
        self.settings = settings
        self._signature = (0, 0)  # (count, newest id) of the versions the indexes include
        self._indexed: dict[str, str] = {}  # event -> the version the indexes hold
        self._lock = threading.RLock()  # the API serves requests from several threads
        self._search = SearchIndex()
        self._names = NameIndex(synonyms=settings.naming.action_synonyms)

    # -- checks ---------------------------------------------------------------------------

    def check_name(self, name: str, *, exclude: str | None = None) -> NameReport:
        with self._lock:
            self._refresh()
            return check_name(name, self.settings.naming, self._names, exclude=exclude)

    def plan(self, data: Mapping[str, Any] | EventDefinition, bump: Bump = "auto") -> SavePlan:
        """The version number and classification a save would get (validates first)."""
        definition = self._prepare(data)
        with self.catalog.begin() as conn:
            current = self._current(conn, definition.name)
        if current is None:
            return SavePlan(definition.name, False, None, str(FIRST_VERSION), "additive", [], False)
        changes = diff_definitions(current.definition, definition)
        cls = classify(changes)
        try:
            version = str(
                next_version(
                    SchemaVer.parse(current.version), cls, bump, breaking=breaking_text(changes)
                )
            )
            refusal = None
        except StaleVersion:
            raise
        except Exception as exc:
            version, refusal = None, str(exc)
        return SavePlan(
            definition.name,
            True,
            current.version,
            version,
            cls,
            changes,
            cls == "breaking",
            refusal,
        )

    # -- writes ---------------------------------------------------------------------------

    def save(
        self,
        data: Mapping[str, Any] | EventDefinition,
        *,
        author: str,
        message: str = "",
        bump: Bump = "auto",
        base_version: str | None = None,
        allow_similar: bool = False,
        create_only: bool = False,
        action: str = "save",
    ) -> SaveResult:
        """Create the event or add a version; refuses breaking changes without ``bump="model"``.

        ``base_version``: the version the editor started from; if someone saved a newer
        one meanwhile the save is refused (StaleVersion) instead of overwriting it.
        """
        definition = self._prepare(data)
        now = datetime.now(UTC)
        try:
            with self.catalog.begin() as conn:
                current = self._current(conn, definition.name, lock=True)
                if current is None:
                    if base_version is not None:
                        raise StaleVersion(
                            f"event '{definition.name}' does not exist yet; "
                            f"it has no version {base_version}"
                        )
                    self._refuse_similar(definition.name, allow_similar)
                    result = insert_new_event(conn, definition, author, message, now, action)
                else:
                    if create_only:
                        raise DuplicateEvent(
                            f"event '{definition.name}' already exists (version "
                            f"{current.version}): edit it instead",
                            details=[{"where": "name", "problem": "already registered"}],
                        )
                    result = insert_next_version(
                        conn, current, definition, author, message, bump, base_version, now, action
                    )
        except sa.exc.IntegrityError as exc:
            raise StaleVersion(
                f"event '{definition.name}' was saved by someone else at the same time; "
                "reload it and save again"
            ) from exc
        if result.changed:
            with self._lock:
                self._refresh()
            git = self.settings.git
            if git.path and git.sync_on_save:
                result = self._sync_after_save(result, author, message)
        return result

    def sync(self, *, author: str, message: str = "", names: list[str] | None = None) -> SyncResult:
        """Write every event's (or the named events') current files to Git, commit, push."""
        chosen = [self.get(n) for n in names] if names is not None else self.current_versions()
        text = message or f"Sync {len(chosen)} event schema(s) from Loam"
        result = sync_files(
            self.settings.git,
            [(v.definition, v.version) for v in chosen],
            author=author,
            message=text,
            policy_tag=self.settings.bigquery_policy_tag,
        )
        if result.commit is not None:
            with self.catalog.begin() as conn:
                record(conn, author, "events.sync", "events:git", result.as_dict())
        return result

    def _sync_after_save(self, result: SaveResult, author: str, message: str) -> SaveResult:
        v = result.version
        text = f"{v.name} {v.version} ({v.classification})" + (f": {message}" if message else "")
        try:
            sync = self.sync(author=author, message=text, names=[v.name])
            git: dict[str, Any] = {"ok": True, **sync.as_dict()}
        except EventsError as exc:  # the version is saved; Git catches up on the next sync
            git = {"ok": False, "error": exc.message}
        return SaveResult(v, result.created, result.changed, git)

    # -- reads ----------------------------------------------------------------------------

    def get(self, name: str, version: str | None = None) -> EventVersion:
        with self.catalog.begin() as conn:
            found = (
                self._current(conn, name)
                if version in (None, "", "latest", "current")
                else self._version(conn, name, str(version))
            )
        if found is None:
            raise self._not_found(name, version)
        return found

    def versions(self, name: str) -> list[EventVersion]:
        with self.catalog.begin() as conn:
            rows = conn.execute(
                sa.select(vers, defs.c.name)
                .join(defs, defs.c.id == vers.c.event_id)
                .where(defs.c.name == name)
                .order_by(vers.c.model, vers.c.revision, vers.c.addition)
            ).all()
        if not rows:
            raise self._not_found(name, None)
        return [version_from(r) for r in rows]

    def diff(self, name: str, old: str, new: str | None = None) -> list[Change]:
        return diff_definitions(self.get(name, old).definition, self.get(name, new).definition)

    def list_events(
        self,
        *,
        team: str | None = None,
        service: str | None = None,
        status: str | None = None,
        tag: str | None = None,
    ) -> list[EventSummary]:
        q = sa.select(defs).order_by(defs.c.name)
        for column, value in (
            (defs.c.owner, team),
            (defs.c.service, service),
            (defs.c.status, status),
        ):
            if value:
                q = q.where(column == value)
        with self.catalog.begin() as conn:
            rows = conn.execute(q).all()
        out = [summary_from(r) for r in rows]
        return [s for s in out if tag in s.tags] if tag else out

    def current_versions(self) -> list[EventVersion]:
        """Every event's current version, by name (one query; the collector compiles these)."""
        with self.catalog.begin() as conn:
            rows = conn.execute(
                sa.select(vers, defs.c.name)
                .join(
                    defs,
                    sa.and_(defs.c.id == vers.c.event_id, defs.c.current_version == vers.c.version),
                )
                .order_by(defs.c.name)
            ).all()
        return [version_from(r) for r in rows]

    def json_schema(self, name: str, version: str | None = None) -> dict[str, Any]:
        """The JSON Schema (2020-12) that payloads of ``name`` at ``version`` must satisfy."""
        found = self.get(name, version)
        return to_jsonschema(found.definition, found.version)

    def names(self) -> list[str]:
        with self.catalog.begin() as conn:
            return list(conn.execute(sa.select(defs.c.name).order_by(defs.c.name)).scalars())

    def search(
        self,
        query: str = "",
        *,
        limit: int = 20,
        offset: int = 0,
        team: str | None = None,
        service: str | None = None,
        status: str | None = None,
        tag: str | None = None,
        param: str | None = None,
    ) -> list[SearchHit]:
        """Ranked dictionary search; filters narrow it to a team, service, status, tag, param."""
        with self._lock:
            self._refresh()
            return self._search.search(
                query,
                limit=limit,
                offset=offset,
                team=team,
                service=service,
                status=status,
                tag=tag,
                param=param,
            )

    def events_with_param(self, param: str) -> dict[str, list[str]]:
        """Events whose parameter tree uses ``param`` (a name or a dotted path), with the paths."""
        with self._lock:
            self._refresh()
            return self._search.events_with_param(param)

    # -- helpers --------------------------------------------------------------------------

    def _prepare(self, data: Mapping[str, Any] | EventDefinition) -> EventDefinition:
        definition = parse_definition(data)
        try:
            require_valid(definition, self.settings.naming)
        except InvalidEventName as exc:
            dups = self.check_name(definition.name, exclude=definition.name).near_duplicates
            if dups:
                exc.message += f"; note: {dups[0].reason}"
                exc.args = (exc.message,)
                exc.details.extend(d.as_dict() for d in dups)
            raise
        if not definition.service:
            parsed = parse_event_name(definition.name, self.settings.naming)
            if parsed is not None:
                definition = definition.model_copy(update={"service": parsed.service})
        return definition

    def _refuse_similar(self, name: str, allow_similar: bool) -> None:
        if allow_similar:
            return
        dups = self.check_name(name).near_duplicates
        if dups:
            raise DuplicateEvent(
                f"event '{name}' looks like an existing event: {dups[0].reason}; reuse it, or "
                "save with allow_similar=true (CLI: --allow-similar) if it is really different",
                details=[d.as_dict() for d in dups],
            )

    def _current(self, conn: Connection, name: str, lock: bool = False) -> EventVersion | None:
        q = (
            sa.select(vers, defs.c.name)
            .join(
                defs,
                sa.and_(defs.c.id == vers.c.event_id, defs.c.current_version == vers.c.version),
            )
            .where(defs.c.name == name)
        )
        if lock and conn.dialect.name == "postgresql":
            q = q.with_for_update(of=defs)
        row = conn.execute(q).first()
        return version_from(row) if row else None

    def _version(self, conn: Connection, name: str, version: str) -> EventVersion | None:
        row = conn.execute(
            sa.select(vers, defs.c.name)
            .join(defs, defs.c.id == vers.c.event_id)
            .where(defs.c.name == name, vers.c.version == version)
        ).first()
        return version_from(row) if row else None

    def _not_found(self, name: str, version: str | None) -> EventNotFound:
        if version is not None and name in self.names():
            return EventNotFound(f"event '{name}' has no version {version}")
        similar = self.check_name(name).near_duplicates
        hint = f"; did you mean '{similar[0].existing}'?" if similar else ""
        return EventNotFound(f"no event named '{name}'{hint}")

    def _refresh(self) -> None:
        """Bring the in-memory indexes up to the catalog (any process may have written).

        Versions are append-only: the versions saved since the last look say which events
        changed, and only those are re-indexed. The row count is part of the check, and
        ids a little below the last seen one are looked at again, because on PostgreSQL a
        transaction that took a lower id may commit after one that took a higher id.
        """
        with self.catalog.begin() as conn:
            count, newest = conn.execute(sa.select(sa.func.count(), sa.func.max(vers.c.id))).one()
            signature = (int(count), int(newest or 0))
            if signature == self._signature:
                return
            since = max(0, self._signature[1] - REFRESH_LOOKBACK) if self._signature[1] else 0
            current = sa.and_(
                defs.c.id == vers.c.event_id, defs.c.current_version == vers.c.version
            )
            recent = conn.execute(
                sa.select(defs.c.name, defs.c.current_version)
                .join(vers, current)
                .where(vers.c.id > since)
            ).all()
            stale = [r.name for r in recent if self._indexed.get(r.name) != r.current_version]
            rows: list[Any] = []
            for chunk in range(0, len(stale), 500):
                rows.extend(
                    conn.execute(
                        sa.select(defs, vers.c.definition)
                        .join(vers, current)
                        .where(defs.c.name.in_(stale[chunk : chunk + 500]))
                    ).all()
                )
        for r in rows:
            self._search.upsert(document_from(summary_from(r), r.definition))
            self._names.add(r.name)
            self._indexed[r.name] = r.current_version
        self._signature = signature
