from __future__ import annotations

pytest_plugins = ["tests.fixtures.services_plugin", "tests.fixtures.kafka"]
