"""The registry in the catalog, on SQLite and on PostgreSQL: one suite, both backends."""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from loam.capabilities import migration_folders
from loam.config import EventNamingSettings, EventsSettings
from loam.core.audit import history
from loam.core.catalog import Catalog
from loam.events import (
    BreakingChange,
    DuplicateEvent,
    EventNotFound,
    EventRegistry,
    InvalidDefinition,
    InvalidEventName,
    StaleVersion,
)
from loam.events.tables import event_versions
from tests.events.conftest import load_fixture


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def catalog(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalog]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'catalog.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    cat = Catalog(url, migrations=migration_folders())
    cat.migrate()
    yield cat
    cat.dispose()


@pytest.fixture
def reg(catalog: Catalog) -> EventRegistry:
    return EventRegistry(catalog, EventsSettings())


def fixture_event() -> dict[str, Any]:
    return load_fixture("click_item_home.yaml")


def test_create_then_versions_follow_changes(reg: EventRegistry) -> None:
    first = reg.save(fixture_event(), author="ana", message="first cut")
    assert first.created and first.version.version == "1-0-0"
    data = fixture_event()
    data["params"].append({"name": "ref", "type": "string"})
    assert reg.save(data, author="bo").version.version == "1-0-1"
    data["description"] = "Tap on a card."
    second = reg.save(data, author="bo")
    assert second.version.version == "1-0-2" and second.version.classification == "metadata"
    data["params"][0]["params"][3]["params"][0]["pii"] = False  # seller_id no longer PII
    third = reg.save(data, author="bo", message="ids are pseudonymous")
    assert third.version.version == "1-1-0" and third.version.classification == "revision"
    data["params"] = [p for p in data["params"] if p["name"] != "ref"]
    with pytest.raises(BreakingChange, match="parameter 'ref' removed"):
        reg.save(data, author="bo")
    fourth = reg.save(data, author="bo", bump="model", message="drop ref")
    assert fourth.version.version == "2-0-0"
    assert [v.version for v in reg.versions("click_item_home")] == [
        "1-0-0",
        "1-0-1",
        "1-0-2",
        "1-1-0",
        "2-0-0",
    ]
    assert reg.get("click_item_home").version == "2-0-0"
    old = reg.get("click_item_home", "1-0-1")
    assert [p.name for p in old.definition.params][-1] == "ref"  # old versions stay as they were
    assert old.author == "bo"


def test_saving_the_same_definition_makes_no_version(reg: EventRegistry) -> None:
    reg.save(fixture_event(), author="ana")
    again = reg.save(fixture_event(), author="ana")
    assert not again.changed and again.version.version == "1-0-0"
    assert len(reg.versions("click_item_home")) == 1


def test_every_change_is_audited_in_the_same_transaction(reg: EventRegistry) -> None:
    reg.save(fixture_event(), author="ana", message="first")
    data = fixture_event()
    data["params"].append({"name": "ref", "type": "string"})
    reg.save(data, author="bo", message="add ref")
    with reg.catalog.begin() as conn:
        entries = history(conn, target="event:click_item_home")
    assert [(e.actor, e.action) for e in entries] == [
        ("bo", "events.edit"),
        ("ana", "events.create"),
    ]
    assert entries[0].detail["version"] == "1-0-1"
    assert entries[0].detail["classification"] == "additive"
    assert entries[0].detail["changes"] == ["optional parameter 'ref' (string) added"]
    assert entries[0].detail["message"] == "add ref"


def test_a_refused_change_leaves_nothing_behind(reg: EventRegistry) -> None:
    reg.save(fixture_event(), author="ana")
    data = fixture_event()
    data["params"].pop()
    with pytest.raises(BreakingChange):
        reg.save(data, author="bo")
    with reg.catalog.begin() as conn:
        assert len(history(conn, target="event:click_item_home")) == 1
        assert conn.execute(sa.select(sa.func.count()).select_from(event_versions)).scalar() == 1


