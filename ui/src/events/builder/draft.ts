// The builder's editable copy of an event: every field as the form holds it (text for
// numbers, comma lists), a stable id per node, and pure functions to change the tree.
import type {
  Constraints,
  EventDefinition,
  EventStatus,
  ItemSpec,
  Parameter,
  ParamType,
  Tier,
} from "../types";

export const CONSTRAINT_KEYS = [
  "minimum",
  "maximum",
  "min_length",
  "max_length",
  "pattern",
  "min_items",
  "max_items",
] as const;
export type ConstraintKey = (typeof CONSTRAINT_KEYS)[number];

/** Which constraints a type takes, with their labels. */
export const CONSTRAINTS_FOR: Partial<Record<ParamType, { key: ConstraintKey; label: string }[]>> = {
  integer: [
    { key: "minimum", label: "Minimum" },
    { key: "maximum", label: "Maximum" },
  ],
  float: [
    { key: "minimum", label: "Minimum" },
    { key: "maximum", label: "Maximum" },
  ],
  string: [
    { key: "min_length", label: "Min length" },
    { key: "max_length", label: "Max length" },
    { key: "pattern", label: "Pattern (regex)" },
  ],
  array: [
    { key: "min_items", label: "Min items" },
    { key: "max_items", label: "Max items" },
  ],
};

/** A type: a parameter's own, or an array's element type. */
export interface TypeDraft {
  uid: string;
  type: ParamType;
  description: string;
  values: string; // enum values, comma separated
  items: TypeDraft | null; // array
  params: ParamDraft[]; // object
  constraints: Record<ConstraintKey, string>;
}

export interface ParamDraft extends TypeDraft {
  name: string;
  required: boolean;
  pii: boolean;
  examples: string; // comma separated
}

export interface EventDraft {
  name: string;
  description: string;
  owner: string;
  service: string;
  status: EventStatus;
  tier: Tier;
  tags: string; // comma separated
  params: ParamDraft[];
}

let counter = 0;
const newUid = () => `p${++counter}`;

const emptyConstraints = (): Record<ConstraintKey, string> => ({
  minimum: "",
  maximum: "",
  min_length: "",
  max_length: "",
  pattern: "",
  min_items: "",
  max_items: "",
});

export function newType(type: ParamType = "string"): TypeDraft {
  return {
    uid: newUid(),
    type,
    description: "",
    values: "",
    items: type === "array" ? newType("string") : null,
    params: [],
    constraints: emptyConstraints(),
  };
}

export function newParam(type: ParamType = "string"): ParamDraft {
  return { ...newType(type), name: "", required: false, pii: false, examples: "" };
}

export function emptyDraft(): EventDraft {
  return {
    name: "",
    description: "",
    owner: "",
    service: "",
    status: "draft",
    tier: "normal",
    tags: "",
    params: [],
  };
}

// ---------------------------------------------------------------------------
// Definition -> draft

function typeFrom(spec: ItemSpec): TypeDraft {
  const constraints = emptyConstraints();
  for (const key of CONSTRAINT_KEYS) {
    const value = spec.constraints?.[key];
    if (value !== undefined && value !== null) constraints[key] = String(value);
  }
  return {
    uid: newUid(),
    type: spec.type,
    description: spec.description ?? "",
    values: (spec.values ?? []).join(", "),
    items: spec.items ? typeFrom(spec.items) : spec.type === "array" ? newType() : null,
    params: (spec.params ?? []).map(paramFrom),
    constraints,
  };
}

function paramFrom(p: Parameter): ParamDraft {
  return {
    ...typeFrom(p),
    name: p.name,
    required: Boolean(p.required),
    pii: Boolean(p.pii),
    examples: (p.examples ?? []).map((e) => (typeof e === "string" ? e : JSON.stringify(e))).join(", "),
  };
}

export function draftFrom(d: EventDefinition): EventDraft {
  return {
    name: d.name,
    description: d.description ?? "",
    owner: d.owner ?? "",
    service: d.service ?? "",
    status: d.status ?? "draft",
    tier: d.tier ?? "normal",
    tags: (d.tags ?? []).join(", "),
    params: (d.params ?? []).map(paramFrom),
  };
}

// ---------------------------------------------------------------------------
// Draft -> definition (what the API receives)

export function splitList(text: string): string[] {
  return text
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean);
}

function parseExample(text: string, type: ParamType): unknown {
  if (type === "integer" || type === "float") {
    const n = Number(text);
    return Number.isFinite(n) ? n : text;
  }
  if (type === "boolean" && (text === "true" || text === "false")) return text === "true";
  return text;
}

