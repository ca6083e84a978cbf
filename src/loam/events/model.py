"""Event definitions: an event's metadata and its recursive tree of typed parameters.

>>> d = EventDefinition(name="click_item_home", params=[
...     Parameter(name="item", type="object", params=[
...         Parameter(name="price", type="integer", constraints=Constraints(minimum=0)),
...     ]),
... ])
>>> [path for path, _ in walk_params(d.params)]
['item', 'item.price']
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from loam.events.errors import InvalidDefinition

ParamType = Literal[
    "string", "integer", "float", "boolean", "timestamp", "date", "enum", "array", "object"
]
PARAM_TYPES: tuple[str, ...] = ParamType.__args__  # type: ignore[attr-defined]
Status = Literal["draft", "active", "deprecated"]
Tier = Literal["critical", "normal", "low"]
Number = int | float


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Constraints(_Strict):
    """Limits a value must respect; each applies to the types named beside it."""

    minimum: Number | None = None  # integer, float
    maximum: Number | None = None  # integer, float
    min_length: int | None = Field(default=None, ge=0)  # string
    max_length: int | None = Field(default=None, ge=0)  # string
    pattern: str | None = None  # string (a regular expression, searched)
    min_items: int | None = Field(default=None, ge=0)  # array
    max_items: int | None = Field(default=None, ge=0)  # array

    def is_empty(self) -> bool:
        return all(v is None for v in self.model_dump().values())


CONSTRAINT_TYPES: dict[str, tuple[str, ...]] = {
    "minimum": ("integer", "float"),
    "maximum": ("integer", "float"),
    "min_length": ("string",),
    "max_length": ("string",),
    "pattern": ("string",),
    "min_items": ("array",),
    "max_items": ("array",),
}


class ItemSpec(_Strict):
    """The element type of an array (itself any type, arrays and objects included)."""

    type: ParamType
    description: str = ""
    values: list[str] | None = None
    items: ItemSpec | None = None
    params: list[Parameter] | None = None
    constraints: Constraints = Field(default_factory=lambda: Constraints())


class Parameter(_Strict):
    """One custom parameter; ``object`` parameters hold more parameters, to any depth."""

    name: str
    type: ParamType
    required: bool = False
    description: str = ""
    pii: bool = False
    examples: list[Any] = Field(default_factory=list)
    values: list[str] | None = None  # enum: the allowed values
    items: ItemSpec | None = None  # array: the element type
    params: list[Parameter] | None = None  # object: the nested parameters
    constraints: Constraints = Field(default_factory=lambda: Constraints())


TypeNode = Parameter | ItemSpec


class EventDefinition(_Strict):
    """What one version of an event says: who owns it and what it carries."""

    name: str
    description: str = ""
    owner: str = ""  # the owning team
    service: str = ""  # service / domain; defaults to the name's service part
    status: Status = "draft"
    tags: list[str] = Field(default_factory=list)
    tier: Tier = "normal"
    params: list[Parameter] = Field(default_factory=list)

    def to_data(self) -> dict[str, Any]:
        """A plain dict without defaults, ready for YAML or JSON."""
        data: dict[str, Any] = self.model_dump(mode="json", exclude_defaults=True)
        data["name"] = self.name
        return data


@dataclass(frozen=True)
class Problem:
    """One thing wrong, where it is, and what would fix it."""

    where: str
    message: str
    suggestion: str | None = None
    part: str | None = None

    def as_detail(self) -> dict[str, Any]:
        out: dict[str, Any] = {"where": self.where, "problem": self.message}
        if self.part is not None:
            out["part"] = self.part
        if self.suggestion is not None:
            out["suggestion"] = self.suggestion
        return out


def parse_definition(data: Mapping[str, Any] | EventDefinition) -> EventDefinition:
    """Read a definition from plain data; InvalidDefinition names every bad key by its path."""
    if isinstance(data, EventDefinition):
        return data
    if not isinstance(data, Mapping):
        raise InvalidDefinition(f"an event definition must be a mapping, got {type(data).__name__}")
    try:
        return EventDefinition.model_validate(dict(data))
    except ValidationError as exc:
        problems = [_problem_from(err, data) for err in exc.errors()]
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise InvalidDefinition(
            f"{first.where}: {first.message}{more}", details=[p.as_detail() for p in problems]
        ) from None


def _problem_from(err: Mapping[str, Any], data: Mapping[str, Any]) -> Problem:
    where = _readable_loc(tuple(err["loc"]), data)
    kind = err["type"]
    if kind == "extra_forbidden":
        return Problem(where, "unknown key")
    if kind == "missing":
        return Problem(where, "required key is missing")
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return Problem(where, f"{err.get('input')!r} is not allowed, expected {expected}")
    got = err.get("input")
    if isinstance(got, bool) and kind == "string_type":
        return Problem(
            where,
            f"expected a string, got {got!r}: YAML reads yes/no/on/off as "
            "true/false, so quote the value",
        )
    return Problem(where, f"{err['msg']} (got {got!r})")


def _readable_loc(loc: tuple[Any, ...], data: Any) -> str:
    """``('params', 0, 'params', 1, 'type')`` -> ``params.item.price.type`` using the names."""
    parts: list[str] = []
    node = data
    for key in loc:
        if isinstance(key, int):
            node = node[key] if isinstance(node, list) and key < len(node) else None
            name = node.get("name") if isinstance(node, Mapping) else None
            parts.append(str(name) if name else f"[{key}]")
            continue
        node = node.get(key) if isinstance(node, Mapping) else None
        if key == "params" and parts:
            continue  # nested params read as a path: params.item.price
        parts.append(str(key))
    return ".".join(parts).replace(".[", "[")


def walk_params(params: list[Parameter] | None, prefix: str = "") -> Iterator[tuple[str, TypeNode]]:
    """Every parameter and array element, depth first, with its dotted path."""
    for p in params or []:
        path = f"{prefix}{p.name}"
        yield path, p
        yield from _walk_children(p, path)


def _walk_children(node: TypeNode, path: str) -> Iterator[tuple[str, TypeNode]]:
    if node.type == "object":
        yield from walk_params(node.params, path + ".")
    elif node.type == "array" and node.items is not None:
        yield path + "[]", node.items
        yield from _walk_children(node.items, path + "[]")


def structure_problems(params: list[Parameter]) -> list[Problem]:
    """Rules a parameter tree must follow whatever the naming grammar says."""
    out: list[Problem] = []
    out.extend(_sibling_problems(params, "params"))
    for path, node in walk_params(params):
        where = f"params.{path}"
        out.extend(_node_problems(node, where))
        if node.type == "object":
            out.extend(_sibling_problems(node.params or [], where))
    return out


def _sibling_problems(params: list[Parameter], where: str) -> list[Problem]:
    seen: set[str] = set()
    out = []
    for p in params:
        if p.name in seen:
            out.append(Problem(f"{where}.{p.name}", f"parameter '{p.name}' is defined twice"))
        seen.add(p.name)
    return out


def _node_problems(node: TypeNode, where: str) -> list[Problem]:
    out: list[Problem] = []
    kind = node.type
    if kind == "enum":
        if not node.values:
            out.append(Problem(where, "an enum needs at least one allowed value in 'values'"))
        elif len(set(node.values)) != len(node.values):
            dup = next(v for v in node.values if node.values.count(v) > 1)
            out.append(Problem(where, f"enum value '{dup}' is listed twice"))
    elif node.values is not None:
        out.append(Problem(where, f"'values' only applies to enums, not to {kind}"))
    if kind == "array" and node.items is None:
        out.append(Problem(where, "an array needs 'items', the type of its elements"))
    elif kind != "array" and node.items is not None:
        out.append(Problem(where, f"'items' only applies to arrays, not to {kind}"))
    if kind == "object" and node.params is None:
        out.append(Problem(where, "an object needs 'params', its nested parameters"))
    elif kind != "object" and node.params is not None:
        out.append(Problem(where, f"'params' only applies to objects, not to {kind}"))
    out.extend(_constraint_problems(node, where))
    return out


def _constraint_problems(node: TypeNode, where: str) -> list[Problem]:
    out = []
    c = node.constraints
    for key, types in CONSTRAINT_TYPES.items():
        if getattr(c, key) is not None and node.type not in types:
            out.append(
                Problem(
                    f"{where}.constraints.{key}",
                    f"'{key}' applies to {' / '.join(types)}, not to {node.type}",
                )
            )
    for low, high in (("minimum", "maximum"), ("min_length", "max_length")):
        lo, hi = getattr(c, low), getattr(c, high)
        if lo is not None and hi is not None and lo > hi:
            out.append(Problem(f"{where}.constraints", f"{low} {lo} is above {high} {hi}"))
    if c.min_items is not None and c.max_items is not None and c.min_items > c.max_items:
        out.append(Problem(f"{where}.constraints", "min_items is above max_items"))
    if c.pattern is not None:
        try:
            re.compile(c.pattern)
        except re.error as exc:
            out.append(Problem(f"{where}.constraints.pattern", f"not a valid pattern: {exc}"))
    return out


ItemSpec.model_rebuild()
Parameter.model_rebuild()
EventDefinition.model_rebuild()
