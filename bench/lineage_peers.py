"""Time one peer lineage tool on a query file; prints one JSON line.

    python bench/lineage_peers.py {datahub,sqllineage,sqlglot} QUERIES.json

Standalone on purpose (imports nothing from Loam): the peers pin their own
sqlglot, so ``bench_lineage.py`` may run this file with another interpreter
(``LOAM_BENCH_PEERS_PYTHON``). The file holds ``{"queries": [...], "dialect":
..., "default_db": ..., "schema": {"table": [cols]}}``.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from collections.abc import Callable
from typing import Any

WARMUP = 10


def datahub(spec: dict[str, Any]) -> Callable[[str], object]:
    from datahub.emitter.mce_builder import make_dataset_urn
    from datahub.sql_parsing.schema_resolver import SchemaResolver
    from datahub.sql_parsing.sqlglot_lineage import sqlglot_lineage

    resolver = SchemaResolver(platform=spec["platform"], env="PROD")
    for table, columns in spec["schema"].items():
        urn = make_dataset_urn(spec["platform"], table)
        resolver.add_raw_schema_info(urn, {c: "STRING" for c in columns})

    def run(sql: str) -> object:
        result = sqlglot_lineage(sql, schema_resolver=resolver, default_db=spec["default_db"])
        if result.debug_info.table_error or result.debug_info.column_error:
            raise RuntimeError(str(result.debug_info.error))
        return result

    return run


def sqllineage(spec: dict[str, Any]) -> Callable[[str], object]:
    from sqllineage.core.metadata.dummy import DummyMetaDataProvider
    from sqllineage.runner import LineageRunner

    provider = DummyMetaDataProvider(spec["schema"])

    def run(sql: str) -> object:
        return LineageRunner(
            sql, dialect=spec["dialect"], metadata_provider=provider, silent_mode=True
        ).get_column_lineage()

    return run


def plain_sqlglot(spec: dict[str, Any]) -> Callable[[str], object]:
    """sqlglot.lineage as a user calls it: once per output column of the query."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.lineage import lineage

    schema: dict[str, Any] = {}
    for table, columns in spec["schema"].items():
        catalog, db, name = table.split(".")
        schema.setdefault(catalog, {}).setdefault(db, {})[name] = {c: "STRING" for c in columns}

    def run(sql: str) -> object:
        statement = sqlglot.parse_one(sql, dialect=spec["dialect"])
        query = statement if isinstance(statement, exp.Query) else statement.expression
        if not isinstance(query, exp.Query):
            raise RuntimeError(f"sqlglot.lineage takes a query, not {type(statement).__name__}")
        return [
            lineage(column, query, schema=schema, dialect=spec["dialect"])
            for column in query.named_selects
        ]

    return run


PEERS = {"datahub": datahub, "sqllineage": sqllineage, "sqlglot": plain_sqlglot}


def main() -> int:
    peer, path = sys.argv[1], sys.argv[2]
    with open(path) as handle:
        spec = json.load(handle)
    try:
        run = PEERS[peer](spec)
    except ImportError as error:
        print(json.dumps({"peer": peer, "skipped": f"not installed ({error})"}))
        return 0
    queries = spec["queries"]
    for sql in queries[:WARMUP]:
        with contextlib.suppress(Exception):
            run(sql)
    failed = 0
    start = time.perf_counter()
    for sql in queries:
        try:
            run(sql)
        except Exception:
            failed += 1
    seconds = time.perf_counter() - start
    print(json.dumps({"peer": peer, "queries": len(queries), "seconds": seconds, "failed": failed}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
