"""The built web UI (``ui/`` compiled by ``make ui`` into ``dist/``), served by ``loam up``."""
