"""The examples in the events modules' docstrings run."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import loam.events

MODULES = sorted(
    m.name for m in pkgutil.iter_modules(loam.events.__path__, "loam.events.") if not m.ispkg
)


@pytest.mark.parametrize("name", ["loam.events", *MODULES])
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
