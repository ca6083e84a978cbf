"""The worked examples in the bus modules' docstrings run as written."""

from __future__ import annotations

import doctest

import pytest

from loam.core.bus import _rules, sqlite, sqlite_group


@pytest.mark.parametrize("module", [sqlite, sqlite_group, _rules], ids=lambda m: m.__name__)
def test_docstring_examples_run(module: object) -> None:
    failures, tried = doctest.testmod(module, raise_on_error=False, verbose=False)  # type: ignore[arg-type]
    assert tried > 0, f"{module} has no examples"
    assert failures == 0
