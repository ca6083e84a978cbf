"""Golden fixtures: every case in fixtures/*.yaml, SQL beside the edges it must give."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from loam.lineage import ColumnRef, EdgeSubkind, QueryLineage, extract

FIXTURES = Path(__file__).parent / "fixtures"
_EDGE_RE = re.compile(r"^(?P<down>\S+) <- (?P<up>\S+) \((?P<kind>\w+)\)$")
_INFLUENCE_RE = re.compile(r"^(?P<up>\S+) \((?P<kind>\w+)\)$")


def _cases() -> list[Any]:
    cases = []
    for path in sorted(FIXTURES.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text()):
            cases.append(pytest.param(case, id=f"{path.stem}: {case['name']}"))
    return cases


def _edges(result: QueryLineage) -> set[tuple[str, str, str]]:
    found = set()
    for edge in result.edges:
        if not edge.subkind.in_projection:
            continue
        for up in edge.upstreams:
            found.add((_text(edge.downstream), _text(up), edge.subkind.value))
    return found


def _influences(result: QueryLineage) -> set[tuple[str, str]]:
    return {
        (_text(up), edge.subkind.value)
        for edge in result.edges
        if not edge.subkind.in_projection
        for up in edge.upstreams
    }


def _text(ref: ColumnRef) -> str:
    return f"{ref.table or '?'}.{ref.column}"


@pytest.mark.parametrize("case", _cases())
def test_fixture(case: dict[str, Any]) -> None:
    result = extract(
        case["sql"],
        dialect=case.get("dialect"),
        default_db=case.get("default_db"),
        default_schema=case.get("default_schema"),
        schema=case.get("schema"),
    )
    assert result.ok, [s.error for s in result.statements]
    if "statement_type" in case:
        assert result.statement_type.value == case["statement_type"]
    if "in_tables" in case:
        assert set(result.in_tables) == set(case["in_tables"])
    if "out_tables" in case:
        assert set(result.out_tables) == set(case["out_tables"])
    expected = set()
    for line in case.get("edges", []):
        match = _EDGE_RE.match(line)
        assert match, f"bad fixture edge {line!r}"
        expected.add((match["down"], match["up"], EdgeSubkind(match["kind"]).value))
    assert _edges(result) == expected
    if "influences" in case:
        wanted = set()
        for line in case["influences"]:
            match = _INFLUENCE_RE.match(line)
            assert match, f"bad fixture influence {line!r}"
            wanted.add((match["up"], EdgeSubkind(match["kind"]).value))
        assert _influences(result) == wanted
