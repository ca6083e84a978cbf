"""The accuracy report (bench/lineage_accuracy.py) meets its targets on both peer corpora."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "lineage_accuracy.py"


def _report() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lineage_accuracy", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_accuracy_targets(capsys: pytest.CaptureFixture[str]) -> None:
    report = _report()
    if not report.EVAL_DIR.exists():
        pytest.skip(f"evaluation corpus not at {report.EVAL_DIR}")
    assert report.main([]) == 0
    printed = capsys.readouterr().out
    assert "datahub goldens (edges)" in printed and "sqllineage column cases" in printed
    datahub, sqllineage, *_ = report.run()
    assert datahub.cases == 63 and sqllineage.cases == 188
    assert datahub.f1 >= 0.98, datahub.failures
    assert sqllineage.exact_rate >= 0.90, sqllineage.failures
