// The picker: type part of a table or column name, choose with the mouse or the keyboard.
import { useQuery } from "@tanstack/react-query";
import { useEffect, useId, useState } from "react";
import type { ApiError } from "../api";
import { lineageApi, type SearchHit } from "./api";

function useDebounced<T>(value: T, ms: number): T {
  const [current, setCurrent] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setCurrent(value), ms);
    return () => window.clearTimeout(timer);
  }, [value, ms]);
  return current;
}

export function NodeSearch({
  current,
  onPick,
}: {
  current: string;
  onPick: (hit: SearchHit) => void;
}) {
  const id = useId();
  const [text, setText] = useState(current);
  useEffect(() => setText(current), [current]); // the focus moved elsewhere (graph, panel, URL)
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const term = useDebounced(text.trim(), 150);
  const search = useQuery<{ results: SearchHit[] }, ApiError>({
    queryKey: ["lineage", "search", term],
    queryFn: ({ signal }) => lineageApi.search(term, signal),
    enabled: term.length > 0,
    staleTime: 10_000,
  });
  const hits = term ? (search.data?.results ?? []) : [];
  const listId = `${id}-list`;
  const showList = open && term.length > 0;

  function pick(hit: SearchHit) {
    onPick(hit);
    setText(hit.id);
    setOpen(false);
  }

  return (
    <div className="lineage-search">
      <label htmlFor={`${id}-input`}>Table or column</label>
      <input
        id={`${id}-input`}
        type="search"
        role="combobox"
        autoComplete="off"
        placeholder="e.g. orders.buyer_email"
        aria-expanded={showList}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={showList && hits[active] ? `${id}-opt-${active}` : undefined}
        value={text}
        onChange={(event) => {
          setText(event.target.value);
          setOpen(true);
          setActive(0);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => window.setTimeout(() => setOpen(false), 120)}
        onKeyDown={(event) => {
          if (event.key === "ArrowDown") {
            event.preventDefault();
            setOpen(true);
            setActive((i) => Math.min(i + 1, Math.max(hits.length - 1, 0)));
          } else if (event.key === "ArrowUp") {
            event.preventDefault();
            setActive((i) => Math.max(i - 1, 0));
          } else if (event.key === "Enter" && showList && hits[active]) {
            event.preventDefault();
            pick(hits[active]);
          } else if (event.key === "Escape") {
            setOpen(false);
          }
        }}
      />
      {showList ? (
        <ul id={listId} role="listbox" aria-label="Matching tables and columns" className="lineage-options">
          {search.isPending ? <li className="lineage-option muted">Searching…</li> : null}
          {search.isError ? <li className="lineage-option error-text">{search.error.message}</li> : null}
          {search.isSuccess && hits.length === 0 ? (
            <li className="lineage-option muted">No table or column matches “{term}”.</li>
          ) : null}
          {hits.map((hit, index) => (
            <li
              key={hit.id}
              id={`${id}-opt-${index}`}
              role="option"
              aria-selected={index === active}
              className={`lineage-option${index === active ? " active" : ""}`}
              onMouseDown={(event) => {
                event.preventDefault();
                pick(hit);
              }}
              onMouseEnter={() => setActive(index)}
            >
              <span className={`kind kind-${hit.kind}`}>{hit.kind}</span>
              <span className="option-name">
                {hit.column ? (
                  <>
                    <span className="muted">{hit.table}.</span>
                    <strong>{hit.column}</strong>
                  </>
                ) : (
                  <strong>{hit.table}</strong>
                )}
              </span>
              {hit.owner ? <span className="option-owner">{hit.owner}</span> : null}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
