// /lineage: pick a table or column, see the graph around it and what a change breaks.
import { useQuery } from "@tanstack/react-query";
import { useCallback } from "react";
import { useSearchParams } from "react-router";
import type { ApiError } from "../api";
import { PageHeader } from "../components/PageHeader";
import { ErrorPanel, Loading } from "../components/QueryState";
import {
  focusLabel,
  lineageApi,
  type Direction,
  type Focus,
  type LineageGraphData,
  type LineageSummary,
} from "./api";
import { ImpactPanel } from "./ImpactPanel";
import { LineageGraph } from "./LineageGraph";
import { NodeSearch } from "./NodeSearch";
import "./lineage.css";

const DEPTHS = [1, 2, 3, 4, 6];
const DIRECTIONS: { value: Direction; label: string }[] = [
  { value: "both", label: "Both ways" },
  { value: "upstream", label: "Upstream" },
  { value: "downstream", label: "Downstream" },
];

export function LineagePage() {
  const [params, setParams] = useSearchParams();
  const table = params.get("table");
  const focus: Focus | null = table ? { table, column: params.get("column") } : null;
  const depth = Number(params.get("depth") ?? 2) || 2;
  const direction = (params.get("direction") as Direction | null) ?? "both";

  const select = useCallback(
    (nextTable: string, column: string | null) => {
      setParams((current) => {
        const next = new URLSearchParams(current);
        next.set("table", nextTable);
        if (column) next.set("column", column);
        else next.delete("column");
        return next;
      });
    },
    [setParams],
  );
  const setOption = (key: string, value: string) =>
    setParams((current) => {
      const next = new URLSearchParams(current);
      next.set(key, value);
      return next;
    });

  return (
    <article className="page page-wide" data-testid="page-lineage">
      <PageHeader
        title="Lineage"
        description="Where every column comes from and what breaks if it changes, worked out from the SQL your warehouse runs."
      />
      <div className="lineage-toolbar">
        <NodeSearch current={focus ? focusLabel(focus) : ""} onPick={(hit) => select(hit.table, hit.column)} />
        <label className="lineage-control">
          Direction
          <select value={direction} onChange={(e) => setOption("direction", e.target.value)}>
            {DIRECTIONS.map((d) => (
              <option key={d.value} value={d.value}>
                {d.label}
              </option>
            ))}
          </select>
        </label>
        <label className="lineage-control">
          Depth
          <select value={depth} onChange={(e) => setOption("depth", e.target.value)}>
            {DEPTHS.map((d) => (
              <option key={d} value={d}>
                {d} step{d === 1 ? "" : "s"}
              </option>
            ))}
          </select>
        </label>
        <Legend />
      </div>
      {focus ? (
        <FocusView focus={focus} depth={depth} direction={direction} onSelect={select} />
      ) : (
        <EmptyState onSelect={select} />
      )}
    </article>
  );
}

function Legend() {
  return (
    <ul className="lineage-legend" aria-label="Legend">
      <li>
        <svg width="34" height="10" aria-hidden="true">
          <line x1="0" y1="5" x2="34" y2="5" className="legend-direct" />
        </svg>
        value flows (DIRECT)
      </li>
      <li>
        <svg width="34" height="10" aria-hidden="true">
          <line x1="0" y1="5" x2="34" y2="5" className="legend-indirect" />
        </svg>
        influences (INDIRECT)
      </li>
      <li>
        <span className="pii-badge">PII</span> personal data
      </li>
    </ul>
  );
}

function FocusView({
  focus,
  depth,
  direction,
  onSelect,
}: {
  focus: Focus;
  depth: number;
  direction: Direction;
  onSelect: (table: string, column: string | null) => void;
}) {
  const graph = useQuery<LineageGraphData, ApiError>({
    queryKey: ["lineage", "graph", focus.table, focus.column, depth, direction],
    queryFn: ({ signal }) => lineageApi.graph(focus, depth, direction, signal),
    placeholderData: (previous) => previous,
  });
  return (
    <div className="lineage-layout">
      <section className="lineage-main" aria-labelledby="lineage-graph-title">
        <h2 id="lineage-graph-title" className="lineage-graph-title">
          Around <code>{focusLabel(focus)}</code>
          {graph.isFetching && !graph.isPending ? <span className="muted small"> updating…</span> : null}
        </h2>
        {graph.isPending ? <Loading label="Drawing the lineage…" /> : null}
        {graph.isError ? <ErrorPanel error={graph.error} title="Could not load the lineage" /> : null}
        {graph.isSuccess ? (
          <>
            {graph.data.truncated ? (
              <p className="hint">Showing the nearest columns only: lower the depth to see everything.</p>
            ) : null}
            {graph.data.edges.length === 0 ? (
              <p className="hint">No query reads or writes this yet.</p>
            ) : null}
            <LineageGraph data={graph.data} onSelect={onSelect} />
          </>
        ) : null}
      </section>
      {/* A name the store does not know has no impact to show: one error is enough. */}
      {graph.isError ? null : <ImpactPanel focus={focus} onSelect={onSelect} />}
    </div>
  );
}

function EmptyState({ onSelect }: { onSelect: (table: string, column: string | null) => void }) {
  const summary = useQuery<LineageSummary, ApiError>({
    queryKey: ["lineage", "summary"],
    queryFn: ({ signal }) => lineageApi.summary(signal),
  });
  if (summary.isPending) return <Loading />;
  if (summary.isError) return <ErrorPanel error={summary.error} />;
  const { counts } = summary.data;
  if (!counts.edges) {
    return (
      <section className="notice" aria-labelledby="lineage-empty">
        <h2 id="lineage-empty">No lineage yet</h2>
        <p>Load a query log, a BigQuery JOBS export or a dbt manifest, then come back:</p>
        <pre className="query-sql">loam lineage ingest query-log queries.jsonl</pre>
      </section>
    );
  }
  return (
    <section className="notice" aria-labelledby="lineage-start">
      <h2 id="lineage-start">Pick a table or column</h2>
      <p>
        The store knows <strong>{counts.columns}</strong> columns linked by <strong>{counts.edges}</strong> edges
        from <strong>{counts.queries}</strong> queries. Search above to draw the graph around one, or
        start from a table many columns are computed into:
      </p>
      <ul className="start-tables" aria-label="Tables to start from">
        {summary.data.busiest_tables.map((t) => (
          <li key={t.table}>
            <button type="button" className="link-button" onClick={() => onSelect(t.table, null)}>
              {t.table}
            </button>
            <span className="muted small">
              {t.edges} edges{t.owner ? ` · ${t.owner}` : ""}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
