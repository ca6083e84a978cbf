"""The examples in the lineage docstrings run and say what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "loam.lineage",
    "loam.lineage.extract",
    "loam.lineage.graph",
    "loam.lineage.names",
    "loam.lineage.parallel",
    "loam.lineage.sources.base",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert tried > 0, f"{name} has no examples"
    assert failures == 0
