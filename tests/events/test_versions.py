"""Change classification and SchemaVer numbering."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from loam.events import (
    BreakingChange,
    EventsError,
    SchemaVer,
    classify,
    describe,
    diff_definitions,
    next_version,
    parse_definition,
)
from tests.events.conftest import load_fixture

Edit = Callable[[dict[str, Any]], None]


def _param(data: dict[str, Any], path: str) -> dict[str, Any]:
    node: dict[str, Any] = {"params": data["params"]}
    for part in path.split("."):
        if part.endswith("[]"):
            node = next(p for p in node["params"] if p["name"] == part[:-2])["items"]
        else:
            node = next(p for p in node["params"] if p["name"] == part)
    return node


def _set(path: str, **values: Any) -> Edit:
    return lambda d: _param(d, path).update(values)


def _constraint(path: str, **values: Any) -> Edit:
    return lambda d: _param(d, path).setdefault("constraints", {}).update(values)


def _drop_constraint(path: str, key: str) -> Edit:
    return lambda d: _param(d, path)["constraints"].pop(key)


def _add(path: str, param: dict[str, Any]) -> Edit:
    def edit(d: dict[str, Any]) -> None:
        (d if not path else _param(d, path))["params"].append(param)

    return edit


def _remove(path: str, name: str) -> Edit:
    def edit(d: dict[str, Any]) -> None:
        holder = d if not path else _param(d, path)
        holder["params"] = [p for p in holder["params"] if p["name"] != name]

    return edit


def _rename(path: str, old: str, new: str) -> Edit:
    return lambda d: _param(d, f"{path}.{old}" if path else old).update(name=new)


CASES: list[tuple[str, Edit, str, str]] = [
    # additive
    (
        "new optional parameter",
        _add("", {"name": "ref", "type": "string"}),
        "additive",
        "param_added",
    ),
    (
        "new optional nested parameter",
        _add("item.seller.region", {"name": "dong", "type": "string"}),
        "additive",
        "param_added",
    ),
    (
        "new enum value",
        _set("item.category", values=["digital", "furniture", "clothing", "free", "books"]),
        "additive",
        "enum_values_added",
    ),
    (
        "new enum value in array of enums",
        _set("filters[]", values=["nearby", "price_low", "price_high", "rating"]),
        "additive",
        "enum_values_added",
    ),
    (
        "maximum raised",
        _constraint("item.price", maximum=200000000),
        "additive",
        "constraint_relaxed",
    ),
    (
        "minimum lowered",
        _constraint("item.seller.region.distance_km", minimum=-1.0),
        "additive",
        "constraint_relaxed",
    ),
    (
        "pattern dropped",
        _drop_constraint("item.item_id", "pattern"),
        "additive",
        "constraint_relaxed",
    ),
    ("max_items raised", _constraint("badges", max_items=10), "additive", "constraint_relaxed"),
    ("required -> optional", _set("position", required=False), "additive", "made_optional"),
    # breaking
    ("parameter removed", _remove("", "is_promoted"), "breaking", "param_removed"),
    (
        "nested parameter removed",
        _remove("item.seller.region", "distance_km"),
        "breaking",
        "param_removed",
    ),
    ("parameter renamed", _rename("", "is_promoted", "promoted"), "breaking", "param_renamed"),
    ("type change", _set("position", type="float"), "breaking", "type_changed"),
    (
        "type change deep in an array",
        _set("badges[]", type="string", params=None),
        "breaking",
        "type_changed",
    ),
    ("optional -> required", _set("listed_on", required=True), "breaking", "made_required"),
    (
        "new required parameter",
        _add("", {"name": "ref", "type": "string", "required": True}),
        "breaking",
        "param_added",
    ),
    (
        "enum value removed",
        _set("item.category", values=["digital", "furniture"]),
        "breaking",
        "enum_values_removed",
    ),
    (
        "maximum lowered",
        _constraint("item.price", maximum=1000),
        "breaking",
        "constraint_tightened",
    ),
    (
        "new constraint",
        _constraint("item.seller.region.region_code", max_length=8),
        "breaking",
        "constraint_tightened",
    ),
    (
        "pattern changed",
        _constraint("item.item_id", pattern="^it_[0-9]+$"),
        "breaking",
        "constraint_tightened",
    ),
    (
        "min_length raised",
        _constraint("item.item_id", min_length=6),
        "breaking",
        "constraint_tightened",
    ),
    # metadata only
    ("description", _set("position", description="Slot."), "metadata", "description_changed"),
    ("pii flag", _set("item.seller.seller_id", pii=False), "revision", "pii_changed"),
    ("examples", _set("item.item_id", examples=["it_1"]), "metadata", "examples_changed"),
    ("owner", lambda d: d.update(owner="search"), "metadata", "owner_changed"),
    ("status", lambda d: d.update(status="deprecated"), "metadata", "status_changed"),
]


@pytest.mark.parametrize(("title", "edit", "expected", "kind"), CASES, ids=[c[0] for c in CASES])
def test_changes_are_classified(title: str, edit: Edit, expected: str, kind: str) -> None:
    base = load_fixture("click_item_home.yaml")
    changed = copy.deepcopy(base)
    edit(changed)
    changes = diff_definitions(parse_definition(base), parse_definition(changed))
    assert classify(changes) == expected, describe(changes)
    assert kind in [c.kind for c in changes]


def test_diff_in_words_and_data() -> None:
    base = load_fixture("click_item_home.yaml")
    changed = copy.deepcopy(base)
    _remove("item.seller.region", "distance_km")(changed)
    _add("", {"name": "ref", "type": "string"})(changed)
    changes = diff_definitions(parse_definition(base), parse_definition(changed))
    data = {c.as_dict()["path"]: c.as_dict() for c in changes}
    removed = data["params.item.seller.region.distance_km"]
    assert removed["kind"] == "param_removed" and removed["impact"] == "breaking"
    assert removed["before"]["type"] == "float" and removed["after"] is None
    assert data["params.ref"]["impact"] == "additive"
    text = describe(changes)
    assert "parameter 'item.seller.region.distance_km' removed (breaking)" in text
    assert "optional parameter 'ref' (string) added (additive)" in text


def test_no_change_is_none() -> None:
    d = parse_definition(load_fixture("click_item_home.yaml"))
    assert classify(diff_definitions(d, d)) == "none"


@pytest.mark.parametrize(
    ("current", "classification", "bump", "expected"),
    [
        ("1-0-0", "additive", "auto", "1-0-1"),
        ("1-0-4", "additive", "auto", "1-0-5"),
        ("1-0-4", "metadata", "auto", "1-0-5"),
        ("1-0-4", "revision", "auto", "1-1-0"),
        ("1-2-3", "breaking", "model", "2-0-0"),
        ("1-2-3", "additive", "model", "2-0-0"),
        ("1-2-3", "additive", "revision", "1-3-0"),
        ("3-0-0", "none", "auto", "3-0-0"),
    ],
)
def test_version_numbers_follow(
    current: str, classification: str, bump: str, expected: str
) -> None:
    got = next_version(SchemaVer.parse(current), classification, bump)  # type: ignore[arg-type]
    assert str(got) == expected


def test_breaking_change_needs_an_explicit_model_bump() -> None:
    with pytest.raises(BreakingChange, match=r"needs a new MODEL version 2-0-0.*bump=model"):
        next_version(SchemaVer(1, 0, 2), "breaking", "auto", breaking="parameter 'x' removed")
    with pytest.raises(BreakingChange, match="at least a MODEL bump, not ADDITION"):
        next_version(SchemaVer(1, 0, 2), "breaking", "addition")
    with pytest.raises(BreakingChange, match="at least a REVISION bump"):
        next_version(SchemaVer(1, 0, 2), "revision", "addition")


@pytest.mark.parametrize("text", ["1.0.0", "0-1-0", "1-0", "v1-0-0", "1-01-0"])
def test_bad_version_text(text: str) -> None:
    with pytest.raises(EventsError, match="MODEL-REVISION-ADDITION"):
        SchemaVer.parse(text)
