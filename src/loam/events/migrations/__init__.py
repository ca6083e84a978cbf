"""The registry's Alembic branch ("events"), applied after core's."""

from __future__ import annotations

from pathlib import Path

MIGRATIONS = Path(__file__).parent / "versions"
