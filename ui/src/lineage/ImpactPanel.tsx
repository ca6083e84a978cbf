// "What breaks if I drop or change this?": the columns and tables reached downstream,
// who owns them, and the queries that would fail or change.
import { useQuery } from "@tanstack/react-query";
import type { ApiError } from "../api";
import { ErrorPanel, Loading } from "../components/QueryState";
import { focusLabel, lineageApi, type Focus, type ImpactReport } from "./api";

function when(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toISOString().slice(0, 16).replace("T", " ");
}

export function ImpactPanel({
  focus,
  onSelect,
}: {
  focus: Focus;
  onSelect: (table: string, column: string | null) => void;
}) {
  const impact = useQuery<ImpactReport, ApiError>({
    queryKey: ["lineage", "impact", focus.table, focus.column],
    queryFn: ({ signal }) => lineageApi.impact(focus, signal),
  });
  const label = focusLabel(focus);
  return (
    <aside className="impact-panel" aria-labelledby="impact-title" data-testid="impact-panel">
      <h2 id="impact-title">
        Impact of {focus.column ? "changing" : "dropping"} <code>{label}</code>
      </h2>
      {impact.isPending ? <Loading label="Working out the impact…" /> : null}
      {impact.isError ? <ErrorPanel error={impact.error} title="Could not compute the impact" /> : null}
      {impact.isSuccess ? <ImpactBody report={impact.data} onSelect={onSelect} /> : null}
    </aside>
  );
}

/** Who ran the queries writing these tables: whom to ask when no owner is recorded. */
function writersOf(report: ImpactReport, tables: string[]): string[] {
  const users = new Set<string>();
  for (const table of report.tables) {
    if (tables.includes(table.name)) table.written_by.forEach((user) => users.add(user));
  }
  return [...users];
}

function ImpactBody({
  report,
  onSelect,
}: {
  report: ImpactReport;
  onSelect: (table: string, column: string | null) => void;
}) {
  if (report.columns.length === 0) {
    return <p className="muted">Nothing downstream reads it: no known query or table breaks.</p>;
  }
  const owners = report.owners.filter((o) => o.owner !== "(no owner)");
  const unowned = report.owners.find((o) => o.owner === "(no owner)");
  return (
    <>
      <p className="impact-summary" data-testid="impact-summary">
        <strong>{report.columns.length}</strong> column{report.columns.length === 1 ? "" : "s"} in{" "}
        <strong>{report.tables.length}</strong> table{report.tables.length === 1 ? "" : "s"},{" "}
        <strong>{report.queries.length}</strong> quer{report.queries.length === 1 ? "y" : "ies"}
        {report.pii ? (
          <>
            {" "}
            · <span className="pii-badge">PII</span> reaches some of them
          </>
        ) : null}
      </p>

      <div className="impact-body">
        <div>
          <h3 id="impact-owners">Owners to tell</h3>
          <ul className="impact-owners" aria-labelledby="impact-owners">
            {owners.map((o) => (
              <li key={o.owner}>
                <span className="owner-name">{o.owner}</span>
                <span className="muted small">{o.tables.join(", ")}</span>
              </li>
            ))}
            {unowned ? (
              <li className="muted">
                <span className="owner-name">No owner recorded</span>
                <span className="small">{unowned.tables.join(", ")}</span>
                {writersOf(report, unowned.tables).length ? (
                  <span className="small">
                    queries run by {writersOf(report, unowned.tables).join(", ")}
                  </span>
                ) : null}
              </li>
            ) : null}
          </ul>

          <h3 id="impact-columns">Affected columns</h3>
          <ul className="impact-columns" aria-labelledby="impact-columns">
            {report.columns.map((c) => (
              <li key={c.id}>
                <button
                  type="button"
                  className="link-button"
                  onClick={() => onSelect(c.table ?? "?", c.column)}
                  title={`Show ${c.id}`}
                >
                  <span className="muted">{c.table}.</span>
                  {c.column}
                </button>
                <span className={`flow flow-${c.direct ? "direct" : "indirect"}`}>
                  {c.direct ? "value" : "influence"}
                </span>
                {c.pii ? <span className="pii-badge">PII</span> : null}
                <span className="muted small">
                  {c.depth} step{c.depth === 1 ? "" : "s"}
                </span>
              </li>
            ))}
          </ul>
        </div>
        <div>
          <h3 id="impact-queries">Queries that read it</h3>
          <ul className="impact-queries" aria-labelledby="impact-queries">
            {report.queries.map((q) => (
              <li key={q.id}>
                <div className="query-head">
                  <strong>{q.query_id}</strong>
                  <span className="muted small">
                    {q.user ?? "unknown user"} · {when(q.last_seen)} · {q.runs} run{q.runs === 1 ? "" : "s"}
                  </span>
                </div>
                <pre className="query-sql">{q.sql}</pre>
              </li>
            ))}
          </ul>
        </div>
      </div>
    </>
  );
}
