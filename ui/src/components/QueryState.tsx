// Loading and error states that look the same on every page.
import type { ReactNode } from "react";
import { ApiError } from "../api";

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}

/** Explains a failed request in words a user can act on. */
export function ErrorPanel({ error, title }: { error: unknown; title?: string }) {
  let heading = title ?? "Something went wrong";
  let message = "An unexpected error happened.";
  let hint: ReactNode = null;
  let details: ApiError["details"] = [];
  if (error instanceof ApiError) {
    message = error.message;
    details = error.details;
    if (error.unreachable) {
      heading = title ?? "Cannot reach the Loam server";
      hint = (
        <>
          Is <code>loam up</code> running?
        </>
      );
    } else if (error.status === 401) {
      hint = "Add an API token with the key button at the top right.";
    } else if (error.status === 403) {
      hint = "Your token's role may not do this; ask an admin for an editor token.";
    }
  } else if (error instanceof Error) {
    message = error.message;
  }
  return (
    <div className="error-panel" role="alert" data-testid="error-panel">
      <p className="error-title">{heading}</p>
      <p>{message}</p>
      {error instanceof ApiError && !error.unreachable ? (
        <p className="muted small">
          {error.code} · HTTP {error.status}
        </p>
      ) : null}
      {details.length ? (
        <ul className="error-details">
          {details.map((detail, index) => (
            <li key={index}>
              <code>{JSON.stringify(detail)}</code>
            </li>
          ))}
        </ul>
      ) : null}
      {hint ? <p className="hint">{hint}</p> : null}
    </div>
  );
}
