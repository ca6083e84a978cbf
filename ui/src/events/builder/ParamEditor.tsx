// One parameter in the builder: name, type, required, PII, description, examples and the
// type's own settings; objects and arrays hold more editors, to any depth.
import { useEffect, useId, useState } from "react";
import { PARAM_TYPES, type ParamType, type Problem } from "../types";
import { useBuilder } from "./context";
import { withType, type ParamDraft } from "./draft";
import { FieldProblems } from "./FieldProblems";
import { TypeSettings } from "./TypeSettings";

const EXAMPLE_HINT: Partial<Record<ParamType, string>> = {
  string: "it_8f2c19, it_77a0",
  integer: "3, 12",
  float: "36.5, 99.9",
  boolean: "true",
  timestamp: "2026-05-01T09:30:00Z",
  date: "2026-05-01",
  enum: "one of the allowed values",
};

const SCALARS: ParamType[] = ["string", "integer", "float", "boolean", "timestamp", "date", "enum"];

export function ParamEditor({
  param,
  path,
  index,
  count,
  parentUid,
  depth,
}: {
  param: ParamDraft;
  path: string;
  index: number;
  count: number;
  parentUid: string;
  depth: number;
}) {
  const { update, remove, move, problemsAt, folding } = useBuilder();
  const [collapsed, setCollapsed] = useState(false);
  useEffect(() => {
    if (folding.request) setCollapsed(folding.collapsed);
  }, [folding]);
  const id = useId();
  const problems = problemsAt(path);
  const unnamed = !param.name.trim();
  const nameProblems: Problem[] = unnamed
    ? [{ where: path, problem: "Give this parameter a name (snake_case)." }]
    : problems.filter((p) => p.part === "param_name");
  const otherProblems = unnamed
    ? []
    : problems.filter((p) => p.part !== "param_name" && !p.where.includes(".constraints"));
  const label = param.name || `new parameter ${index + 1}`;
  const set = (edit: (p: ParamDraft) => ParamDraft) =>
    update(param.uid, (node) => edit(node as ParamDraft));

  return (
    <li className={`param-editor depth-${Math.min(depth, 4)}`} data-testid="param-editor" data-path={path}>
      <fieldset aria-labelledby={`${id}-legend`}>
        <div className="param-head">
          <button
            type="button"
            className="toggle"
            aria-expanded={!collapsed}
            aria-controls={`${id}-body`}
            aria-label={`${collapsed ? "Expand" : "Collapse"} ${label}`}
            onClick={() => setCollapsed(!collapsed)}
          >
            <span aria-hidden="true">{collapsed ? "▸" : "▾"}</span>
          </button>
          <span id={`${id}-legend`} className="visually-hidden">
            Parameter {path || label}
          </span>
          <div className="field field-name">
            <label htmlFor={`name-${param.uid}`}>Name</label>
            <input
              id={`name-${param.uid}`}
              className="mono"
              value={param.name}
              placeholder="snake_case"
              autoComplete="off"
              spellCheck={false}
              aria-invalid={nameProblems.length > 0}
              aria-describedby={nameProblems.length ? `${id}-name-problems` : undefined}
              onChange={(event) => set((p) => ({ ...p, name: event.target.value }))}
            />
          </div>
          <div className="field field-type">
            <label htmlFor={`${id}-type`}>Type</label>
            <select
              id={`${id}-type`}
              value={param.type}
              onChange={(event) => set((p) => withType(p, event.target.value as ParamType))}
            >
              {PARAM_TYPES.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </div>
          <div className="flags">
            <span className="checkbox">
              <input
                id={`${id}-required`}
                type="checkbox"
                checked={param.required}
                onChange={(event) => set((p) => ({ ...p, required: event.target.checked }))}
              />
              <label htmlFor={`${id}-required`}>Required</label>
            </span>
            <span className="checkbox">
              <input
                id={`${id}-pii`}
                type="checkbox"
                checked={param.pii}
                onChange={(event) => set((p) => ({ ...p, pii: event.target.checked }))}
              />
              <label htmlFor={`${id}-pii`} title="Personal data: masked and tagged downstream">
                PII
              </label>
            </span>
          </div>
          <div className="param-tools" role="group" aria-label={`Arrange ${label}`}>
            <button
              id={`up-${param.uid}`}
              type="button"
              className="icon-button"
              aria-label={`Move ${label} up`}
              title="Move up"
              disabled={index === 0}
              onClick={() => move(parentUid, index, -1)}
            >
              <span aria-hidden="true">↑</span>
            </button>
            <button
              id={`down-${param.uid}`}
              type="button"
              className="icon-button"
              aria-label={`Move ${label} down`}
              title="Move down"
              disabled={index === count - 1}
              onClick={() => move(parentUid, index, 1)}
            >
              <span aria-hidden="true">↓</span>
            </button>
            <button
              type="button"
              className="icon-button danger"
              aria-label={`Remove ${label}`}
              title="Remove"
              onClick={() => remove(parentUid, index)}
            >
              <span aria-hidden="true">✕</span>
            </button>
          </div>
        </div>
        <FieldProblems id={`${id}-name-problems`} problems={nameProblems} />
        <div id={`${id}-body`} className="param-body" hidden={collapsed}>
          <div className="field">
            <label htmlFor={`${id}-description`}>Description</label>
            <input
              id={`${id}-description`}
              value={param.description}
              placeholder="What the value means, for someone reading the data later"
              onChange={(event) => set((p) => ({ ...p, description: event.target.value }))}
            />
          </div>
          {SCALARS.includes(param.type) ? (
            <div className="field">
              <label htmlFor={`${id}-examples`}>Examples</label>
              <input
                id={`${id}-examples`}
                value={param.examples}
                placeholder={`Comma separated, e.g. ${EXAMPLE_HINT[param.type] ?? "a, b"}`}
                onChange={(event) => set((p) => ({ ...p, examples: event.target.value }))}
              />
            </div>
          ) : null}
          <TypeSettings node={param} path={path} depth={depth} />
          <FieldProblems problems={otherProblems} />
        </div>
      </fieldset>
    </li>
  );
}
