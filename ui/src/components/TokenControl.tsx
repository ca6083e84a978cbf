// The header's token control: paste or clear the API token, and see who the
// server says it belongs to (hidden when the server has no `/api/auth/me`).
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { tokenStore } from "../api";
import { useIdentity, useToken } from "../hooks";

export function TokenControl() {
  const token = useToken();
  const identity = useIdentity();
  const [open, setOpen] = useState(false);
  const [draft, setDraft] = useState("");
  const panelId = useId();
  const inputId = useId();
  const buttonRef = useRef<HTMLButtonElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const rootRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (open) inputRef.current?.focus();
  }, [open]);

  // Close when a click lands outside the panel.
  useEffect(() => {
    if (!open) return;
    const onPointer = (event: PointerEvent) => {
      if (!rootRef.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("pointerdown", onPointer);
    return () => document.removeEventListener("pointerdown", onPointer);
  }, [open]);

  const close = () => {
    setOpen(false);
    setDraft("");
    buttonRef.current?.focus();
  };
  const save = (event: FormEvent) => {
    event.preventDefault();
    if (draft.trim()) tokenStore.set(draft);
    close();
  };
  const clear = () => {
    tokenStore.clear();
    close();
  };

  const rejected = identity.isError && identity.error.status === 401;
  let label: string;
  if (!token) label = "Add token";
  else if (identity.data) label = "Token";
  else if (rejected) label = "Token rejected";
  else label = "Token set";

  return (
    <div className="token" ref={rootRef}>
      {identity.data ? (
        <span className="identity" data-testid="identity">
          Signed in as <strong>{identity.data.name}</strong>
          <span className={`role role-${identity.data.role}`} data-testid="identity-role">
            {identity.data.role}
          </span>
        </span>
      ) : null}
      <button
        ref={buttonRef}
        type="button"
        className={`token-button ${rejected ? "is-rejected" : ""}`}
        aria-expanded={open}
        aria-controls={panelId}
        data-testid="token-button"
        onClick={() => (open ? close() : setOpen(true))}
      >
        <svg aria-hidden="true" viewBox="0 0 20 20" width="14" height="14">
          <path
            d="M13 2a5 5 0 0 0-4.8 6.4L2 14.6V18h3.4v-2h2v-2h2l1.2-1.2A5 5 0 1 0 13 2Zm1.5 5a1.5 1.5 0 1 1 0-3 1.5 1.5 0 0 1 0 3Z"
            fill="currentColor"
          />
        </svg>
        <span data-testid="token-state">{label}</span>
      </button>
      {open ? (
        <div
          id={panelId}
          className="token-panel"
          role="dialog"
          aria-label="Token settings"
          onKeyDown={(event) => {
            if (event.key === "Escape") close();
          }}
        >
          <form onSubmit={save}>
            <label htmlFor={inputId}>API token</label>
            <input
              ref={inputRef}
              id={inputId}
              type="password"
              autoComplete="off"
              spellCheck={false}
              placeholder={token ? "Paste a new token to replace it" : "Paste the token `loam demo` printed"}
              value={draft}
              onChange={(event) => setDraft(event.target.value)}
              data-testid="token-input"
            />
            <p className="hint">
              {token
                ? rejected
                  ? "The server rejected the saved token. Paste a valid one or clear it."
                  : "A token is saved in this browser."
                : "Without a token you can read what needs no sign-in."}
            </p>
            <div className="token-actions">
              <button type="submit" className="primary" disabled={!draft.trim()}>
                Save
              </button>
              {token ? (
                <button type="button" onClick={clear} data-testid="token-clear">
                  Clear token
                </button>
              ) : null}
              <button type="button" className="ghost" onClick={close}>
                Cancel
              </button>
            </div>
          </form>
        </div>
      ) : null}
    </div>
  );
}
