from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from loam.events import EventDefinition, parse_definition

FIXTURES = Path(__file__).parent / "fixtures"


def load_fixture(name: str) -> Any:
    text = (FIXTURES / name).read_text()
    return yaml.safe_load(text)


@pytest.fixture
def click_item_home() -> EventDefinition:
    """Written by hand: 3-level nesting, arrays of objects, enums, an array of arrays."""
    return parse_definition(load_fixture("click_item_home.yaml"))
