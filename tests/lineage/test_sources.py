"""Query-log readers on files written here: what is kept, skipped, deduplicated."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from loam.lineage import ColumnRef, QueryLogError
from loam.lineage.sources import (
    lineage_of,
    query_hash,
    read_bigquery_jobs,
    read_dbt_manifest,
    read_query_log,
)

JOBS = [
    {
        "job_id": "j1",
        "creation_time": "2024-03-01 10:00:00.000 UTC",
        "project_id": "acme",
        "user_email": "ana@acme.io",
        "state": "DONE",
        "statement_type": "CREATE_TABLE_AS_SELECT",
        "query": "CREATE TABLE mart.users AS SELECT id, email FROM raw.users",
        "error_result": None,
        "destination_table": {"project_id": "acme", "dataset_id": "mart", "table_id": "users"},
        "referenced_tables": [{"project_id": "acme", "dataset_id": "raw", "table_id": "users"}],
    },
    {  # the same query again, reformatted: a rerun, deduplicated
        "job_id": "j2",
        "creation_time": "2024-03-02T10:00:00Z",
        "project_id": "acme",
        "state": "DONE",
        "statement_type": "CREATE_TABLE_AS_SELECT",
        "query": "CREATE TABLE mart.users AS\n  SELECT id, email  FROM raw.users -- nightly",
        "error_result": None,
    },
    {
        "job_id": "j3",
        "creation_time": "2024-03-02T11:00:00Z",
        "state": "DONE",
        "statement_type": "INSERT",
        "query": "INSERT INTO mart.x SELECT nope FROM",
        "error_result": {"reason": "invalidQuery", "message": "Syntax error"},
    },
    {
        "job_id": "j4",
        "creation_time": "2024-03-02T12:00:00Z",
        "state": "DONE",
        "statement_type": "SCRIPT",
        "query": "BEGIN SELECT 1; END",
        "error_result": None,
    },
    {
        "job_id": "j5",
        "creation_time": "2024-03-02T13:00:00Z",
        "state": "DONE",
        "statement_type": "SELECT",
        "query": "SELECT * FROM region-us.INFORMATION_SCHEMA.JOBS",
        "error_result": None,
    },
    {  # a SELECT writing to a named destination table
        "job_id": "j6",
        "creation_time": "2024-03-03T09:00:00Z",
        "project_id": "acme",
        "state": "DONE",
        "statement_type": "SELECT",
        "query": "SELECT email AS contact FROM mart.users",
        "error_result": None,
        "destination_table": {"project_id": "acme", "dataset_id": "mart", "table_id": "contacts"},
    },
    {
        "job_id": "j7",
        "creation_time": "2024-03-03T10:00:00Z",
        "state": "RUNNING",
        "statement_type": "SELECT",
        "query": "SELECT 2",
        "error_result": None,
    },
]


def _write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def test_bigquery_jobs_keeps_successful_unique_queries(tmp_path: Path) -> None:
    batch = read_bigquery_jobs(_write_jsonl(tmp_path / "jobs.jsonl", JOBS))
    assert [q.query_id for q in batch.queries] == ["j1", "j6"]
    first = batch.queries[0]
    assert first.occurrences == 2
    assert first.user == "ana@acme.io"
    assert first.referenced_tables == ("acme.raw.users",)
    assert batch.report.read == 7
    assert batch.report.duplicates == 1
    assert batch.report.skipped == {
        "failed": 1,
        "script parent": 1,
        "information_schema": 1,
        "not finished": 1,
    }
    assert batch.report.watermark == datetime(2024, 3, 3, 10, tzinfo=UTC)
    assert batch.queries[1].destination_table == "acme.mart.contacts"


def test_bigquery_jobs_incremental_since(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "jobs.jsonl", JOBS)
    first = read_bigquery_jobs(path, since=datetime(2024, 3, 2, 12, tzinfo=UTC))
    assert [q.query_id for q in first.queries] == ["j6"]
    again = read_bigquery_jobs(path, since=first.report.watermark)
    assert again.queries == []
    assert again.report.skipped == {"older than since": 7}


def test_bigquery_jobs_csv_export(tmp_path: Path) -> None:
    path = tmp_path / "jobs.csv"
    fields = [
        "job_id",
        "creation_time",
        "project_id",
        "state",
        "statement_type",
        "query",
        "error_result",
        "destination_table",
    ]
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for job in JOBS:
            row = {k: job.get(k) for k in fields}
            for key in ("error_result", "destination_table"):
                row[key] = json.dumps(row[key]) if row[key] else ""
            writer.writerow(row)
    batch = read_bigquery_jobs(path)
    assert [q.query_id for q in batch.queries] == ["j1", "j6"]
    assert batch.report.skipped["failed"] == 1


def test_bigquery_jobs_lineage_uses_project_and_destination(tmp_path: Path) -> None:
    batch = read_bigquery_jobs(_write_jsonl(tmp_path / "jobs.jsonl", JOBS))
    pairs = lineage_of(batch.queries)
    edges = {
        (str(u), str(e.downstream))
        for _, result in pairs
        for statement in result.statements
        for e in statement.direct_edges
        for u in e.upstreams
    }
    assert ("acme.raw.users.email", "acme.mart.users.email") in edges
    assert ("acme.mart.users.email", "acme.mart.contacts.contact") in edges


def test_bad_export_line_says_where(tmp_path: Path) -> None:
    path = tmp_path / "jobs.jsonl"
    path.write_text(json.dumps(JOBS[0]) + "\n{not json\n")
    with pytest.raises(QueryLogError, match=r"jobs.jsonl:2"):
        read_bigquery_jobs(path)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(QueryLogError, match="does not exist"):
        read_bigquery_jobs(tmp_path / "nope.jsonl")


def test_generic_jsonl_log(tmp_path: Path) -> None:
    path = _write_jsonl(
        tmp_path / "log.jsonl",
        [
            {"id": "a", "sql": "INSERT INTO t SELECT x FROM s", "timestamp": "2024-01-01T00:00:00"},
            {
                "id": "b",
                "query": "insert into t select x from s",
                "timestamp": "2024-01-02T00:00:00",
            },
            {
                "id": "c",
                "sql": "INSERT INTO t SELECT x FROM s;",
                "timestamp": "2024-01-03T00:00:00",
            },
            {"id": "d", "sql": "SELECT 1", "dialect": "duckdb"},
        ],
    )
    batch = read_query_log(path, dialect="postgres")
    # "b" differs in case: a different text, kept; "c" differs only by its semicolon
    assert [q.query_id for q in batch.queries] == ["a", "b", "d"]
    assert batch.queries[0].dialect == "postgres" and batch.queries[2].dialect == "duckdb"
    later = read_query_log(path, since=datetime(2024, 1, 1, 12, tzinfo=UTC))
    assert [q.query_id for q in later.queries] == ["b", "c", "d"]


def test_generic_jsonl_requires_sql(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "log.jsonl", [{"id": "a", "text": "SELECT 1"}])
    with pytest.raises(QueryLogError, match=r"log.jsonl:1: no 'sql'"):
        read_query_log(path)


def test_query_hash_ignores_comments_and_spacing() -> None:
    assert query_hash("SELECT a\nFROM t -- why") == query_hash("SELECT a FROM t;")
    assert query_hash("SELECT a FROM t") != query_hash("SELECT b FROM t")


MANIFEST = {
    "metadata": {"adapter_type": "snowflake"},
    "sources": {
        "source.shop.raw.users": {
            "resource_type": "source",
            "relation_name": '"RAW"."SHOP"."USERS"',
            "columns": {"email": {"name": "email", "meta": {"pii": True}}, "id": {"name": "id"}},
            "meta": {"owner": "platform-team"},
        }
    },
    "nodes": {
        "model.shop.stg_users": {
            "resource_type": "model",
            "relation_name": '"ANALYTICS"."STG"."STG_USERS"',
            "config": {"materialized": "view", "meta": {"owner": "growth-team"}},
            "compiled_code": 'select id, lower(email) as email from "RAW"."SHOP"."USERS"',
            "columns": {},
        },
        "model.shop.eph": {
            "resource_type": "model",
            "config": {"materialized": "ephemeral"},
            "compiled_code": "select 1 as one",
        },
        "model.shop.not_compiled": {
            "resource_type": "model",
            "relation_name": '"ANALYTICS"."STG"."X"',
            "config": {"materialized": "table"},
        },
        "test.shop.unique_id": {"resource_type": "test", "compiled_code": "select 1"},
    },
}


def test_dbt_manifest_models_owners_and_tags(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(MANIFEST))
    project = read_dbt_manifest(path)
    assert project.dialect == "snowflake"
    assert [q.query_id for q in project.queries] == ["model.shop.stg_users"]
    assert project.queries[0].destination_table == "ANALYTICS.STG.STG_USERS"
    assert project.owners == {
        "RAW.SHOP.USERS": "platform-team",
        "ANALYTICS.STG.STG_USERS": "growth-team",
    }
    assert project.tags == {("RAW.SHOP.USERS", "email"): {"pii"}}
    assert project.report.skipped == {"ephemeral": 1, "not compiled": 1}
    [(_, result)] = lineage_of(project.queries, schema=project.schema)
    assert result.ok
    assert {(str(u), str(e.downstream)) for e in result.edges for u in e.upstreams} >= {
        ("RAW.SHOP.USERS.ID", "ANALYTICS.STG.STG_USERS.ID"),
        ("RAW.SHOP.USERS.EMAIL", "ANALYTICS.STG.STG_USERS.EMAIL"),
    }
    assert result.statements[0].edges[0].downstream == ColumnRef("ANALYTICS.STG.STG_USERS", "ID")


def test_not_a_manifest(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({"hello": 1}))
    with pytest.raises(QueryLogError, match="not a dbt manifest"):
        read_dbt_manifest(path)
