"""Extraction across processes: ``extract_many(queries, processes=N)``.

Queries go to a pool of worker processes in chunks; each worker applies the
per-query timeout itself (its main thread can take the timer signal), so one
pathological query costs at most ``timeout`` seconds and never stops the batch.
Results come back in input order.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from loam.lineage.extract import DEFAULT_TIMEOUT, extract
from loam.lineage.model import QueryLineage
from loam.lineage.names import SchemaInput


@dataclass(frozen=True, slots=True)
class Query:
    """One query with its own dialect and defaults (None: use the batch's)."""

    sql: str
    dialect: str | None = None
    default_db: str | None = None
    default_schema: str | None = None
    destination: str | None = None


_OPTIONS: dict[str, Any] = {}


def _init_worker(options: dict[str, Any]) -> None:
    _OPTIONS.clear()
    _OPTIONS.update(options)


def _run(query: str | Query) -> QueryLineage:
    options = _OPTIONS
    if isinstance(query, Query):
        return extract(
            query.sql,
            dialect=query.dialect or options["dialect"],
            default_db=query.default_db or options["default_db"],
            default_schema=query.default_schema or options["default_schema"],
            schema=options["schema"],
            timeout=options["timeout"],
            destination=query.destination,
        )
    return extract(query, **options)


def iter_extract(
    queries: Iterable[str | Query],
    dialect: str | None = None,
    default_db: str | None = None,
    default_schema: str | None = None,
    schema: SchemaInput | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    processes: int | None = None,
    chunksize: int = 64,
) -> Iterator[QueryLineage]:
    """Like ``extract_many`` but yields results in input order as they complete."""
    options = {
        "dialect": dialect,
        "default_db": default_db,
        "default_schema": default_schema,
        "schema": schema,
        "timeout": timeout,
    }
    workers = processes if processes is not None else (os.cpu_count() or 1)
    on_main = threading.current_thread() is threading.main_thread()
    if workers <= 1 and (on_main or timeout is None):
        _init_worker(options)
        for query in queries:
            yield _run(query)
        return
    # Off the main thread (a web server's worker) the time limit cannot interrupt this
    # thread, so even one process is a worker process. Forking a process that runs other
    # threads (a server, a progress bar, a bus heartbeat) may copy a lock one of them holds
    # and deadlock the child, so then workers come from a fork server instead.
    if os.name != "posix":
        method = "spawn"
    elif on_main and threading.active_count() == 1:
        method = "fork"
    else:
        method = "forkserver"
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        context.set_forkserver_preload(["loam.lineage.parallel"])
    with context.Pool(max(1, workers), initializer=_init_worker, initargs=(options,)) as pool:
        yield from pool.imap(_run, queries, chunksize=max(1, chunksize))


def extract_many(
    queries: Iterable[str | Query],
    dialect: str | None = None,
    default_db: str | None = None,
    default_schema: str | None = None,
    schema: SchemaInput | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    processes: int | None = None,
    chunksize: int = 64,
) -> list[QueryLineage]:
    """Lineage of many queries, in input order, using ``processes`` worker processes
    (default: one per core; 1 runs in this process). A query that fails or runs past
    ``timeout`` seconds comes back with ``error`` set.

    >>> [r.out_tables for r in extract_many(["INSERT INTO b SELECT x FROM a"], processes=1)]
    [('b',)]
    """
    return list(
        iter_extract(
            queries,
            dialect=dialect,
            default_db=default_db,
            default_schema=default_schema,
            schema=schema,
            timeout=timeout,
            processes=processes,
            chunksize=chunksize,
        )
    )
