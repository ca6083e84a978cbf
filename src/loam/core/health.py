"""Health of one component, as shown by ``loam doctor`` and ``/api/health``."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Health:
    """``ok`` plus a one-line ``detail``; when not ok, ``fix`` says what to do."""

    component: str
    backend: str
    ok: bool
    detail: str
    fix: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
