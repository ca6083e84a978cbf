// Small display helpers shared by the event pages.
import type { Classification } from "./types";

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** The server writes UTC without a zone in audit entries; read those as UTC. */
function parse(iso: string): Date {
  return new Date(/[zZ]|[+-]\d\d:\d\d$/.test(iso) ? iso : `${iso}Z`);
}

export function formatWhen(iso: string): string {
  return absolute.format(parse(iso));
}

/** "3 minutes ago", "yesterday"... */
export function formatAgo(iso: string, now = Date.now()): string {
  const seconds = Math.round((parse(iso).getTime() - now) / 1000);
  const steps: [Intl.RelativeTimeFormatUnit, number][] = [
    ["second", 60],
    ["minute", 60],
    ["hour", 24],
    ["day", 30],
    ["month", 12],
    ["year", Infinity],
  ];
  let amount = seconds;
  for (const [unit, size] of steps) {
    if (Math.abs(amount) < size) return relative.format(Math.round(amount), unit);
    amount /= size;
  }
  return absolute.format(parse(iso));
}

export const CLASSIFICATION_LABEL: Record<Classification, string> = {
  breaking: "Breaking",
  revision: "Revision",
  additive: "Additive",
  metadata: "Documentation",
  none: "No change",
};
