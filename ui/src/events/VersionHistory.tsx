// Every version, newest first: number, kind of change, who, when, the message and each change.
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { ErrorPanel, Loading } from "../components/QueryState";
import { eventsApi } from "./api";
import { CLASSIFICATION_LABEL, formatAgo, formatWhen } from "./format";

export function VersionHistory({ name, current }: { name: string; current: string }) {
  const versions = useQuery({
    queryKey: ["events", "versions", name, current],
    queryFn: ({ signal }) => eventsApi.versions(name, signal),
  });
  if (versions.isPending) return <Loading label="Loading versions…" />;
  if (versions.isError) return <ErrorPanel error={versions.error} title="Cannot load the versions" />;
  const list = [...versions.data].reverse();
  const slug = encodeURIComponent(name);
  return (
    <ol className="history" aria-label="Versions, newest first" data-testid="version-history">
      {list.map((v, index) => {
        const first = index === list.length - 1;
        const before = list[index + 1]?.version;
        return (
          <li key={v.version} className="history-item">
            <div className="history-head">
              <span className="version-badge">{v.version}</span>
              <span className={`impact impact-${first ? "created" : v.classification}`}>
                {first ? "Created" : CLASSIFICATION_LABEL[v.classification]}
              </span>
              {v.version === current ? <span className="muted small">current</span> : null}
            </div>
            <p className="small">
              <strong>{v.author}</strong>{" "}
              <span className="muted" title={formatWhen(v.created_at)}>
                {formatAgo(v.created_at)}
              </span>
              {v.message ? <> — {v.message}</> : null}
            </p>
            {v.changes.length ? (
              <ul className="change-lines small">
                {v.changes.map((c, i) => (
                  <li key={i} className={`impact-text-${c.impact}`}>
                    {c.message}
                  </li>
                ))}
              </ul>
            ) : null}
            {before ? (
              <Link className="small" to={`/events/${slug}/diff?from=${before}&to=${v.version}`}>
                Diff with {before}
              </Link>
            ) : null}
          </li>
        );
      })}
    </ol>
  );
}
