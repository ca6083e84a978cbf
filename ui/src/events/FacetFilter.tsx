// One filter of the dictionary: a group of radio-like buttons, each value with its count.
import { useId } from "react";

export type FacetKey = "teams" | "services" | "statuses" | "tags";

export function FacetFilter({
  label,
  counts,
  selected,
  onSelect,
}: {
  label: string;
  counts: Record<string, number>;
  selected: string | null;
  onSelect: (value: string | null) => void;
}) {
  const headingId = useId();
  const entries = Object.entries(counts);
  // A chosen value the current search does not find still shows, so it can be cleared.
  if (selected && !(selected in counts)) entries.push([selected, 0]);
  return (
    <section className="facet" aria-labelledby={headingId}>
      <h2 id={headingId} className="facet-title">
        {label}
      </h2>
      {entries.length === 0 ? (
        <p className="muted small">None</p>
      ) : (
        <ul>
          {entries.map(([value, count]) => {
            const on = value === selected;
            return (
              <li key={value}>
                <button
                  type="button"
                  className={`facet-value ${on ? "is-on" : ""}`}
                  aria-pressed={on}
                  onClick={() => onSelect(on ? null : value)}
                  data-testid={`facet-${label.toLowerCase()}-${value}`}
                >
                  <span className="facet-name">{value}</span>
                  <span className="facet-count">
                    {count}
                  </span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
