"""``POST /collect``, mounted at the app root (see ``loam.events.pipeline.collect_api``)."""

from __future__ import annotations

from loam.events.pipeline.collect_api import install, router

__all__ = ["install", "router"]
