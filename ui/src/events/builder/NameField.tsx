// The event name, checked against the naming grammar while it is typed: the broken part
// highlighted, a suggestion to apply with one click, near-duplicates linked.
import { useQuery } from "@tanstack/react-query";
import { useId } from "react";
import { Link } from "react-router";
import { ErrorPanel } from "../../components/QueryState";
import { eventsApi } from "../api";
import { useDebounced } from "../hooks";
import type { NameReport } from "../types";

const PART_LABEL: Record<string, string> = {
  action: "action",
  object: "object",
  service: "service",
};

/** Which words of the name a problem's `part` points at. */
function brokenWords(words: string[], part: string | undefined): Set<number> {
  const all = new Set(words.map((_, i) => i));
  if (!part || words.length < 2) return all;
  if (part === "action") return new Set([0]);
  if (part === "service") return new Set([words.length - 1]);
  if (part === "object") return new Set(words.slice(1, -1).map((_, i) => i + 1));
  return all;
}

function NameWords({ name, report }: { name: string; report: NameReport }) {
  const words = name.split(/([_\-. ]+)/);
  const wordIndexes = words.map((w, i) => (/^[_\-. ]+$/.test(w) ? -1 : i)).filter((i) => i >= 0);
  const broken = report.valid
    ? new Set<number>()
    : brokenWords(
        wordIndexes.map((i) => words[i] ?? ""),
        report.problems[0]?.part,
      );
  return (
    <span className="name-words" aria-hidden="true">
      {words.map((w, i) => {
        const position = wordIndexes.indexOf(i);
        const bad = position >= 0 && broken.has(position);
        return (
          <span key={i} className={bad ? "word-bad" : position >= 0 ? "word-ok" : "word-sep"}>
            {w}
          </span>
        );
      })}
    </span>
  );
}

export function NameField({
  value,
  onChange,
  readOnly,
  allowSimilar,
  onAllowSimilar,
}: {
  value: string;
  onChange: (name: string) => void;
  readOnly: boolean;
  allowSimilar: boolean;
  onAllowSimilar: (allow: boolean) => void;
}) {
  const id = useId();
  const name = useDebounced(value.trim(), 250);
  const report = useQuery({
    queryKey: ["events", "name-check", name],
    queryFn: ({ signal }) => eventsApi.checkName(name, undefined, signal),
    enabled: !readOnly && name.length > 0,
    placeholderData: (previous) => previous,
  });
  const data = report.data && report.data.name === name ? report.data : null;
  const settling = value.trim() !== name || report.isFetching;
  const invalid = Boolean(data && !data.valid);

  return (
    <div className="field name-field">
      <label htmlFor={id}>Event name</label>
      <input
        id={id}
        value={value}
        readOnly={readOnly}
        onChange={(event) => onChange(event.target.value)}
        placeholder="action_object_service, e.g. click_item_home"
        autoComplete="off"
        spellCheck={false}
        aria-invalid={invalid}
        aria-describedby={`${id}-help ${id}-status`}
        className={`mono ${invalid ? "is-invalid" : data?.valid ? "is-valid" : ""}`}
        data-testid="event-name"
      />
      <p id={`${id}-help`} className="hint">
        {readOnly
          ? "Events cannot be renamed; register a new event for a new name."
          : "Action, object, service: what the user did, to what, where."}
      </p>
      <div id={`${id}-status`} role="status" aria-live="polite" className="name-status" data-testid="name-status">
        {readOnly || !value.trim() ? null : report.isError ? (
          <ErrorPanel error={report.error} title="Cannot check the name" />
        ) : !data ? (
          <p className="muted small">Checking…</p>
        ) : (
          <NameVerdict
            report={data}
            settling={settling}
            onApply={onChange}
            allowSimilar={allowSimilar}
            onAllowSimilar={onAllowSimilar}
          />
        )}
      </div>
    </div>
  );
}

function NameVerdict({
  report,
  settling,
  onApply,
  allowSimilar,
  onAllowSimilar,
}: {
  report: NameReport;
  settling: boolean;
  onApply: (name: string) => void;
  allowSimilar: boolean;
  onAllowSimilar: (allow: boolean) => void;
}) {
  const similarId = useId();
  const sameName = report.near_duplicates.find((d) => d.kind === "same_name");
  return (
    <div className={settling ? "is-settling" : ""}>
      <p className="name-line">
        <NameWords name={report.name} report={report} />
        {report.valid && report.parts ? (
          <span className="name-parts small">
            {Object.entries(report.parts).map(([part, word]) => (
              <span key={part} className="name-part">
                <span className="muted">{PART_LABEL[part] ?? part}</span> {word}
              </span>
            ))}
          </span>
        ) : null}
      </p>
      {report.valid ? (
        <p className="ok-text small">✓ Follows the naming grammar.</p>
      ) : (
        <ul className="problems" data-testid="name-problems">
          {report.problems.map((p, i) => (
            <li key={i}>
              {p.part ? <strong className="part-label">{PART_LABEL[p.part] ?? p.part}: </strong> : null}
              {p.problem}
            </li>
          ))}
        </ul>
      )}
      {report.suggestion && report.suggestion !== report.name ? (
        <p className="suggestion">
          Suggestion:{" "}
          <button
            type="button"
            className="link-button"
            onClick={() => onApply(report.suggestion ?? "")}
            data-testid="apply-suggestion"
          >
            use <code>{report.suggestion}</code>
          </button>
        </p>
      ) : null}
      {report.near_duplicates.length ? (
        <div className="near-duplicates" data-testid="near-duplicates">
          <p className="warn-text small">
            <strong>Similar events already exist.</strong> Reuse one of them if it means the same:
          </p>
          <ul>
            {report.near_duplicates.map((d) => (
              <li key={d.existing} className="small">
                <Link to={`/events/${encodeURIComponent(d.existing)}`} target="_blank" rel="noopener">
                  {d.existing}
                  <span className="visually-hidden"> (opens in a new tab)</span>
                </Link>{" "}
                <span className="muted">— {d.reason}</span>
              </li>
            ))}
          </ul>
          {sameName ? null : (
            <p className="checkbox small">
              <input
                id={similarId}
                type="checkbox"
                checked={allowSimilar}
                onChange={(event) => onAllowSimilar(event.target.checked)}
              />
              <label htmlFor={similarId}>It is a different event: register it anyway</label>
            </p>
          )}
        </div>
      ) : null}
    </div>
  );
}
