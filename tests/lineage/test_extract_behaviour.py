"""Extraction as a batch sees it: failures, time limits, processes, confidence."""

from __future__ import annotations

import pytest

from loam.lineage import (
    ColumnRef,
    EdgeKind,
    LineageInputError,
    Query,
    StatementType,
    extract,
    extract_many,
    fold_shard,
)


def test_parse_failure_is_a_reason_not_an_exception() -> None:
    result = extract("SELECT as ' FROM orders o", dialect="snowflake")
    assert not result.ok
    [statement] = result.statements
    assert statement.statement_type is StatementType.UNKNOWN
    assert statement.error and "Error" in statement.error


def test_one_bad_statement_does_not_hide_the_others() -> None:
    result = extract(
        "INSERT INTO b SELECT a FROM t;\nSELECT FROM WHERE;\nINSERT INTO c SELECT x FROM b;"
    )
    assert [s.ok for s in result.statements] == [True, False, True]
    assert result.out_tables == ("b", "c")


def _slow_query(ctes: int = 100, width: int = 80) -> str:
    """A valid query that takes a few hundred milliseconds: a long chain of wide CTEs."""
    cols = ", ".join(f"c{i}" for i in range(width))
    chain = [f"q0 AS (SELECT {cols} FROM src)"]
    chain += [f"q{k} AS (SELECT {cols} FROM q{k - 1})" for k in range(1, ctes)]
    return f"WITH {', '.join(chain)} SELECT {cols} FROM q{ctes - 1}"


def test_long_cte_chains_are_analysed() -> None:
    result = extract(_slow_query(ctes=250, width=3), timeout=None)
    assert result.ok, result.error
    assert [str(u) for u in result.edges[0].upstreams] == ["src.c0"]


def test_timeout_per_query() -> None:
    result = extract(_slow_query(), timeout=0.1)
    assert result.error is not None and "timed out after 0.1s" in result.error
    assert extract("SELECT a FROM t", timeout=0.1).ok


def test_extract_many_in_processes_keeps_order_and_errors() -> None:
    queries = [f"INSERT INTO out_{i} SELECT c{i} FROM src" for i in range(40)]
    queries[7] = "INSERT INTO broken SELECT FROM"
    results = extract_many(queries, processes=2, chunksize=4, timeout=5)
    assert len(results) == 40
    assert not results[7].ok
    assert [r.out_tables for i, r in enumerate(results) if i != 7] == [
        (f"out_{i}",) for i in range(40) if i != 7
    ]
    assert results[3].edges[0].upstreams == (ColumnRef("src", "c3"),)


def test_extract_many_per_query_options() -> None:
    [result] = extract_many(
        [
            Query(
                "SELECT x FROM events_20240105",
                dialect="bigquery",
                default_db="p",
                default_schema="d",
                destination="p.d.daily",
            )
        ],
        processes=1,
    )
    assert result.in_tables == ("p.d.events_yyyymmdd",)
    assert result.out_tables == ("p.d.daily",)


def test_unknown_dialect_is_a_clear_error() -> None:
    with pytest.raises(LineageInputError, match="unknown SQL dialect 'klingon'"):
        extract("SELECT 1", dialect="klingon")


def test_bad_schema_is_a_clear_error() -> None:
    with pytest.raises(LineageInputError, match=r"columns of 'raw\.users'"):
        extract("SELECT 1", schema={"raw.users": 5})  # type: ignore[dict-item]


def test_fold_shard() -> None:
    assert fold_shard("events_20240101") == "events_yyyymmdd"
    assert fold_shard("events_2024*") == "events_yyyymmdd"
    assert fold_shard("sales$20240101") == "sales"
    assert fold_shard("events_v2") == "events_v2"
    assert fold_shard("ids_12345678") == "ids_12345678"  # not a date


def test_confidence_reflects_what_was_known() -> None:
    known = extract("SELECT a FROM t", schema={"t": ["a"]})
    guessed = extract("SELECT a FROM t")
    unresolved = extract("SELECT a FROM t JOIN u ON t.id = u.id")
    assert known.edges[0].confidence == 1.0
    assert 0.5 < guessed.edges[0].confidence < 1.0
    assert unresolved.edges[0].confidence < 0.5
    assert unresolved.edges[0].upstreams == (ColumnRef(None, "a"),)


