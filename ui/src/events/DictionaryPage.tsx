// /events: the dictionary. Search as you type, filter by team, service, status and tag;
// the search and the filters live in the URL so a link shows the same list.
import { keepPreviousData, useQuery, type UseQueryResult } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { PageHeader } from "../components/PageHeader";
import { ErrorPanel, Loading } from "../components/QueryState";
import { RequireRole } from "../components/RequireRole";
import { eventsApi, type DictionaryFilters } from "./api";
import { FacetFilter, type FacetKey } from "./FacetFilter";
import { formatAgo, formatWhen } from "./format";
import { useDebounced } from "./hooks";
import type { EventSummary, SearchResult } from "./types";

const FILTER_PARAMS: { key: FacetKey; param: keyof DictionaryFilters; label: string }[] = [
  { key: "teams", param: "team", label: "Team" },
  { key: "services", param: "service", label: "Service" },
  { key: "statuses", param: "status", label: "Status" },
  { key: "tags", param: "tag", label: "Tag" },
];

const MATCHED_LABEL: Record<string, string> = {
  name: "name",
  description: "description",
  param: "parameters",
  param_description: "parameter descriptions",
  owner: "owner",
  service: "service",
  tag: "tags",
};

function filtersFrom(params: URLSearchParams): DictionaryFilters {
  const out: DictionaryFilters = { q: params.get("q") ?? "" };
  for (const { param } of FILTER_PARAMS) {
    const value = params.get(param);
    if (value) (out as unknown as Record<string, string>)[param] = value;
  }
  return out;
}

export function DictionaryPage() {
  const [params, setParams] = useSearchParams();
  const filters = filtersFrom(params);
  const [text, setText] = useState(filters.q);
  const typed = useDebounced(text, 250);
  const searchId = useId();

  // The back button or a link changes the URL: the box follows it (but not our own writes,
  // which would drop letters typed since).
  const written = useRef(filters.q);
  useEffect(() => {
    const q = params.get("q") ?? "";
    if (q !== written.current) {
      written.current = q;
      setText(q);
    }
  }, [params]);

  // Typing changes the URL once it settles; one history entry per search, not per letter.
  useEffect(() => {
    const current = params.get("q") ?? "";
    if (typed === current) return;
    const next = new URLSearchParams(params);
    if (typed) next.set("q", typed);
    else next.delete("q");
    written.current = typed;
    setParams(next, { replace: current !== "" && typed !== "" });
    // Only a settled change of the box writes the URL (params are read, not watched).
  }, [typed]);

  const setFilter = (param: keyof DictionaryFilters, value: string | null) => {
    const next = new URLSearchParams(params);
    if (value) next.set(param, value);
    else next.delete(param);
    setParams(next);
  };

  const results = useQuery({
    queryKey: ["events", "search", filters],
    queryFn: ({ signal }) => eventsApi.search(filters, signal),
    placeholderData: keepPreviousData,
  });
  const facets = useQuery({
    queryKey: ["events", "facets", filters],
    queryFn: ({ signal }) => eventsApi.facets(filters, signal),
    placeholderData: keepPreviousData,
  });

  const active = FILTER_PARAMS.filter(({ param }) => filters[param]);
  const total = facets.data?.total;

  return (
    <article className="page page-wide" data-testid="page-events">
      <PageHeader
        title="Event dictionary"
        description="Every event the apps send: what it means, who owns it and what it carries."
        actions={
          <RequireRole minimum="editor">
            <Link className="button primary" to="/events/new">
              New event
            </Link>
          </RequireRole>
        }
      />
      <div className="dictionary">
        <aside className="facets" aria-label="Filters">
          {facets.isError ? (
            <ErrorPanel error={facets.error} title="Filters unavailable" />
          ) : facets.data ? (
            FILTER_PARAMS.map(({ key, param, label }) => (
              <FacetFilter
                key={key}
                label={label}
                counts={facets.data[key]}
                selected={filters[param] ?? null}
                onSelect={(value) => setFilter(param, value)}
              />
            ))
          ) : (
            <Loading label="Loading filters…" />
          )}
        </aside>
        <section className="results" aria-labelledby={`${searchId}-count`}>
          <div className="search-box">
            <label htmlFor={searchId} className="visually-hidden">
              Search events
            </label>
            <svg aria-hidden="true" viewBox="0 0 20 20" width="16" height="16">
              <path
                d="M8.5 2a6.5 6.5 0 0 1 5.2 10.4l4 4-1.3 1.3-4-4A6.5 6.5 0 1 1 8.5 2Zm0 2a4.5 4.5 0 1 0 0 9 4.5 4.5 0 0 0 0-9Z"
                fill="currentColor"
              />
            </svg>
            <input
              id={searchId}
              type="search"
              placeholder="Search names, descriptions, parameters, owners, tags…"
              value={text}
              autoComplete="off"
              spellCheck={false}
              onChange={(event) => setText(event.target.value)}
              data-testid="event-search"
            />
          </div>
          <div className="results-bar">
            <p id={`${searchId}-count`} className="muted small" role="status" aria-live="polite">
              {results.isFetching && !results.data
                ? "Searching…"
                : total !== undefined
                  ? `${total} event${total === 1 ? "" : "s"}${filters.q ? ` matching “${filters.q}”` : ""}${
                      results.data && total > results.data.events.length
                        ? ` (the best ${results.data.events.length} shown: narrow the search to see the rest)`
                        : ""
                    }`
                  : ""}
            </p>
            {active.length ? (
              <ul className="chips" aria-label="Active filters">
                {active.map(({ param, label }) => (
                  <li key={param}>
                    <button
                      type="button"
                      className="chip"
                      onClick={() => setFilter(param, null)}
                      aria-label={`Remove filter ${label}: ${filters[param]}`}
                    >
                      {label}: {filters[param]} <span aria-hidden="true">×</span>
                    </button>
                  </li>
                ))}
              </ul>
            ) : null}
          </div>
          <ResultList
            query={results}
            hasFilters={Boolean(filters.q || active.length)}
            onClear={() => {
              setText("");
              setParams(new URLSearchParams());
            }}
          />
        </section>
      </div>
    </article>
  );
}

