"""Accuracy of loam.lineage against two peers' public test suites.

    .venv/bin/python bench/lineage_accuracy.py [--failures]

Prints edge precision, recall, F1 and exact-match rate per corpus (see
``../shared/eval/lineage/README.md``). Each corpus encodes its own tool's policy;
the adapters below map Loam's edge model onto that policy. The engine is the
same for both:

* DataHub goldens: only columns inside projected expressions make edges (our
  DIRECT edges plus the INDIRECT window/conditional ones; join, filter and
  group-by influences are dropped), upstreams that could not be tied to a table
  or that stand for "all columns" (``*``) are dropped, MERGE columns that could
  only be matched by name through an unexpanded ``SELECT *`` are dropped (DataHub
  maps a MERGE from its USING query's own output columns), and names compare
  lower-cased with the default db/schema applied; an unaliased expression is
  named by its qualified SQL text, as DataHub names it.
* sqllineage: the same projected edges, composed across the statements of a
  script into end-to-end source -> target pairs (intermediate tables and views
  drop out), unresolved columns kept with a null qualifier, ``*`` kept, and
  expression names compared lower-cased without whitespace or quotes.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loam.lineage import ColumnEdge, QueryLineage, StatementType, extract
from loam.lineage.graph import LineageGraph
from loam.lineage.walk import THROUGH_STAR

EVAL_DIR = Path(
    os.environ.get(
        "LOAM_LINEAGE_EVAL_DIR",
        Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "lineage",
    )
)
_URN_RE = re.compile(r"urn:li:dataset:\(urn:li:dataPlatform:[^,]+,(?P<name>.+),[A-Z]+\)$")

Node = tuple[str | None, str]
Pair = tuple[Node, Node]


@dataclass
class Score:
    corpus: str
    cases: int = 0
    exact: int = 0
    true_pos: int = 0
    predicted: int = 0
    expected: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)

    def add(self, case_id: str, predicted: set[Any], expected: set[Any]) -> None:
        self.cases += 1
        self.predicted += len(predicted)
        self.expected += len(expected)
        self.true_pos += len(predicted & expected)
        if predicted == expected:
            self.exact += 1
        else:
            self.failures.append(
                {
                    "id": case_id,
                    "missing": sorted(map(str, expected - predicted)),
                    "extra": sorted(map(str, predicted - expected)),
                }
            )

    @property
    def precision(self) -> float:
        return self.true_pos / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.true_pos / self.expected if self.expected else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def exact_rate(self) -> float:
        return self.exact / self.cases if self.cases else 0.0


def load(name: str) -> list[dict[str, Any]]:
    return _load_path(EVAL_DIR / name)


def _load_path(path: Path) -> list[dict[str, Any]]:
    with path.open() as handle:
        return [json.loads(line) for line in handle if line.strip()]


def projected(edges: Iterable[ColumnEdge]) -> Iterable[ColumnEdge]:
    return (e for e in edges if e.subkind.in_projection)


# -- DataHub ------------------------------------------------------------------
def _urn_name(urn: str, instance: str | None) -> str:
    match = _URN_RE.match(urn)
    name = match.group("name") if match else urn
    if instance and name.lower().startswith(instance.lower() + "."):
        name = name[len(instance) + 1 :]
    return name


_PLAIN_NAME = re.compile(r"[\w.$#@-]+")


def _datahub_column_name(edge: ColumnEdge) -> str:
    """DataHub names an unaliased projected expression by its qualified SQL text."""
    name = edge.downstream.column
    if not _PLAIN_NAME.fullmatch(name):
        name = edge.expression
    return re.sub(r"[\"`]", "", name).lower()


def datahub_edges(result: QueryLineage) -> set[Pair]:
    pairs: set[Pair] = set()
    for statement in result.statements:
        merge = statement.statement_type is StatementType.MERGE
        for edge in projected(statement.edges):
            if merge and edge.confidence <= THROUGH_STAR:
                continue
            down = edge.downstream
            for up in edge.upstreams:
                if up.table is None or up.column == "*" or down.column == "*":
                    continue
                pairs.add(
                    (
                        (up.table.lower(), up.column.lower()),
                        (down.table.lower() if down.table else None, _datahub_column_name(edge)),
                    )
                )
    return pairs


def _datahub_expectations(row: dict[str, Any]) -> tuple[list[Any], list[str], list[str]]:
    """Edges and tables a golden expects: the corpus's derived view, or from the golden itself."""
    if "derived_edges" in row:
        return row["derived_edges"], row["derived_in_tables"], row["derived_out_tables"]
    golden = row["expected"]
    edges = []
    for lineage in golden.get("column_lineage") or []:
        down = lineage["downstream"]
        table = _urn_name(down["table"], None) if down.get("table") else None
        for up in lineage["upstreams"]:
            edges.append(
                [
                    {"table": _urn_name(up["table"], None), "column": up["column"]},
                    {"table": table, "column": down["column"]},
                ]
            )
    ins = [_urn_name(u, None) for u in golden.get("in_tables") or []]
    outs = [_urn_name(u, None) for u in golden.get("out_tables") or []]
    return edges, ins, outs