def test_kinds_direct_and_indirect() -> None:
    result = extract(
        "SELECT region, COUNT(DISTINCT user_id) AS users FROM s WHERE active GROUP BY region"
    )
    kinds = {(e.downstream.column, e.subkind.value, e.kind) for e in result.edges}
    assert ("users", "aggregation", EdgeKind.DIRECT) in kinds
    assert ("users", "filter", EdgeKind.INDIRECT) in kinds
    assert ("users", "group_by", EdgeKind.INDIRECT) in kinds
    assert ("region", "identity", EdgeKind.DIRECT) in kinds


def test_procedure_body_statements() -> None:
    sql = """CREATE PROCEDURE p() AS
    BEGIN
      INSERT INTO tab2 (col1) SELECT col1 FROM tab1;
      INSERT INTO tab3 (col2) SELECT col2 FROM tab2;
    END"""
    result = extract(sql, dialect="tsql")
    pairs = {(str(u), str(e.downstream)) for e in result.edges for u in e.upstreams}
    assert pairs == {("tab1.col1", "tab2.col1"), ("tab2.col2", "tab3.col2")}


def test_timeout_applies_inside_worker_processes() -> None:
    results = extract_many(
        ["SELECT a FROM t", _slow_query()], processes=2, chunksize=1, timeout=0.1
    )
    assert results[0].ok
    assert results[1].error is not None and "timed out" in results[1].error


@pytest.mark.parametrize("schema", [None, {"o": ["ts", "x"]}])
def test_group_by_a_select_alias_groups_by_its_expression(
    schema: dict[str, list[str]] | None,
) -> None:
    result = extract(
        "CREATE TABLE m AS SELECT DATE(o.ts) AS day, SUM(o.x) AS total FROM o GROUP BY day",
        dialect="bigquery",
        schema=schema,
    )
    grouped = {
        (str(e.downstream), str(u))
        for e in result.edges
        if e.subkind.value == "group_by"
        for u in e.upstreams
    }
    assert grouped == {("m.day", "o.ts"), ("m.total", "o.ts")}


def test_group_by_prefers_a_real_column_over_an_alias_of_the_same_name() -> None:
    # `day` is a column of o: GROUP BY day groups by it, not by the expression aliased `day`.
    result = extract(
        "CREATE TABLE m AS SELECT DATE(ts) AS day, COUNT(*) AS n FROM o GROUP BY day",
        schema={"o": ["ts", "day"]},
    )
    grouped = {str(u) for e in result.edges if e.subkind.value == "group_by" for u in e.upstreams}
    assert grouped == {"o.day"}


def test_time_limit_holds_off_the_main_thread() -> None:
    """A web server extracts on a worker thread, where no timer signal can reach: the
    query then runs in a worker process, whose main thread keeps the time limit."""
    import threading

    found: list[object] = []
    worker = threading.Thread(
        target=lambda: found.extend(
            extract_many([_slow_query(), "INSERT INTO b SELECT a FROM t"], processes=1, timeout=0.1)
        )
    )
    worker.start()
    worker.join(timeout=60)
    slow, quick = found
    assert slow.error is not None and "timed out after 0.1s" in slow.error  # type: ignore[attr-defined]
    assert quick.ok and quick.out_tables == ("b",)  # type: ignore[attr-defined]


def test_extract_many_in_processes_while_other_threads_run() -> None:
    # A server or a progress bar runs threads beside extraction; forking such a process
    # can deadlock a worker on a lock copied mid-use, so the pool must still finish.
    import threading

    from loam.lineage import extract_many

    stop = threading.Event()
    busy = threading.Thread(target=lambda: stop.wait(30), daemon=True)
    busy.start()
    try:
        results = extract_many(
            ["INSERT INTO b SELECT x FROM a", "SELECT broken FROM"] * 20, processes=2, chunksize=4
        )
    finally:
        stop.set()
    assert [r.out_tables for r in results[:2]] == [("b",), ()]
    assert len(results) == 40
