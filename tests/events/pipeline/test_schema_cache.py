"""The collector's schema cache: fresh answers after the TTL, one object per version."""

from __future__ import annotations

import time
from pathlib import Path

from loam.events.pipeline.schemas import CachedSchemaSource, FolderSchemaSource
from loam.events.pipeline.validate import validator_for

SCHEMA = {"type": "object", "properties": {"price": {"type": "integer"}}}


def test_a_refresh_that_finds_the_same_version_keeps_the_compiled_validator(
    tmp_path: Path,
) -> None:
    folder = FolderSchemaSource(tmp_path)
    folder.write("buy_item_home", "1-0-0", SCHEMA)
    cache = CachedSchemaSource(folder, ttl_s=0.0)  # every call goes back to the folder
    first = cache.active("buy_item_home")
    assert first is not None
    compiled = validator_for(first)
    again = cache.active("buy_item_home")
    assert again is first
    assert validator_for(again) is compiled


def test_a_newly_activated_version_is_seen_after_the_ttl(tmp_path: Path) -> None:
    folder = FolderSchemaSource(tmp_path)
    folder.write("buy_item_home", "1-0-0", SCHEMA)
    cache = CachedSchemaSource(folder, ttl_s=0.05)
    assert cache.active("buy_item_home").version == "1-0-0"  # type: ignore[union-attr]
    folder.write("buy_item_home", "1-1-0", SCHEMA)
    assert cache.active("buy_item_home").version == "1-0-0"  # type: ignore[union-attr]
    time.sleep(0.06)
    assert cache.active("buy_item_home").version == "1-1-0"  # type: ignore[union-attr]
