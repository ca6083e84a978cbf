// Generated files in tabs (Spark StructType, BigQuery, JSON Schema): shown, copied, downloaded.
import { useQuery } from "@tanstack/react-query";
import { useId, useState, type KeyboardEvent } from "react";
import { ErrorPanel, Loading } from "../components/QueryState";
import { EXPORT_FORMATS, type ExportFormat } from "./types";

/** Pretty-prints JSON for reading; the copy and download keep the exact text. */
function readable(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

async function copyText(text: string): Promise<void> {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  document.execCommand("copy");
  area.remove();
}

function download(text: string, filename: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function ExportTabs({
  label,
  formats = EXPORT_FORMATS.map((f) => f.id),
  queryKey,
  load,
  filename,
  actions = true,
  enabled = true,
}: {
  label: string;
  formats?: readonly ExportFormat[];
  queryKey: readonly unknown[];
  load: (format: ExportFormat, signal: AbortSignal) => Promise<string>;
  filename?: (format: ExportFormat) => string;
  actions?: boolean;
  enabled?: boolean;
}) {
  const [format, setFormat] = useState<ExportFormat>(formats[0] ?? "spark");
  const [copied, setCopied] = useState<string | null>(null);
  const baseId = useId();
  const file = useQuery({
    queryKey: [...queryKey, format],
    queryFn: ({ signal }) => load(format, signal),
    enabled,
    placeholderData: (previous) => previous,
  });
  const tabs = EXPORT_FORMATS.filter((f) => formats.includes(f.id));

  const onKeyDown = (event: KeyboardEvent, index: number) => {
    const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
    if (!step) return;
    event.preventDefault();
    const next = tabs[(index + step + tabs.length) % tabs.length];
    if (!next) return;
    setFormat(next.id);
    document.getElementById(`${baseId}-tab-${next.id}`)?.focus();
  };

  const copy = async () => {
    if (!file.data) return;
    try {
      await copyText(file.data);
      setCopied("Copied to the clipboard.");
    } catch {
      setCopied("The browser refused the clipboard; select the text and copy it.");
    }
    window.setTimeout(() => setCopied(null), 2500);
  };

  return (
    <div className="export-tabs">
      <div className="tabs-bar">
        <div role="tablist" aria-label={label} className="tabs">
          {tabs.map((tab, index) => (
            <button
              key={tab.id}
              id={`${baseId}-tab-${tab.id}`}
              type="button"
              role="tab"
              aria-selected={tab.id === format}
              aria-controls={`${baseId}-panel`}
              tabIndex={tab.id === format ? 0 : -1}
              className="tab"
              onClick={() => setFormat(tab.id)}
              onKeyDown={(event) => onKeyDown(event, index)}
              title={tab.title}
            >
              {tab.label}
            </button>
          ))}
        </div>
        {actions ? (
          <div className="tab-actions">
            <button type="button" onClick={copy} disabled={!file.data}>
              Copy
            </button>
            <button
              type="button"
              onClick={() => file.data && download(file.data, filename?.(format) ?? `${format}.json`)}
              disabled={!file.data}
            >
              Download
            </button>
          </div>
        ) : null}
      </div>
      <p className="copied small" role="status" aria-live="polite">
        {copied ?? ""}
      </p>
      <div
        id={`${baseId}-panel`}
        role="tabpanel"
        aria-labelledby={`${baseId}-tab-${format}`}
        className="tab-panel"
        tabIndex={0}
      >
        {!enabled && !file.data ? (
          <p className="muted small">Fill in the form to see the generated schema.</p>
        ) : file.isPending ? (
          <Loading label="Generating…" />
        ) : file.isError ? (
          <ErrorPanel error={file.error} title="Cannot generate this file" />
        ) : (
          <pre className="code-block" data-testid={`export-${format}`}>
            {readable(file.data)}
          </pre>
        )}
      </div>
    </div>
  );
}
