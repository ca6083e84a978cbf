// The header's health indicator: an overall status, then one item per
// component of `/api/health`, each with its backend, detail and fix on hover
// or keyboard focus.
import { useId, useState, type KeyboardEvent } from "react";
import type { ComponentHealth } from "../api";
import { HEALTH_REFRESH_MS, useHealth } from "../hooks";

function HealthItem({ item }: { item: ComponentHealth }) {
  const tipId = useId();
  const [open, setOpen] = useState(false);
  const state = item.ok ? "OK" : "Down";
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === "Escape") setOpen(false);
  };
  return (
    <li
      className="health-item"
      onMouseEnter={() => setOpen(true)}
      onMouseLeave={() => setOpen(false)}
    >
      <button
        type="button"
        className={`health-chip ${item.ok ? "is-ok" : "is-down"}`}
        data-testid={`health-${item.component}`}
        data-state={item.ok ? "ok" : "down"}
        aria-describedby={tipId}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        onClick={() => setOpen((value) => !value)}
        onKeyDown={onKeyDown}
      >
        <span className="dot" aria-hidden="true" />
        <span className="health-name">{item.component}</span>
        <span className="health-state">{state}</span>
      </button>
      <div role="tooltip" id={tipId} className="tooltip" hidden={!open}>
        <p className="tooltip-title">
          {item.component} <span className="muted">· {item.backend}</span>
        </p>
        <p>{item.detail || (item.ok ? "Working." : "Not working.")}</p>
        {!item.ok && item.fix ? (
          <p className="tooltip-fix">
            <strong>Fix:</strong> {item.fix}
          </p>
        ) : null}
      </div>
    </li>
  );
}

export function HealthBar() {
  const health = useHealth();
  const seconds = Math.round(HEALTH_REFRESH_MS / 1000);

  let summary: { tone: "ok" | "warn" | "down" | "pending"; text: string; title: string };
  if (health.isPending) {
    summary = { tone: "pending", text: "Checking health…", title: "Asking the server for its health." };
  } else if (health.isError) {
    summary = health.error.unreachable
      ? {
          tone: "down",
          text: "Server unreachable",
          title: `Cannot reach the Loam server. Is \`loam up\` running? Trying again every ${seconds} s.`,
        }
      : {
          tone: "down",
          text: "Health unknown",
          title: `${health.error.message} Trying again every ${seconds} s.`,
        };
  } else {
    const down = health.data.components.filter((item) => !item.ok).length;
    const total = health.data.components.length;
    summary =
      down === 0 && health.data.status === "ok"
        ? { tone: "ok", text: "All systems OK", title: `${total} components healthy.` }
        : {
            tone: "warn",
            text: down ? `Degraded: ${down} of ${total} down` : "Degraded",
            title: "Hover or focus a component to see what is wrong and how to fix it.",
          };
  }

  return (
    <section className="health" aria-label="Platform health">
      <p
        className={`health-summary tone-${summary.tone}`}
        role="status"
        aria-live="polite"
        data-testid="health-overall"
        data-state={summary.tone}
        title={summary.title}
      >
        <span className="dot" aria-hidden="true" />
        {summary.text}
        {health.isFetching && !health.isPending ? (
          <span className="visually-hidden"> (refreshing)</span>
        ) : null}
      </p>
      {health.isSuccess ? (
        <ul className="health-list" aria-label="Components">
          {health.data.components.map((item) => (
            <HealthItem key={item.component} item={item} />
          ))}
        </ul>
      ) : null}
    </section>
  );
}
