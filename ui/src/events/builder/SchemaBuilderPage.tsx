// /events/new and /events/:name/edit: define an event without writing a schema file.
import { useQuery } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { PageHeader } from "../../components/PageHeader";
import { ErrorPanel, Loading } from "../../components/QueryState";
import { useCanEdit, useIdentity } from "../../hooks";
import { eventsApi } from "../api";
import { ExportTabs } from "../ExportPanel";
import { useDebounced } from "../hooks";
import type { EventDetail, Problem } from "../types";
import { BuilderContext, type BuilderActions } from "./context";
import {
  countLocalErrors,
  definitionOf,
  draftFrom,
  editList,
  emptyDraft,
  mapParams,
  move,
  newParam,
  type EventDraft,
} from "./draft";
import { EventFields } from "./EventFields";
import { FieldProblems } from "./FieldProblems";
import { NameField } from "./NameField";
import { ParamList } from "./ParamList";
import { SaveDialog } from "./SaveDialog";

export function NewEventPage() {
  return <EditorGate>{() => <Builder initial={emptyDraft()} existing={null} />}</EditorGate>;
}

export function EditEventPage() {
  const { name = "" } = useParams();
  const event = useQuery({
    queryKey: ["events", "event", name],
    queryFn: ({ signal }) => eventsApi.get(name, signal),
    staleTime: 0,
    // A refresh must not replace the form under the user's hands; a newer version saved
    // meanwhile is caught on save (the edit names the version it started from).
    refetchOnWindowFocus: false,
    refetchOnReconnect: false,
  });
  return (
    <EditorGate>
      {() =>
        event.isPending ? (
          <Loading label={`Loading ${name}…`} />
        ) : event.isError ? (
          <ErrorPanel error={event.error} title={`Cannot edit ${name}`} />
        ) : (
          <Builder initial={draftFrom(event.data.definition)} existing={event.data} />
        )
      }
    </EditorGate>
  );
}

/** Viewers are told they cannot edit instead of being shown a form the server will refuse. */
function EditorGate({ children }: { children: () => React.ReactNode }) {
  const identity = useIdentity();
  const canEdit = useCanEdit();
  if (identity.isPending) return <Loading label="Checking your role…" />;
  if (!canEdit) {
    return (
      <article className="page">
        <PageHeader title="Editing needs the editor role" />
        <p className="callout">
          {identity.data
            ? `You are signed in as ${identity.data.name} (${identity.data.role}). Ask an admin for an editor token to define or change events.`
            : "Add an editor token with the key button at the top right to define or change events."}
        </p>
        <p>
          <Link to="/events">← Back to the dictionary</Link>
        </p>
      </article>
    );
  }
  return <>{children()}</>;
}

