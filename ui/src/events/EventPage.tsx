// /events/:name: what an event means, who owns it, what it carries, how it changed, its files.
import { useQuery } from "@tanstack/react-query";
import { Link, useLocation, useParams } from "react-router";
import { PageHeader } from "../components/PageHeader";
import { ErrorPanel, Loading } from "../components/QueryState";
import { RequireRole } from "../components/RequireRole";
import { usePageTitle } from "../hooks";
import { eventsApi } from "./api";
import { ExportTabs } from "./ExportPanel";
import { ParamTree } from "./ParamTree";
import { VersionHistory } from "./VersionHistory";
import { VolumePanel } from "./VolumePanel";
import type { EventDetail } from "./types";

export function EventPage() {
  const { name = "" } = useParams();
  const event = useQuery({
    queryKey: ["events", "event", name],
    queryFn: ({ signal }) => eventsApi.get(name, signal),
  });
  usePageTitle(name);

  if (event.isPending) return <Loading label={`Loading ${name}…`} />;
  if (event.isError) {
    return (
      <article className="page">
        <ErrorPanel error={event.error} title={`Cannot show ${name}`} />
        <p>
          <Link to="/events">← Back to the dictionary</Link>
        </p>
      </article>
    );
  }
  return <EventView event={event.data} />;
}

function EventView({ event }: { event: EventDetail }) {
  const d = event.definition;
  const location = useLocation();
  const saved = (location.state as { saved?: string } | null)?.saved;
  const slug = encodeURIComponent(event.name);
  const versions = event.versions;
  const previous = versions.length > 1 ? (versions[versions.length - 2]?.version ?? null) : null;
  return (
    <article className="page page-wide" data-testid="page-event">
      <p className="breadcrumb small">
        <Link to="/events">Event dictionary</Link> <span aria-hidden="true">/</span>
      </p>
      <PageHeader
        title={event.name}
        description={d.description || "No description yet."}
        actions={
          <>
            {previous ? (
              <Link className="button" to={`/events/${slug}/diff?from=${previous}&to=${event.version}`}>
                Compare versions
              </Link>
            ) : null}
            <RequireRole minimum="editor">
              <Link className="button primary" to={`/events/${slug}/edit`}>
                Edit event
              </Link>
            </RequireRole>
          </>
        }
      />
      {saved ? (
        <p className="banner banner-ok" role="status" data-testid="saved-banner">
          ✓ {saved}
        </p>
      ) : null}
      <dl className="facts">
        <div>
          <dt>Version</dt>
          <dd>
            <span className="version-badge">{event.version}</span>
          </dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd>
            <span className={`status status-${d.status ?? "draft"}`}>{d.status ?? "draft"}</span>
          </dd>
        </div>
        <div>
          <dt>Owner</dt>
          <dd>{d.owner || "—"}</dd>
        </div>
        <div>
          <dt>Service</dt>
          <dd>{d.service || "—"}</dd>
        </div>
        <div>
          <dt>Tier</dt>
          <dd>{d.tier ?? "normal"}</dd>
        </div>
        <div>
          <dt>Tags</dt>
          <dd>
            {d.tags?.length ? (
              d.tags.map((tag) => (
                <Link key={tag} className="tag" to={`/events?tag=${encodeURIComponent(tag)}`}>
                  {tag}
                </Link>
              ))
            ) : (
              "—"
            )}
          </dd>
        </div>
      </dl>

      <div className="event-columns">
        <section aria-labelledby="params-title" className="panel">
          <h2 id="params-title">Parameters</h2>
          <ParamTree params={d.params ?? []} />
        </section>
        <div className="event-side">
          <VolumePanel name={event.name} />
          <section aria-labelledby="history-title" className="panel">
            <h2 id="history-title">Version history</h2>
            <VersionHistory name={event.name} current={event.version} />
          </section>
        </div>
      </div>

      <section aria-labelledby="exports-title" className="panel">
        <h2 id="exports-title">Generated schemas</h2>
        <p className="muted small">
          Spark StructType JSON, BigQuery table schema and JSON Schema 2020-12 of version{" "}
          {event.version}, exactly as the registry writes them to Git.
        </p>
        <ExportTabs
          label="Export format"
          queryKey={["events", "export", event.name, event.version]}
          load={(format, signal) => eventsApi.exportText(event.name, format, event.version, signal)}
          filename={(format) => `${event.name}-${event.version}-${format}.json`}
        />
      </section>
    </article>
  );
}
