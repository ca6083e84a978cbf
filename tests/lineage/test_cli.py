"""``loam lineage …`` as a user runs it: a real process, its output and exit code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

LOAM = [sys.executable, "-m", "loam.cli"]
LOG = [
    {
        "id": "etl-stg",
        "user": "etl@shop.io",
        "timestamp": "2024-06-01T02:00:00Z",
        "sql": "CREATE TABLE stg.buyers AS SELECT id, LOWER(email) AS email, country "
        "FROM raw.buyers WHERE NOT deleted",
    },
    {
        "id": "etl-mart",
        "user": "etl@shop.io",
        "timestamp": "2024-06-01T03:00:00Z",
        "sql": "CREATE TABLE mart.countries AS SELECT country, COUNT(DISTINCT email) AS buyers "
        "FROM stg.buyers GROUP BY country",
    },
]


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOAM_")}
    env["COLUMNS"] = "200"
    return subprocess.run(
        [*LOAM, "lineage", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        input=stdin,
    )


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli")
    log = folder / "queries.jsonl"
    log.write_text("\n".join(json.dumps(r) for r in LOG) + "\n")
    ws = folder / "ws"
    done = run("ingest", "query-log", str(log), "-w", str(ws), "--default-db", "shop", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["kept"] == 2 and report["edges"] > 0 and report["failed"] == 0
    assert run("owner", "mart.countries", "bi@shop.io", "-w", str(ws)).returncode == 0
    return ws


def test_impact_lists_columns_owners_and_queries(workspace: Path) -> None:
    done = run("impact", "raw.buyers.email", "-w", str(workspace))
    assert done.returncode == 0, done.stderr
    assert "shop.stg.buyers.email" in done.stdout
    assert "shop.mart.countries.buyers" in done.stdout
    assert "bi@shop.io" in done.stdout and "etl-mart" in done.stdout

    data = json.loads(run("impact", "shop.raw.buyers.email", "-w", str(workspace), "--json").stdout)
    assert [c["id"] for c in data["columns"]] == [
        "shop.stg.buyers.email",
        "shop.mart.countries.buyers",
    ]
    assert {o["owner"] for o in data["owners"]} == {"bi@shop.io", "(no owner)"}
    assert sorted(q["query_id"] for q in data["queries"]) == ["etl-mart", "etl-stg"]
    # No owner recorded for stg.buyers: whoever runs the queries writing it is named.
    written = {t["name"]: t["written_by"] for t in data["tables"]}
    assert written["shop.stg.buyers"] == ["etl@shop.io"]
    assert "etl@shop.io" in done.stdout


def test_upstream_tree_and_downstream_json(workspace: Path) -> None:
    tree = run("upstream", "mart.countries.buyers", "-w", str(workspace))
    assert tree.returncode == 0, tree.stderr
    lines = tree.stdout.splitlines()
    assert lines[0].startswith("shop.mart.countries.buyers upstream")
    assert any("shop.stg.buyers.email" in line for line in lines)
    assert any("shop.raw.buyers.email" in line for line in lines)

    down = json.loads(
        run("downstream", "raw.buyers", "-w", str(workspace), "--json", "-d", "1").stdout
    )
    assert {c["id"] for c in down["columns"]} == {
        "shop.stg.buyers.id",
        "shop.stg.buyers.email",
        "shop.stg.buyers.country",
    }


def test_tag_pii_shows_where_it_travels(workspace: Path) -> None:
    done = run("tag", "raw.buyers.email", "pii", "-w", str(workspace))
    assert done.returncode == 0, done.stderr
    assert "pii set on shop.raw.buyers.email" in done.stdout
    listed = json.loads(run("tag", "--tag", "pii", "-w", str(workspace), "--json").stdout)
    assert {row["id"]: bool(row["set_here"]) for row in listed} == {
        "shop.raw.buyers.email": True,
        "shop.stg.buyers.email": False,
        "shop.mart.countries.buyers": False,
    }


def test_extract_prints_edges_without_a_workspace(tmp_path: Path) -> None:
    sql = tmp_path / "model.sql"
    sql.write_text("INSERT INTO mart.t SELECT a + b AS c FROM raw.s WHERE d > 0")
    done = run("extract", str(sql), "--json")
    assert done.returncode == 0, done.stderr
    edges = {
        (e["downstream"], e["kind"], tuple(e["upstreams"]))
        for e in json.loads(done.stdout)["edges"]
    }
    assert ("mart.t.c", "DIRECT", ("raw.s.a", "raw.s.b")) in edges
    assert ("mart.t.c", "INDIRECT", ("raw.s.d",)) in edges
    table = run("extract", "-", stdin="CREATE VIEW v AS SELECT x FROM t")
    assert "v.x" in table.stdout and "DIRECT identity" in table.stdout


def test_errors_are_one_clear_line(workspace: Path, tmp_path: Path) -> None:
    unknown = run("impact", "raw.buyers.phone", "-w", str(workspace))
    assert unknown.returncode == 2
    assert unknown.stderr.strip().splitlines() == [
        "error: column 'phone' is not in table shop.raw.buyers (its columns: country, deleted, "
        "email, id)"
    ]
    missing = run("ingest", "query-log", str(tmp_path / "nope.jsonl"), "-w", str(workspace))
    assert missing.returncode == 2
    assert missing.stderr.strip() == f"error: query log {tmp_path / 'nope.jsonl'} does not exist"
    kind = run("ingest", "kafka", "-w", str(workspace))
    assert kind.returncode == 2 and "unknown source 'kafka'" in kind.stderr
    bad = run("extract", "SELEC FROM (((")
    assert bad.returncode == 1 and "not parsed" in bad.stderr


def test_owners_from_a_file(workspace: Path, tmp_path: Path) -> None:
    owners = tmp_path / "owners.csv"
    owners.write_text("table,owner\nstg.buyers,data-eng@shop.io\nmart.future,bi@shop.io\n")
    done = run("owner", "--file", str(owners), "-w", str(workspace))
    assert done.returncode == 0, done.stderr
    assert "shop.stg.buyers is owned by data-eng@shop.io" in done.stdout
    assert "mart.future is not in the store yet" in done.stderr
    listed = run("owner", "-w", str(workspace)).stdout
    assert "data-eng@shop.io" in listed and "mart.future" in listed
    bad = tmp_path / "owners.json"
    bad.write_text("[1, 2]")
    wrong = run("owner", "--file", str(bad), "-w", str(workspace))
    assert wrong.returncode == 2 and "expected an object" in wrong.stderr