function constraintsOf(t: TypeDraft): Constraints | undefined {
  const out: Constraints = {};
  for (const { key } of CONSTRAINTS_FOR[t.type] ?? []) {
    const raw = t.constraints[key].trim();
    if (!raw) continue;
    if (key === "pattern") out.pattern = raw;
    else out[key] = Number(raw);
  }
  return Object.keys(out).length ? out : undefined;
}

function specOf(t: TypeDraft): ItemSpec {
  const spec: ItemSpec = { type: t.type };
  if (t.description.trim()) spec.description = t.description.trim();
  if (t.type === "enum") spec.values = splitList(t.values);
  if (t.type === "array") spec.items = specOf(t.items ?? newType());
  if (t.type === "object") spec.params = t.params.map(paramOf);
  const constraints = constraintsOf(t);
  if (constraints) spec.constraints = constraints;
  return spec;
}

function paramOf(p: ParamDraft): Parameter {
  const out: Parameter = { name: p.name.trim(), ...specOf(p) };
  if (p.required) out.required = true;
  if (p.pii) out.pii = true;
  const examples = splitList(p.examples);
  if (examples.length) out.examples = examples.map((e) => parseExample(e, p.type));
  return out;
}

export function definitionOf(d: EventDraft): EventDefinition {
  const out: EventDefinition = {
    name: d.name.trim(),
    status: d.status,
    tier: d.tier,
    params: d.params.map(paramOf),
  };
  if (d.description.trim()) out.description = d.description.trim();
  if (d.owner.trim()) out.owner = d.owner.trim();
  if (d.service.trim()) out.service = d.service.trim();
  const tags = splitList(d.tags);
  if (tags.length) out.tags = tags;
  return out;
}

// ---------------------------------------------------------------------------
// Local checks the server would also make, shown before any request

/** A constraint that is not a number where one is needed, by constraint key. */
export function constraintErrors(t: TypeDraft): Partial<Record<ConstraintKey, string>> {
  const out: Partial<Record<ConstraintKey, string>> = {};
  for (const { key } of CONSTRAINTS_FOR[t.type] ?? []) {
    const raw = t.constraints[key].trim();
    if (!raw || key === "pattern") continue;
    const n = Number(raw);
    if (!Number.isFinite(n)) out[key] = "Enter a number.";
    else if (key !== "minimum" && key !== "maximum" && (!Number.isInteger(n) || n < 0))
      out[key] = "Enter a whole number, 0 or more.";
  }
  return out;
}

// ---------------------------------------------------------------------------
// Tree edits: each returns a new tree, leaving the old one untouched

type Edit<T> = (node: T) => T;

function mapType<T extends TypeDraft>(t: T, uid: string, edit: Edit<TypeDraft>): T {
  if (t.uid === uid) return edit(t) as T;
  const items = t.items ? mapType(t.items, uid, edit) : null;
  const params = mapParams(t.params, uid, edit);
  return items === t.items && params === t.params ? t : { ...t, items, params };
}

/** Applies `edit` to the node `uid`, wherever it is in the tree (a parameter or an element type). */
export function mapParams(params: ParamDraft[], uid: string, edit: Edit<TypeDraft>): ParamDraft[] {
  let changed = false;
  const out = params.map((p) => {
    const next = mapType(p, uid, edit);
    if (next !== p) changed = true;
    return next;
  });
  return changed ? out : params;
}

/** Changes a node's type, keeping what still applies and giving arrays an element type. */
export function withType<T extends TypeDraft>(t: T, type: ParamType): T {
  return {
    ...t,
    type,
    items: type === "array" ? (t.items ?? newType()) : t.items,
  };
}

/** Applies `edit` to the parameter list holding `uid` (the top level when `uid` is "root"). */
export function editList(
  params: ParamDraft[],
  parentUid: string,
  edit: (list: ParamDraft[]) => ParamDraft[],
): ParamDraft[] {
  if (parentUid === "root") return edit(params);
  return mapParams(params, parentUid, (node) => ({ ...node, params: edit(node.params) }));
}

export function move<T>(list: T[], index: number, by: -1 | 1): T[] {
  const to = index + by;
  if (to < 0 || to >= list.length) return list;
  const out = [...list];
  const [taken] = out.splice(index, 1);
  if (taken !== undefined) out.splice(to, 0, taken);
  return out;
}

/** How many fields hold a value the form cannot send (a constraint that is not a number). */
export function countLocalErrors(params: ParamDraft[]): number {
  let count = 0;
  const visit = (t: TypeDraft) => {
    count += Object.keys(constraintErrors(t)).length;
    if (t.type === "array" && t.items) visit(t.items);
    if (t.type === "object") t.params.forEach(visit);
  };
  params.forEach(visit);
  return count;
}
