// An event's parameters as a collapsible tree: type, required, PII and constraints per row.
import { useState } from "react";
import type { Constraints, ItemSpec, Parameter } from "./types";

/** "string ≤ 40 chars", "integer ≥ 0", "array of object"... */
export function typeLabel(node: ItemSpec): string {
  if (node.type === "array" && node.items) return `array of ${typeLabel(node.items)}`;
  return node.type;
}

export function constraintText(c: Constraints | undefined, values?: string[] | null): string[] {
  const out: string[] = [];
  if (values?.length) out.push(`one of ${values.join(", ")}`);
  if (!c) return out;
  if (c.minimum != null) out.push(`≥ ${c.minimum}`);
  if (c.maximum != null) out.push(`≤ ${c.maximum}`);
  if (c.min_length != null) out.push(`length ≥ ${c.min_length}`);
  if (c.max_length != null) out.push(`length ≤ ${c.max_length}`);
  if (c.pattern) out.push(`matches ${c.pattern}`);
  if (c.min_items != null) out.push(`≥ ${c.min_items} items`);
  if (c.max_items != null) out.push(`≤ ${c.max_items} items`);
  return out;
}

/** The nested parameters under a node: an object's own, or those of its array's elements. */
export function childrenOf(node: ItemSpec): Parameter[] {
  if (node.type === "object") return node.params ?? [];
  if (node.type === "array" && node.items) return childrenOf(node.items);
  return [];
}

/** Where the children's paths start, as the registry writes them: `badges[].kind`. */
export function prefixOfChildren(node: ItemSpec, path: string): string {
  let at: ItemSpec = node;
  let out = path;
  while (at.type === "array" && at.items) {
    out += "[]";
    at = at.items;
  }
  return `${out}.`;
}

export function ParamTree({
  params,
  highlight,
  label = "Parameters",
}: {
  params: Parameter[];
  /** Paths (`item.seller.seller_id`) to mark, with the class to mark them with. */
  highlight?: Record<string, string>;
  label?: string;
}) {
  if (!params.length) return <p className="muted">No custom parameters.</p>;
  return (
    <ul className="param-tree" aria-label={label}>
      {params.map((p) => (
        <ParamNode key={p.name} param={p} path={p.name} depth={1} highlight={highlight} />
      ))}
    </ul>
  );
}

function ParamNode({
  param,
  path,
  depth,
  highlight,
}: {
  param: Parameter;
  path: string;
  depth: number;
  highlight?: Record<string, string>;
}) {
  const kids = childrenOf(param);
  const [open, setOpen] = useState(true);
  const hasKids = kids.length > 0;
  const childPrefix = prefixOfChildren(param, path);
  const mark = highlight?.[path];
  const limits = constraintText(
    param.type === "array" && param.items ? { ...param.constraints, ...param.items.constraints } : param.constraints,
    param.values ?? (param.type === "array" ? param.items?.values : null),
  );
  return (
    <li
      className={`param-node ${mark ? `mark-${mark}` : ""}`}
      data-path={path}
      data-depth={depth}
    >
      <div className="param-row">
        {hasKids ? (
          <button
            type="button"
            className="toggle"
            aria-label={`${open ? "Collapse" : "Expand"} ${param.name}`}
            aria-expanded={open}
            onClick={() => setOpen(!open)}
          >
            <span aria-hidden="true">{open ? "▾" : "▸"}</span>
          </button>
        ) : (
          <span className="toggle-spacer" aria-hidden="true" />
        )}
        <code className="param-name">{param.name}</code>
        <span className="param-type">{typeLabel(param)}</span>
        {param.required ? <span className="flag flag-required">required</span> : <span className="flag">optional</span>}
        {param.pii ? <span className="flag flag-pii" title="Personal data">PII</span> : null}
        {limits.map((text) => (
          <span key={text} className="constraint">
            {text}
          </span>
        ))}
        {mark ? <span className={`mark-label mark-label-${mark}`}>{mark}</span> : null}
      </div>
      {param.description ? <p className="param-description">{param.description}</p> : null}
      {param.examples?.length ? (
        <p className="param-examples small muted">
          e.g. {param.examples.map((e) => JSON.stringify(e)).join(", ")}
        </p>
      ) : null}
      {hasKids && open ? (
        <ul>
          {kids.map((kid) => (
            <ParamNode
              key={kid.name}
              param={kid}
              path={childPrefix + kid.name}
              depth={depth + 1}
              highlight={highlight}
            />
          ))}
        </ul>
      ) : null}
    </li>
  );
}
