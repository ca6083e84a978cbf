// The event's own fields: description, owner team, service, status, tier, tags.
import { useQuery } from "@tanstack/react-query";
import { useId } from "react";
import { eventsApi } from "../api";
import { STATUSES, TIERS, type EventStatus, type Tier } from "../types";
import type { EventDraft } from "./draft";

export function EventFields({
  draft,
  onChange,
}: {
  draft: EventDraft;
  onChange: (edit: (d: EventDraft) => EventDraft) => void;
}) {
  const id = useId();
  // Existing teams and tags, offered as the user types (new ones are fine too).
  const facets = useQuery({
    queryKey: ["events", "facets", { q: "" }],
    queryFn: ({ signal }) => eventsApi.facets({ q: "" }, signal),
    staleTime: 60_000,
  });
  const serviceHint = draft.name.includes("_") ? draft.name.split("_").pop() : "";
  return (
    <div className="event-fields">
      <div className="field field-wide">
        <label htmlFor={`${id}-description`}>Description</label>
        <textarea
          id={`${id}-description`}
          rows={2}
          value={draft.description}
          placeholder="When is it sent, and what does it tell us? e.g. The user tapped a listing card in the home feed."
          onChange={(event) => onChange((d) => ({ ...d, description: event.target.value }))}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-owner`}>Owner team</label>
        <input
          id={`${id}-owner`}
          list={`${id}-teams`}
          value={draft.owner}
          placeholder="e.g. marketplace"
          onChange={(event) => onChange((d) => ({ ...d, owner: event.target.value }))}
        />
        <datalist id={`${id}-teams`}>
          {Object.keys(facets.data?.teams ?? {}).map((team) => (
            <option key={team} value={team} />
          ))}
        </datalist>
      </div>
      <div className="field">
        <label htmlFor={`${id}-service`}>Service</label>
        <input
          id={`${id}-service`}
          value={draft.service}
          placeholder={serviceHint ? `from the name: ${serviceHint}` : "from the name"}
          onChange={(event) => onChange((d) => ({ ...d, service: event.target.value }))}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-status`}>Status</label>
        <select
          id={`${id}-status`}
          value={draft.status}
          onChange={(event) => onChange((d) => ({ ...d, status: event.target.value as EventStatus }))}
        >
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-tier`}>Priority tier</label>
        <select
          id={`${id}-tier`}
          value={draft.tier}
          onChange={(event) => onChange((d) => ({ ...d, tier: event.target.value as Tier }))}
        >
          {TIERS.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </div>
      <div className="field field-wide">
        <label htmlFor={`${id}-tags`}>Tags</label>
        <input
          id={`${id}-tags`}
          list={`${id}-tag-list`}
          value={draft.tags}
          placeholder="Comma separated, e.g. feed, kpi"
          onChange={(event) => onChange((d) => ({ ...d, tags: event.target.value }))}
        />
        <datalist id={`${id}-tag-list`}>
          {Object.keys(facets.data?.tags ?? {}).map((tag) => (
            <option key={tag} value={tag} />
          ))}
        </datalist>
      </div>
    </div>
  );
}