def test_stale_edits_are_refused(reg: EventRegistry) -> None:
    reg.save(fixture_event(), author="ana")
    a = fixture_event()
    a["params"].append({"name": "ref", "type": "string"})
    reg.save(a, author="ana", base_version="1-0-0")
    b = fixture_event()
    b["params"].append({"name": "other", "type": "string"})
    with pytest.raises(StaleVersion, match="is at version 1-0-1, not 1-0-0"):
        reg.save(b, author="bo", base_version="1-0-0")


def test_concurrent_saves_of_a_new_version_do_not_both_win(reg: EventRegistry) -> None:
    reg.save(fixture_event(), author="ana")
    outcomes: list[str] = []

    def edit(extra: str) -> None:
        data = fixture_event()
        data["params"].append({"name": extra, "type": "string"})
        try:
            outcomes.append(reg.save(data, author=extra, base_version="1-0-0").version.version)
        except StaleVersion:
            outcomes.append("stale")

    threads = [threading.Thread(target=edit, args=(n,)) for n in ("aa", "bb")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["1-0-1", "stale"]
    assert [v.version for v in reg.versions("click_item_home")] == ["1-0-0", "1-0-1"]


def test_names_are_checked_before_saving(reg: EventRegistry) -> None:
    reg.save(fixture_event(), author="ana")
    data = fixture_event()
    data["name"] = "item_click_home"
    with pytest.raises(InvalidEventName) as bad:
        reg.save(data, author="bo")
    assert bad.value.details[0]["suggestion"] == "click_item_home"
    data["name"] = "click_itme_home"
    with pytest.raises(
        DuplicateEvent, match="spelt almost the same as the existing event 'click_item_home'"
    ):
        reg.save(data, author="bo")
    assert reg.save(data, author="bo", allow_similar=True).created
    data["name"] = "click_item_home"
    with pytest.raises(DuplicateEvent, match="already exists"):
        reg.save(data, author="bo", create_only=True)


def test_bad_definitions_say_where(reg: EventRegistry) -> None:
    data = fixture_event()
    data["params"][0]["params"][3]["params"][1]["params"][1]["type"] = "decimal"
    with pytest.raises(InvalidDefinition) as bad:
        reg.save(data, author="ana")
    assert bad.value.details[0]["where"] == "params.item.seller.region.distance_km.type"
    data = fixture_event()
    data["params"].append({"name": "userId", "type": "string"})
    data["params"].append({"name": "tags", "type": "array"})
    data["params"].append({"name": "kind", "type": "enum", "values": []})
    with pytest.raises(InvalidDefinition) as bad:
        reg.save(data, author="ana")
    wheres = [(d["where"], d["problem"]) for d in bad.value.details]
    assert ("params.tags", "an array needs 'items', the type of its elements") in wheres
    assert ("params.kind", "an enum needs at least one allowed value in 'values'") in wheres
    assert any(w == "params.userId" and "snake_case" in p for w, p in wheres)


def test_plan_previews_without_saving(reg: EventRegistry) -> None:
    assert reg.plan(fixture_event()).version == "1-0-0"
    reg.save(fixture_event(), author="ana")
    data = fixture_event()
    data["params"].pop()
    plan = reg.plan(data)
    assert plan.classification == "breaking" and plan.needs_model_bump and plan.version is None
    assert "bump=model" in (plan.refusal or "")
    assert reg.plan(data, "model").version == "2-0-0"
    assert reg.get("click_item_home").version == "1-0-0"


def test_missing_events_and_versions(reg: EventRegistry) -> None:
    reg.save(fixture_event(), author="ana")
    with pytest.raises(EventNotFound, match="did you mean 'click_item_home'"):
        reg.get("click_itme_home")
    with pytest.raises(EventNotFound, match="has no version 9-0-0"):
        reg.get("click_item_home", "9-0-0")


def test_search_follows_changes_made_through_another_registry(catalog: Catalog) -> None:
    reader = EventRegistry(catalog, EventsSettings())
    writer = EventRegistry(catalog, EventsSettings())
    assert reader.search("seller") == []
    writer.save(fixture_event(), author="ana")
    assert [h.name for h in reader.search("seller")] == ["click_item_home"]
    assert reader.events_with_param("region_code") == {
        "click_item_home": ["item.seller.region.region_code"]
    }


def test_list_filters(reg: EventRegistry) -> None:
    reg.save(fixture_event(), author="ana")
    other = copy.deepcopy(fixture_event())
    other.update(
        name="view_item_search", owner="search", service="search", status="draft", tags=["serp"]
    )
    reg.save(other, author="ana", allow_similar=True)
    assert [e.name for e in reg.list_events(team="search")] == ["view_item_search"]
    assert [e.name for e in reg.list_events(tag="feed")] == ["click_item_home"]
    assert [e.name for e in reg.list_events(status="active")] == ["click_item_home"]
    assert [e.name for e in reg.list_events(service="search")] == ["view_item_search"]


def test_registered_vocabulary_comes_from_settings(catalog: Catalog) -> None:
    settings = EventsSettings(naming=EventNamingSettings(services=["chat"]))
    reg = EventRegistry(catalog, settings)
    with pytest.raises(InvalidEventName, match="service 'home' is not a registered service"):
        reg.save(fixture_event(), author="ana")


def test_current_versions_and_json_schema_for_the_collector(reg: EventRegistry) -> None:
    reg.save(fixture_event(), author="ana")
    data = fixture_event()
    data["params"].append({"name": "ref", "type": "string"})
    reg.save(data, author="ana")
    assert [(v.name, v.version) for v in reg.current_versions()] == [("click_item_home", "1-0-1")]
    assert "ref" in reg.json_schema("click_item_home")["properties"]
    old = reg.json_schema("click_item_home", "1-0-0")
    assert "ref" not in old["properties"] and old["$id"].endswith(":1-0-0")


def test_search_sees_a_version_committed_late_with_a_lower_id(catalog: Catalog) -> None:
    """On PostgreSQL a transaction holding a lower id can commit after a higher one."""
    from loam.events.tables import event_definitions

    writer = EventRegistry(catalog, EventsSettings())
    for name in ("view_item_home", "chat_seller_chat", "pay_order_checkout"):
        writer.save({"name": name, "description": f"about {name}"}, author="ana")
    with catalog.begin() as conn:  # take the middle one out, as if not committed yet
        late_version = conn.execute(sa.select(event_versions).where(event_versions.c.id == 2)).one()
        late_event = conn.execute(
            sa.select(event_definitions).where(event_definitions.c.name == "chat_seller_chat")
        ).one()
        conn.execute(event_versions.delete().where(event_versions.c.id == 2))
        conn.execute(event_definitions.delete().where(event_definitions.c.id == late_event.id))
    reader = EventRegistry(catalog, EventsSettings())
    assert [h.name for h in reader.search("about")] == ["pay_order_checkout", "view_item_home"]
    with catalog.begin() as conn:  # ... and now it commits
        conn.execute(event_definitions.insert().values(**late_event._asdict()))
        conn.execute(event_versions.insert().values(**late_version._asdict()))
    assert "chat_seller_chat" in [h.name for h in reader.search("about")]


def test_yaml_booleans_in_enum_values_get_a_hint() -> None:
    import yaml

    from loam.events import parse_definition

    data = yaml.safe_load("name: view_item_home\nparams:\n- {name: ok, type: enum, values: [yes]}")
    with pytest.raises(InvalidDefinition, match=r"params\.ok\.values\[0\]: .*quote the value"):
        parse_definition(data)


def test_searches_and_saves_from_many_threads(reg: EventRegistry) -> None:
    """The API answers from a thread pool: indexes are read while others save."""
    errors: list[BaseException] = []
    names = [f"view_{obj}_home" for obj in ("item", "banner", "coupon", "seller", "review")]

    def save(name: str) -> None:
        try:
            reg.save(
                {"name": name, "description": f"{name} seen"}, author="ana", allow_similar=True
            )
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    def search() -> None:
        try:
            for _ in range(20):
                reg.search("seen")
                reg.check_name("view_item_hoem")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(n,)) for n in names]
    threads += [threading.Thread(target=search) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(h.name for h in reg.search("seen")) == sorted(names)