def score_datahub(rows: list[dict[str, Any]]) -> tuple[Score, Score]:
    edges, tables = Score("datahub goldens (edges)"), Score("datahub goldens (tables)")
    for row in rows:
        instance = (row.get("options") or {}).get("platform_instance")
        schema = {_urn_name(urn, instance): cols for urn, cols in (row.get("schema") or {}).items()}
        result = extract(
            row["sql"],
            dialect=row["dialect"],
            default_db=row.get("default_db"),
            default_schema=row.get("default_schema"),
            schema=schema or None,
        )

        def strip(name: str, instance: str | None = instance) -> str:
            if instance and name.lower().startswith(instance.lower() + "."):
                return name[len(instance) + 1 :]
            return name

        want_edges, want_in, want_out = _datahub_expectations(row)
        expected = {
            (
                (strip(src["table"]).lower(), src["column"].lower()),
                (
                    strip(dst["table"]).lower() if dst["table"] else None,
                    re.sub(r"[\"`]", "", dst["column"]).lower(),
                ),
            )
            for src, dst in want_edges
        }
        edges.add(row["id"], datahub_edges(result), expected)
        want = {("in", strip(t).lower()) for t in want_in} | {
            ("out", strip(t).lower()) for t in want_out
        }
        got = {("in", t.lower()) for t in result.in_tables} | {
            ("out", t.lower()) for t in result.out_tables
        }
        tables.add(row["id"], got, want)
    return edges, tables


# -- sqllineage ---------------------------------------------------------------
def _clean(name: str) -> str:
    return re.sub(r"[\s\"`\[\]]", "", name).lower()


def end_to_end(result: QueryLineage) -> set[Pair]:
    """sqllineage's view: pairs from nodes nothing feeds to nodes that feed nothing."""
    graph = LineageGraph()
    for edge in projected(result.edges):
        graph.add_edge(edge)
    pairs: set[Pair] = set()
    for sink in graph.sinks():
        for source in graph.sources_of(sink):
            pairs.add(((source.table, source.column), (sink.table, sink.column)))
    return pairs


def _norm_pair(pair: Pair) -> Pair:
    (st, sc), (tt, tc) = pair
    return ((st.lower() if st else None, _clean(sc)), (tt.lower() if tt else None, _clean(tc)))


def score_sqllineage_columns(rows: list[dict[str, Any]]) -> Score:
    score = Score("sqllineage column cases")
    for row in rows:
        result = extract(row["sql"], dialect=row["dialect"], schema=row.get("schema"))
        predicted = {_norm_pair(p) for p in end_to_end(result) if p[1][0] is not None}
        expected = {
            _norm_pair(((s["qualifier"], s["column"]), (t["qualifier"], t["column"])))
            for s, t in row["expected"]
        }
        score.add(row["id"], predicted, expected)
    return score


def score_sqllineage_tables(rows: list[dict[str, Any]]) -> Score:
    score = Score("sqllineage table cases (bonus)")
    for row in rows:
        result = extract(row["sql"], dialect=row["dialect"])
        reads = {t.lower() for s in result.statements for t in s.in_tables}
        writes = {t.lower() for s in result.statements for t in s.out_tables}
        intermediate = reads & writes if len(result.statements) > 1 else set()
        got = {("source", t) for t in reads - intermediate} | {
            ("target", t) for t in writes - intermediate
        }
        want = set()
        for kind, key in (("source", "source_tables"), ("target", "target_tables")):
            for table in row["expected"][key]:
                name = str(next(iter(table.values()))) if isinstance(table, dict) else table
                want.add((kind, name.lower()))
        score.add(row["id"], got, want)
    return score


def run() -> list[Score]:
    datahub_edges_score, datahub_tables = score_datahub(load("datahub_sqlglot_lineage.jsonl"))
    return [
        datahub_edges_score,
        score_sqllineage_columns(load("sqllineage_column.jsonl")),
        datahub_tables,
        score_sqllineage_tables(load("sqllineage_table.jsonl")),
    ]


def print_table(scores: list[Score]) -> None:
    print(f"{'corpus':<34} {'cases':>5} {'exact':>7} {'P':>6} {'R':>6} {'F1':>6}")
    for s in scores:
        print(
            f"{s.corpus:<34} {s.cases:>5} {s.exact_rate:>7.1%} "
            f"{s.precision:>6.3f} {s.recall:>6.3f} {s.f1:>6.3f}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failures", action="store_true", help="list every case that differs")
    parser.add_argument("--datahub", type=Path, help="score another file in DataHub's format")
    parser.add_argument(
        "--sqllineage", type=Path, help="score another file in sqllineage's column format"
    )
    args = parser.parse_args(argv)
    if args.datahub or args.sqllineage:
        scores = []
        if args.datahub:
            scores.extend(score_datahub(_load_path(args.datahub)))
        if args.sqllineage:
            scores.append(score_sqllineage_columns(_load_path(args.sqllineage)))
    elif not EVAL_DIR.exists():
        print(f"evaluation corpus not found at {EVAL_DIR} (set LOAM_LINEAGE_EVAL_DIR)")
        return 2
    else:
        scores = run()
    print_table(scores)
    if args.failures:
        for s in scores[:2]:
            for failure in s.failures:
                print(json.dumps(failure))
    return 0


if __name__ == "__main__":
    sys.exit(main())