function ResultList({
  query,
  hasFilters,
  onClear,
}: {
  query: UseQueryResult<SearchResult, Error>;
  hasFilters: boolean;
  onClear: () => void;
}) {
  if (query.isPending) return <Loading label="Loading events…" />;
  if (query.isError) return <ErrorPanel error={query.error} title="Cannot load the dictionary" />;
  const events = query.data?.events ?? [];
  if (!events.length) {
    return (
      <div className="empty" data-testid="no-results">
        {hasFilters ? (
          <>
            <p>No event matches this search.</p>
            <button type="button" onClick={onClear}>
              Clear search and filters
            </button>
          </>
        ) : (
          <p>No events are registered yet.</p>
        )}
      </div>
    );
  }
  return (
    <ul className="event-list" aria-label="Events" data-testid="event-results">
      {events.map((event) => (
        <EventRow key={event.name} event={event} />
      ))}
    </ul>
  );
}

function EventRow({ event }: { event: EventSummary }) {
  return (
    <li className="event-row">
      <div className="event-row-main">
        <h3>
          <Link to={`/events/${encodeURIComponent(event.name)}`} className="event-link">
            {event.name}
          </Link>
        </h3>
        <p className="event-description">{event.description || <span className="muted">No description.</span>}</p>
        <p className="event-meta small">
          <span className={`status status-${event.status}`}>{event.status}</span>
          <span>
            Owner <strong>{event.owner || "—"}</strong>
          </span>
          <span>Service {event.service || "—"}</span>
          {event.tags.length ? (
            <span className="tags">
              {event.tags.map((tag) => (
                <span key={tag} className="tag">
                  {tag}
                </span>
              ))}
            </span>
          ) : null}
        </p>
      </div>
      <p className="event-row-side small muted">
        <span className="version-badge">v{event.version}</span>
        <span title={formatWhen(event.updated_at)}>
          Changed {formatAgo(event.updated_at)} by {event.updated_by}
        </span>
        {event.matched.length ? (
          <span className="matched">Found in {event.matched.map((m) => MATCHED_LABEL[m] ?? m).join(", ")}</span>
        ) : null}
      </p>
    </li>
  );
}
