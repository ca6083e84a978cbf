"""What changed between two versions of an event, in words and as data, and how bad it is.

>>> from loam.events.model import EventDefinition, Parameter
>>> old = EventDefinition(name="view_item_home", params=[Parameter(name="item_id", type="string")])
>>> new = old.model_copy(update={"params": []})
>>> [c.message for c in diff_definitions(old, new)]
["parameter 'item_id' removed"]
>>> classify(diff_definitions(old, new))
'breaking'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from loam.events.model import EventDefinition, Parameter, TypeNode
from loam.events.versions import Classification

Impact = Literal["breaking", "revision", "additive", "metadata"]

# For each constraint: does a larger value allow more (relax) or less (tighten)?
_LARGER_RELAXES = {
    "minimum": False,
    "maximum": True,
    "min_length": False,
    "max_length": True,
    "min_items": False,
    "max_items": True,
}
_EVENT_FIELDS = ("description", "owner", "service", "status", "tags", "tier")


@dataclass(frozen=True)
class Change:
    path: str  # "params.item.price", "params.tags[]", "owner"
    kind: str
    impact: Impact
    message: str
    before: Any = None
    after: Any = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def diff_definitions(old: EventDefinition, new: EventDefinition) -> list[Change]:
    """Every change from ``old`` to ``new``; event fields first, then parameters depth first."""
    out: list[Change] = []
    for key in _EVENT_FIELDS:
        before, after = getattr(old, key), getattr(new, key)
        if before != after:
            out.append(
                Change(
                    key,
                    f"{key}_changed",
                    "metadata",
                    f"{key} changed from {before!r} to {after!r}",
                    before,
                    after,
                )
            )
    out.extend(_diff_params(old.params, new.params, ""))
    return out


def classify(changes: list[Change]) -> Classification:
    impacts = {c.impact for c in changes}
    for level in ("breaking", "revision", "additive", "metadata"):
        if level in impacts:
            return level
    return "none"


def describe(changes: list[Change]) -> str:
    """The changes as lines of text, breaking ones marked."""
    if not changes:
        return "no changes"
    return "\n".join(
        f"{'!' if c.impact == 'breaking' else '+' if c.impact == 'additive' else '~'}"
        f" {c.message} ({c.impact})"
        for c in changes
    )


def _spec(p: Parameter) -> dict[str, Any]:
    data = p.model_dump(mode="json")
    data.pop("name")
    return data


def _diff_params(old: list[Parameter], new: list[Parameter], prefix: str) -> list[Change]:
    out: list[Change] = []
    before = {p.name: p for p in old}
    after = {p.name: p for p in new}
    removed = [n for n in before if n not in after]
    added = [n for n in after if n not in before]
    renamed: dict[str, str] = {}
    for r in removed:
        twin = next(
            (a for a in added if a not in renamed.values() and _spec(after[a]) == _spec(before[r])),
            None,
        )
        if twin is not None:
            renamed[r] = twin
    for r in removed:
        path = f"params.{prefix}{r}"
        if r in renamed:
            out.append(
                Change(
                    path,
                    "param_renamed",
                    "breaking",
                    f"parameter '{prefix}{r}' renamed to '{prefix}{renamed[r]}'",
                    r,
                    renamed[r],
                )
            )
        else:
            out.append(
                Change(
                    path,
                    "param_removed",
                    "breaking",
                    f"parameter '{prefix}{r}' removed",
                    _spec(before[r]),
                    None,
                )
            )
    for a in added:
        if a in renamed.values():
            continue
        p = after[a]
        path = f"params.{prefix}{a}"
        if p.required:
            out.append(
                Change(
                    path,
                    "param_added",
                    "breaking",
                    f"required parameter '{prefix}{a}' ({p.type}) added: events sent "
                    "without it become invalid",
                    None,
                    _spec(p),
                )
            )
        else:
            out.append(
                Change(
                    path,
                    "param_added",
                    "additive",
                    f"optional parameter '{prefix}{a}' ({p.type}) added",
                    None,
                    _spec(p),
                )
            )
    for name in before:
        if name in after:
            out.extend(_diff_node(before[name], after[name], f"{prefix}{name}"))
    if [n for n in before if n in after] != [n for n in after if n in before]:
        out.append(
            Change(
                f"params.{prefix}".rstrip("."),
                "params_reordered",
                "metadata",
                f"parameters {'under ' + prefix.rstrip('.') + ' ' if prefix else ''}reordered",
                list(before),
                list(after),
            )
        )
    return out


def _diff_node(old: TypeNode, new: TypeNode, path: str) -> list[Change]:
    where = f"params.{path}"
    if old.type != new.type:
        return [
            Change(
                where,
                "type_changed",
                "breaking",
                f"parameter '{path}' changed type from {old.type} to {new.type}",
                old.type,
                new.type,
            )
        ]
    out: list[Change] = []
    if isinstance(old, Parameter) and isinstance(new, Parameter):
        out.extend(_diff_flags(old, new, path))
    if old.description != new.description:
        out.append(
            Change(
                where,
                "description_changed",
                "metadata",
                f"description of '{path}' changed",
                old.description,
                new.description,
            )
        )
    out.extend(_diff_enum(old, new, path))
    out.extend(_diff_constraints(old, new, path))
    if old.type == "object":
        out.extend(_diff_params(old.params or [], new.params or [], f"{path}."))
    if old.type == "array" and old.items is not None and new.items is not None:
        out.extend(_diff_node(old.items, new.items, f"{path}[]"))
    return out


def _diff_flags(old: Parameter, new: Parameter, path: str) -> list[Change]:
    where = f"params.{path}"
    out = []
    if old.required != new.required:
        if new.required:
            out.append(
                Change(
                    where,
                    "made_required",
                    "breaking",
                    f"parameter '{path}' changed from optional to required",
                    False,
                    True,
                )
            )
        else:
            out.append(
                Change(
                    where,
                    "made_optional",
                    "additive",
                    f"parameter '{path}' changed from required to optional",
                    True,
                    False,
                )
            )
    if old.pii != new.pii:
        state = "marked as PII" if new.pii else "no longer marked as PII"
        out.append(
            Change(
                where, "pii_changed", "revision", f"parameter '{path}' {state}", old.pii, new.pii
            )
        )
    if old.examples != new.examples:
        out.append(
            Change(
                where,
                "examples_changed",
                "metadata",
                f"examples of '{path}' changed",
                old.examples,
                new.examples,
            )
        )
    return out


def _diff_enum(old: TypeNode, new: TypeNode, path: str) -> list[Change]:
    if old.type != "enum":
        return []
    where = f"params.{path}"
    before, after = old.values or [], new.values or []
    gone = [v for v in before if v not in after]
    came = [v for v in after if v not in before]
    out = []
    if came:
        out.append(
            Change(
                where,
                "enum_values_added",
                "additive",
                f"enum '{path}' allows new value(s) {', '.join(came)}",
                None,
                came,
            )
        )
    if gone:
        out.append(
            Change(
                where,
                "enum_values_removed",
                "breaking",
                f"enum '{path}' no longer allows {', '.join(gone)}",
                gone,
                None,
            )
        )
    if not came and not gone and before != after:
        out.append(
            Change(
                where,
                "enum_values_reordered",
                "metadata",
                f"enum values of '{path}' reordered",
                before,
                after,
            )
        )
    return out


def _diff_constraints(old: TypeNode, new: TypeNode, path: str) -> list[Change]:
    out = []
    a, b = old.constraints, new.constraints
    for key, larger_relaxes in _LARGER_RELAXES.items():
        x, y = getattr(a, key), getattr(b, key)
        if x == y:
            continue
        if x is None:
            relaxed = False  # a new limit
        elif y is None:
            relaxed = True  # a limit dropped
        else:
            relaxed = (y > x) == larger_relaxes
        out.append(_constraint_change(path, key, x, y, relaxed))
    if a.pattern != b.pattern:
        out.append(_constraint_change(path, "pattern", a.pattern, b.pattern, b.pattern is None))
    return out


def _constraint_change(path: str, key: str, x: Any, y: Any, relaxed: bool) -> Change:
    word = "relaxed" if relaxed else "tightened"
    shown = f"{'none' if x is None else x!r} -> {'none' if y is None else y!r}"
    return Change(
        f"params.{path}.constraints.{key}",
        f"constraint_{word}",
        "additive" if relaxed else "breaking",
        f"constraint {key} of '{path}' {word} ({shown})",
        x,
        y,
    )


__all__ = ["Change", "classify", "describe", "diff_definitions"]
