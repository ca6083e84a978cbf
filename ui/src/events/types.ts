// Shapes of the registry's API (`/api/events/...`), as src/loam/events/api.py answers them.

export const PARAM_TYPES = [
  "string",
  "integer",
  "float",
  "boolean",
  "timestamp",
  "date",
  "enum",
  "array",
  "object",
] as const;
export type ParamType = (typeof PARAM_TYPES)[number];

export const STATUSES = ["draft", "active", "deprecated"] as const;
export type EventStatus = (typeof STATUSES)[number];
export const TIERS = ["critical", "normal", "low"] as const;
export type Tier = (typeof TIERS)[number];

export interface Constraints {
  minimum?: number | null;
  maximum?: number | null;
  min_length?: number | null;
  max_length?: number | null;
  pattern?: string | null;
  min_items?: number | null;
  max_items?: number | null;
}

/** The element type of an array. */
export interface ItemSpec {
  type: ParamType;
  description?: string;
  values?: string[] | null;
  items?: ItemSpec | null;
  params?: Parameter[] | null;
  constraints?: Constraints;
}

export interface Parameter extends ItemSpec {
  name: string;
  required?: boolean;
  pii?: boolean;
  examples?: unknown[];
}

export interface EventDefinition {
  name: string;
  description?: string;
  owner?: string;
  service?: string;
  status?: EventStatus;
  tags?: string[];
  tier?: Tier;
  params?: Parameter[];
}

export type Impact = "breaking" | "revision" | "additive" | "metadata";
export type Classification = Impact | "none";

export interface Change {
  path: string;
  kind: string;
  impact: Impact;
  message: string;
  before: unknown;
  after: unknown;
}

export interface VersionBrief {
  version: string;
  classification: Classification;
  author: string;
  message: string;
  created_at: string;
}

export interface EventVersion extends VersionBrief {
  name: string;
  changes: Change[];
  definition: EventDefinition;
}

export interface EventDetail extends EventVersion {
  versions: VersionBrief[];
}

export interface EventSummary {
  name: string;
  version: string;
  description: string;
  owner: string;
  service: string;
  status: EventStatus;
  tier: Tier;
  tags: string[];
  updated_at: string;
  updated_by: string;
  score: number;
  matched: string[];
}

export interface SearchResult {
  query: string;
  count: number;
  events: EventSummary[];
}

export interface Facets {
  teams: Record<string, number>;
  services: Record<string, number>;
  statuses: Record<string, number>;
  tags: Record<string, number>;
  total: number;
}

/** One problem the registry found: where (a dotted path), what, and a fix if it has one. */
export interface Problem {
  where: string;
  problem: string;
  part?: string;
  suggestion?: string;
}

export interface NearDuplicate {
  existing: string;
  kind: string;
  reason: string;
}

export interface NameReport {
  name: string;
  valid: boolean;
  parts: { action: string; object: string; service: string } | null;
  problems: Problem[];
  suggestion: string | null;
  near_duplicates: NearDuplicate[];
}

export interface SavePlan {
  name: string;
  exists: boolean;
  current_version: string | null;
  version: string | null;
  classification: Classification;
  needs_model_bump: boolean;
  refusal: string | null;
  changes: Change[];
}

export interface ValidateResult {
  valid: boolean;
  problems: Problem[];
  name: NameReport | null;
  plan: SavePlan | null;
}

export interface DiffResult {
  name: string;
  from: string;
  to: string;
  classification: Classification;
  text: string;
  changes: Change[];
}

export interface SaveResult extends EventVersion {
  created: boolean;
  changed: boolean;
  git: Record<string, unknown> | null;
}

export type Bump = "auto" | "addition" | "revision" | "model";

export const EXPORT_FORMATS = [
  { id: "spark", label: "Spark", title: "Spark StructType JSON" },
  { id: "bigquery", label: "BigQuery", title: "BigQuery table schema" },
  { id: "jsonschema", label: "JSON Schema", title: "JSON Schema 2020-12" },
] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number]["id"];

/** One UTC day of `GET /api/events/{name}/volume`. */
export interface VolumeDay {
  day: string; // YYYY-MM-DD, UTC
  loaded: number; // by event date (client_ts)
  quarantined: number; // by the day received
  natural_duplicates: number; // by the day loaded
  synthetic_duplicates: number;
  reasons: { rule: string; count: number }[];
}

export interface EventVolume {
  event: string;
  days: number;
  from: string;
  to: string;
  tables: string[];
  series: VolumeDay[];
  totals: {
    loaded: number;
    quarantined: number;
    replayed: number;
    natural_duplicates: number;
    synthetic_duplicates: number;
    reasons: { rule: string; count: number }[];
  };
}
