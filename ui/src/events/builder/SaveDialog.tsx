// Before anything is saved: is the change additive or breaking, and which version will it
// get? A breaking change needs an explicit confirmation (the registry's MODEL bump).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState } from "react";
import { ErrorPanel, Loading } from "../../components/QueryState";
import { eventsApi } from "../api";
import { CLASSIFICATION_LABEL } from "../format";
import type {
  Change,
  Classification,
  EventDefinition,
  SaveResult,
  ValidateResult,
} from "../types";

export function SaveDialog({
  definition,
  baseVersion,
  allowSimilar,
  onAllowSimilar,
  onCancel,
  onSaved,
}: {
  definition: EventDefinition;
  /** The version the edit started from; null: a new event. */
  baseVersion: string | null;
  allowSimilar: boolean;
  onAllowSimilar: (allow: boolean) => void;
  onCancel: () => void;
  onSaved: (result: SaveResult) => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  const [message, setMessage] = useState("");
  const [confirmed, setConfirmed] = useState(false);
  const client = useQueryClient();

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);

  const plan = useQuery({
    queryKey: ["events", "plan", definition],
    queryFn: async ({ signal }): Promise<ValidateResult> => {
      const auto = await eventsApi.validate(definition, "auto", signal);
      if (!auto.plan?.needs_model_bump) return auto;
      // A breaking change: ask which version the MODEL bump would give.
      const model = await eventsApi.validate(definition, "model", signal);
      return { ...auto, plan: model.plan && { ...model.plan, needs_model_bump: true } };
    },
    staleTime: 0,
    gcTime: 0,
  });

  const save = useMutation({
    mutationFn: () => {
      const breaking = plan.data?.plan?.needs_model_bump ?? false;
      return baseVersion === null
        ? eventsApi.create(definition, message, allowSimilar)
        : eventsApi.edit(definition, message, breaking ? "model" : "auto", baseVersion);
    },
    onSuccess: (result) => {
      void client.invalidateQueries({ queryKey: ["events"] });
      onSaved(result);
    },
  });

  const p = plan.data?.plan ?? null;
  const breaking = p?.needs_model_bump ?? false;
  const nothing = p !== null && p.exists && p.classification === "none";
  const similar = baseVersion === null ? (plan.data?.name?.near_duplicates ?? []) : [];
  const taken = similar.some((d) => d.kind === "same_name");
  const stale = baseVersion !== null && p !== null && p.current_version !== baseVersion;
  const blocked =
    stale ||
    !plan.data?.valid ||
    !p?.version ||
    nothing ||
    (breaking && !confirmed) ||
    taken ||
    (similar.length > 0 && !allowSimilar);

  return (
    <dialog
      ref={ref}
      className="save-dialog"
      aria-labelledby={`${id}-title`}
      onCancel={(event) => {
        event.preventDefault();
        onCancel();
      }}
      data-testid="save-dialog"
    >
      <h2 id={`${id}-title`}>{baseVersion === null ? "Register the event" : "Save a new version"}</h2>
      {plan.isPending ? (
        <Loading label="Checking the change…" />
      ) : plan.isError ? (
        <ErrorPanel error={plan.error} title="Cannot check the change" />
      ) : !plan.data.valid ? (
        <div className="error-panel" role="alert">
          <p className="error-title">Fix these first</p>
          <ul className="problems">
            {plan.data.problems.map((problem, i) => (
              <li key={i}>
                <code>{problem.where}</code> {problem.problem}
              </li>
            ))}
          </ul>
        </div>
      ) : stale && p ? (
        <div className="error-panel" role="alert" data-testid="stale-version">
          <p className="error-title">Someone saved a newer version</p>
          <p>
            You started from {baseVersion}, but {p.name} is at {p.current_version} now. Open the
            new version and re-apply your change, so it does not undo theirs.
          </p>
          <p>
            <a href={`/events/${encodeURIComponent(p.name)}`} target="_blank" rel="noopener">
              See version {p.current_version}
              <span className="visually-hidden"> (opens in a new tab)</span>
            </a>
          </p>
        </div>
      ) : p ? (
        <div className="plan" data-testid="save-plan">
          <p className="plan-verdict">
            {p.exists ? (
              <>
                <span className={`impact impact-${p.classification}`}>
                  {CLASSIFICATION_LABEL[p.classification]}
                </span>{" "}
                {nothing ? (
                  "Nothing changed since the saved version."
                ) : (
                  <>
                    {p.current_version} → <strong className="version-badge">{p.version}</strong>
                  </>
                )}
              </>
            ) : (
              <>
                <strong>{p.name}</strong> will be registered as version{" "}
                <strong className="version-badge">{p.version}</strong>.
              </>
            )}
          </p>
          {p.exists && MEANING[p.classification] ? (
            <p className="small muted" data-testid="plan-meaning">
              {MEANING[p.classification]}
            </p>
          ) : null}
          {p.changes.length ? <ChangeList changes={p.changes} /> : null}
          {breaking ? (
            <div className="breaking-warning" role="alert">
              <p>
                <strong>This change is breaking.</strong> Data already sent no longer fits, so it
                gets a new MODEL version ({p.version}); the pipeline lands it in a new table and
                every consumer must move to it.
              </p>
              <p className="checkbox">
                <input
                  id={`${id}-confirm`}
                  type="checkbox"
                  checked={confirmed}
                  onChange={(event) => setConfirmed(event.target.checked)}
                />
                <label htmlFor={`${id}-confirm`}>
                  I understand: save as the breaking version {p.version}
                </label>
              </p>
            </div>
          ) : null}
          {similar.length ? (
            <div className="near-duplicates" role="alert">
              <p className="small">
                <strong>
                  {taken ? "This name is already registered." : "Similar events already exist:"}
                </strong>{" "}
                {similar.map((d) => d.reason).join("; ")}.
              </p>
              {taken ? (
                <p className="small">Edit the existing event instead of registering it again.</p>
              ) : (
                <p className="checkbox small">
                  <input
                    id={`${id}-similar`}
                    type="checkbox"
                    checked={allowSimilar}
                    onChange={(event) => onAllowSimilar(event.target.checked)}
                  />
                  <label htmlFor={`${id}-similar`}>It is a different event: register it anyway</label>
                </p>
              )}
            </div>
          ) : null}
          {nothing ? null : (
            <div className="field">
              <label htmlFor={`${id}-message`}>What changed and why (optional)</label>
              <input
                id={`${id}-message`}
                value={message}
                placeholder="e.g. track boosted cards"
                onChange={(event) => setMessage(event.target.value)}
              />
            </div>
          )}
        </div>
      ) : null}
      {save.isError ? <ErrorPanel error={save.error} title="Not saved" /> : null}
      <div className="dialog-actions">
        <button type="button" onClick={onCancel}>
          {nothing ? "Close" : "Back to editing"}
        </button>
        <button
          type="button"
          className={breaking ? "danger-button" : "primary"}
          disabled={blocked || save.isPending}
          onClick={() => save.mutate()}
        >
          {save.isPending
            ? "Saving…"
            : nothing
              ? "Nothing to save"
              : p?.version
              ? breaking
                ? `Save breaking version ${p.version}`
                : p.exists
                  ? `Save version ${p.version}`
                  : `Register ${p.version}`
              : "Save"}
        </button>
      </div>
    </dialog>
  );
}

/** What each kind of change means for the people who use the data. */
const MEANING: Partial<Record<Classification, string>> = {
  additive: "Compatible with every event already sent: nothing downstream has to change.",
  metadata: "Documentation only: the data itself does not change.",
  revision:
    "The PII marking changed: the data still fits, but who may read it and how it is masked changes, so consumers should look.",
};

export function ChangeList({ changes }: { changes: Change[] }) {
  return (
    <ul className="change-list">
      {changes.map((c, i) => (
        <li key={i} className={`change change-${c.impact}`}>
          <span className={`impact impact-${c.impact}`}>{CLASSIFICATION_LABEL[c.impact]}</span>
          <span>{c.message}</span>
        </li>
      ))}
    </ul>
  );
}