function Builder({ initial, existing }: { initial: EventDraft; existing: EventDetail | null }) {
  const navigate = useNavigate();
  const [draft, setDraft] = useState(initial);
  const [startedFrom] = useState(existing?.version ?? null);
  const [allowSimilar, setAllowSimilar] = useState(false);
  const [reviewing, setReviewing] = useState(false);
  const [folding, setFolding] = useState({ collapsed: false, request: 0 });
  const focusNext = useRef<string | null>(null);

  const definition = useMemo(() => definitionOf(draft), [draft]);
  const settled = useDebounced(definition, 400);
  const hasName = settled.name.length > 0;

  const check = useQuery({
    queryKey: ["events", "validate", settled],
    queryFn: ({ signal }) => eventsApi.validate(settled, "auto", signal),
    enabled: hasName,
    placeholderData: (previous) => previous,
  });
  const problems: Problem[] = check.data?.problems ?? [];

  // Move keyboard focus where an action leads (a new parameter's name, a moved row's button).
  useEffect(() => {
    if (!focusNext.current) return;
    document.getElementById(focusNext.current)?.focus();
    focusNext.current = null;
  }, [draft]);

  const setParams = useCallback(
    (edit: (d: EventDraft) => EventDraft) => setDraft((d) => edit(d)),
    [],
  );

  const actions = useMemo<BuilderActions>(
    () => ({
      update: (uid, edit) =>
        setParams((d) => ({ ...d, params: mapParams(d.params, uid, edit) })),
      add: (parentUid, type) => {
        const param = newParam(type);
        focusNext.current = `name-${param.uid}`;
        setParams((d) => ({ ...d, params: editList(d.params, parentUid, (list) => [...list, param]) }));
      },
      remove: (parentUid, index) => {
        setParams((d) => ({
          ...d,
          params: editList(d.params, parentUid, (list) => {
            const next = list[index + 1] ?? list[index - 1];
            focusNext.current = next ? `name-${next.uid}` : `add-${parentUid}`;
            return list.filter((_, i) => i !== index);
          }),
        }));
      },
      move: (parentUid, index, by) => {
        setParams((d) => ({
          ...d,
          params: editList(d.params, parentUid, (list) => {
            const moved = list[index];
            if (!moved) return list;
            const atEdge = index + by === 0 || index + by === list.length - 1;
            // At the edge the pressed button is disabled: keep focus on the other one.
            focusNext.current = `${atEdge ? (by < 0 ? "down" : "up") : by < 0 ? "up" : "down"}-${moved.uid}`;
            return move(list, index, by);
          }),
        }));
      },
      problemsAt: (path) =>
        problems.filter(
          (p) => p.where === `params.${path}` || p.where.startsWith(`params.${path}.constraints`),
        ),
      folding,
    }),
    [problems, setParams, folding],
  );

  const localErrors = useMemo(() => countLocalErrors(draft.params), [draft.params]);
  const dirty = useMemo(() => JSON.stringify(definitionOf(initial)) !== JSON.stringify(definition), [initial, definition]);

  // Leaving the page with unsaved work asks first.
  useEffect(() => {
    if (!dirty || reviewing) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty, reviewing]);

  const unplaced = problems.filter((p) => !p.where.startsWith("name") && !placed(p.where, draft));
  const title = existing ? `Edit ${existing.name}` : "New event";

  return (
    <article className="page page-full" data-testid="page-builder">
      <p className="breadcrumb small">
        <Link to="/events">Event dictionary</Link> <span aria-hidden="true">/</span>{" "}
        {existing ? (
          <>
            <Link to={`/events/${encodeURIComponent(existing.name)}`}>{existing.name}</Link>{" "}
            <span aria-hidden="true">/</span>
          </>
        ) : null}
      </p>
      <PageHeader
        title={title}
        description={
          existing
            ? `Editing version ${existing.version}. Saving makes a new version; the registry tells you first whether the change is additive or breaking.`
            : "Name the event, say what it means and who owns it, then add the parameters it carries."
        }
      />
      <BuilderContext.Provider value={actions}>
        <div className="builder">
          <form
            className="builder-form"
            aria-label="Event definition"
            onSubmit={(event) => {
              event.preventDefault();
              setReviewing(true);
            }}
          >
            <section className="panel" aria-labelledby="builder-event">
              <h2 id="builder-event">Event</h2>
              <NameField
                value={draft.name}
                readOnly={existing !== null}
                onChange={(name) => setDraft((d) => ({ ...d, name }))}
                allowSimilar={allowSimilar}
                onAllowSimilar={setAllowSimilar}
              />
              <EventFields draft={draft} onChange={setParams} />
            </section>
            <section className="panel" aria-labelledby="builder-params">
              <div className="section-head">
                <h2 id="builder-params">Parameters</h2>
                {draft.params.length ? (
                  <div className="fold-buttons">
                    <button
                      type="button"
                      className="ghost small"
                      onClick={() => setFolding((f) => ({ collapsed: true, request: f.request + 1 }))}
                    >
                      Collapse all
                    </button>
                    <button
                      type="button"
                      className="ghost small"
                      onClick={() => setFolding((f) => ({ collapsed: false, request: f.request + 1 }))}
                    >
                      Expand all
                    </button>
                  </div>
                ) : null}
              </div>
              <p className="hint">
                Names are snake_case and may not reuse an envelope field (user_id, event_id,
                timestamps…). Objects and arrays of objects nest to any depth.
              </p>
              <FieldProblems problems={unplaced} />
              <ParamList params={draft.params} parentUid="root" parentPath="" parentLabel="the event" depth={1} />
            </section>
            <div className="builder-actions">
              <p className="small muted" role="status" aria-live="polite">
                {localErrors
                  ? `${localErrors} constraint${localErrors === 1 ? " is" : "s are"} not a number.`
                  : !definition.name
                  ? "Give the event a name to check it."
                  : check.isFetching || settled !== definition
                    ? "Checking…"
                    : check.data?.valid
                      ? "✓ No problems found."
                      : check.data
                        ? `${problems.length} problem${problems.length === 1 ? "" : "s"} to fix.`
                        : ""}
              </p>
              {existing ? (
                <Link className="button" to={`/events/${encodeURIComponent(existing.name)}`}>
                  Cancel
                </Link>
              ) : (
                <Link className="button" to="/events">
                  Cancel
                </Link>
              )}
              <button type="submit" className="primary" disabled={!definition.name || localErrors > 0}>
                Review and save…
              </button>
            </div>
          </form>
          <aside className="builder-preview" aria-labelledby="preview-title">
            <h2 id="preview-title">Live preview</h2>
            <p className="muted small">The Spark StructType and BigQuery schema this form generates.</p>
            {check.isError ? <ErrorPanel error={check.error} title="Cannot check the definition" /> : null}
            <ExportTabs
              label="Preview format"
              formats={["spark", "bigquery"]}
              queryKey={["events", "preview", settled]}
              load={(format, signal) => eventsApi.previewText(settled, format, signal)}
              enabled={hasName}
              actions={false}
            />
          </aside>
        </div>
      </BuilderContext.Provider>
      {reviewing ? (
        <SaveDialog
          definition={definition}
          baseVersion={startedFrom}
          allowSimilar={allowSimilar}
          onAllowSimilar={setAllowSimilar}
          onCancel={() => setReviewing(false)}
          onSaved={(result) =>
            navigate(`/events/${encodeURIComponent(result.name)}`, {
              state: {
                saved: result.created
                  ? `${result.name} registered as version ${result.version}.`
                  : `Saved as version ${result.version} (${result.classification}).`,
              },
            })
          }
        />
      ) : null}
    </article>
  );
}

/** Whether a problem's path belongs to a parameter the form shows (else it is listed on top). */
function placed(where: string, draft: EventDraft): boolean {
  const paths = new Set<string>();
  const walk = (params: EventDraft["params"], prefix: string) => {
    for (const p of params) {
      const path = prefix + p.name.trim();
      paths.add(path);
      let node: typeof p | NonNullable<typeof p.items> = p;
      let at = path;
      while (node.type === "array" && node.items) {
        at += "[]";
        paths.add(at);
        node = node.items;
      }
      if (node.type === "object") walk(node.params, `${at}.`);
    }
  };
  walk(draft.params, "");
  const base = where.replace(/^params\./, "").replace(/\.constraints.*$/, "");
  return paths.has(base);
}
