// /events/:name/diff?from=&to=: any two versions side by side, changes highlighted.
import { useQuery } from "@tanstack/react-query";
import { useId } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { PageHeader } from "../components/PageHeader";
import { ErrorPanel, Loading } from "../components/QueryState";
import { eventsApi } from "./api";
import { ChangeList } from "./builder/SaveDialog";
import { CLASSIFICATION_LABEL, formatWhen } from "./format";
import { ParamTree } from "./ParamTree";
import type { Change, EventVersion } from "./types";

export function DiffPage() {
  const { name = "" } = useParams();
  const [params, setParams] = useSearchParams();
  const versions = useQuery({
    queryKey: ["events", "versions", name],
    queryFn: ({ signal }) => eventsApi.versions(name, signal),
  });
  const list = versions.data ?? [];
  const from = params.get("from") ?? list[Math.max(0, list.length - 2)]?.version ?? "";
  const to = params.get("to") ?? list[list.length - 1]?.version ?? "";
  const diff = useQuery({
    queryKey: ["events", "diff", name, from, to],
    queryFn: ({ signal }) => eventsApi.diff(name, from, to, signal),
    enabled: Boolean(from && to),
  });
  const slug = encodeURIComponent(name);
  const choose = (key: "from" | "to", version: string) => {
    const next = new URLSearchParams(params);
    next.set("from", key === "from" ? version : from);
    next.set("to", key === "to" ? version : to);
    setParams(next);
  };

  return (
    <article className="page page-wide" data-testid="page-diff">
      <p className="breadcrumb small">
        <Link to="/events">Event dictionary</Link> <span aria-hidden="true">/</span>{" "}
        <Link to={`/events/${slug}`}>{name}</Link> <span aria-hidden="true">/</span>
      </p>
      <PageHeader title={`Compare versions of ${name}`} description="Pick any two versions." />
      {versions.isPending ? (
        <Loading label="Loading versions…" />
      ) : versions.isError ? (
        <ErrorPanel error={versions.error} title={`Cannot load the versions of ${name}`} />
      ) : (
        <>
          <div className="diff-pickers">
            <VersionPicker label="From" value={from} versions={list} onChange={(v) => choose("from", v)} />
            <span aria-hidden="true" className="diff-arrow">
              →
            </span>
            <VersionPicker label="To" value={to} versions={list} onChange={(v) => choose("to", v)} />
            <button
              type="button"
              onClick={() => {
                const next = new URLSearchParams(params);
                next.set("from", to);
                next.set("to", from);
                setParams(next);
              }}
            >
              Swap
            </button>
          </div>
          {diff.isPending ? (
            <Loading label="Comparing…" />
          ) : diff.isError ? (
            <ErrorPanel error={diff.error} title="Cannot compare these versions" />
          ) : (
            <>
              <section className="panel" aria-labelledby="diff-summary" data-testid="diff-summary">
                <h2 id="diff-summary">
                  {from} → {to}:{" "}
                  <span className={`impact impact-${diff.data.classification}`}>
                    {CLASSIFICATION_LABEL[diff.data.classification]}
                  </span>
                </h2>
                {diff.data.changes.length ? (
                  <ChangeList changes={diff.data.changes} />
                ) : (
                  <p className="muted">These versions define the same event.</p>
                )}
              </section>
              <SideBySide
                name={name}
                from={list.find((v) => v.version === from)}
                to={list.find((v) => v.version === to)}
                changes={diff.data.changes}
              />
            </>
          )}
        </>
      )}
    </article>
  );
}

function VersionPicker({
  label,
  value,
  versions,
  onChange,
}: {
  label: string;
  value: string;
  versions: EventVersion[];
  onChange: (version: string) => void;
}) {
  const id = useId();
  return (
    <div className="field field-inline">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value)}>
        {versions.map((v) => (
          <option key={v.version} value={v.version}>
            {v.version} · {v.author} · {formatWhen(v.created_at)}
          </option>
        ))}
      </select>
    </div>
  );
}

/** Marks for each side: a path removed or changed on the left, added or changed on the right. */
function marks(changes: Change[]): { left: Record<string, string>; right: Record<string, string> } {
  const left: Record<string, string> = {};
  const right: Record<string, string> = {};
  for (const c of changes) {
    if (!c.path.startsWith("params.")) continue;
    const path = c.path.slice("params.".length);
    if (c.kind === "param_removed") left[path] = "removed";
    else if (c.kind.endsWith("_added") && c.before == null) right[path] = "added";
    else if (c.kind === "param_renamed") {
      left[path] = "renamed";
      right[path.replace(/[^.]+$/, String(c.after))] = "renamed";
    } else {
      const target = path.replace(/\[\]$/, "");
      left[target] ??= c.impact === "breaking" ? "breaking" : "changed";
      right[target] ??= c.impact === "breaking" ? "breaking" : "changed";
    }
  }
  return { left, right };
}

function SideBySide({
  name,
  from,
  to,
  changes,
}: {
  name: string;
  from?: EventVersion;
  to?: EventVersion;
  changes: Change[];
}) {
  if (!from || !to) return null;
  const { left, right } = marks(changes);
  const changedFields = new Set(changes.filter((c) => !c.path.startsWith("params")).map((c) => c.path));
  return (
    <div className="side-by-side">
      {[
        { v: from, mark: left, side: "from" },
        { v: to, mark: right, side: "to" },
      ].map(({ v, mark, side }) => (
        <section key={side} className="panel" aria-labelledby={`diff-${side}`} data-testid={`diff-${side}`}>
          <h2 id={`diff-${side}`}>
            {name} <span className="version-badge">{v.version}</span>
          </h2>
          <p className="small muted">
            {v.author}, {formatWhen(v.created_at)}
            {v.message ? ` — ${v.message}` : ""}
          </p>
          <VersionFields version={v} changed={changedFields} />
          <ParamTree params={v.definition.params ?? []} highlight={mark} label={`Parameters in ${v.version}`} />
        </section>
      ))}
    </div>
  );
}

const EVENT_FIELDS = ["description", "owner", "service", "status", "tier", "tags"] as const;

/** The event's own fields in one version, those the diff changed marked. */
function VersionFields({ version, changed }: { version: EventVersion; changed: Set<string> }) {
  const d = version.definition;
  return (
    <dl className="version-fields">
      {EVENT_FIELDS.map((key) => {
        const value =
          key === "tags"
            ? (d.tags ?? []).join(", ")
            : key === "status"
              ? (d.status ?? "draft")
              : key === "tier"
                ? (d.tier ?? "normal")
                : (d[key] ?? "");
        return (
          <div key={key} style={{ display: "contents" }}>
            <dt>{key}</dt>
            <dd className={changed.has(key) ? "field-changed" : undefined} data-field={key}>
              {value || "—"}
            </dd>
          </div>
        );
      })}
    </dl>
  );
}
