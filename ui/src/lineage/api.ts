// Shapes and calls of `/api/lineage/...` that the Lineage page uses.
import { api } from "../api";

export type Direction = "upstream" | "downstream" | "both";
export type Side = "upstream" | "downstream" | "focus";

export interface Focus {
  table: string;
  column: string | null;
}

export interface ColumnNode {
  id: string;
  table: string | null;
  column: string;
  owner: string | null;
  tags: string[];
  pii: boolean;
  side: Side;
  depth: number;
  tagged: string[];
}

export interface TableGroup {
  name: string;
  owner: string | null;
  columns: string[];
  depth: number;
  side: Side;
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  kind: "DIRECT" | "INDIRECT";
  subkinds: string[];
  queries: number;
}

export interface LineageGraphData {
  focus: Focus;
  depth: number | null;
  direction: Direction;
  nodes: ColumnNode[];
  tables: TableGroup[];
  edges: GraphEdge[];
  truncated: boolean;
}

export interface ImpactColumn {
  id: string;
  table: string | null;
  column: string;
  owner: string | null;
  tags: string[];
  pii: boolean;
  depth: number;
  direct: boolean;
}

export interface ImpactQuery {
  id: number;
  query_id: string;
  source: string;
  user: string | null;
  sql: string;
  statement_type: string | null;
  last_seen: string;
  runs: number;
}

export interface ImpactReport {
  changed: Focus;
  columns: ImpactColumn[];
  tables: { name: string; owner: string | null; columns: string[]; written_by: string[] }[];
  owners: { owner: string; tables: string[] }[];
  queries: ImpactQuery[];
  pii: boolean;
}

export interface SearchHit {
  id: string;
  table: string;
  column: string | null;
  kind: "table" | "column";
  owner: string | null;
}

export interface LineageSummary {
  counts: Record<string, number>;
  busiest_tables: { table: string; edges: number; owner: string | null }[];
}

function focusQuery(focus: Focus): Record<string, string | undefined> {
  return { name: focus.table, column: focus.column ?? undefined };
}

export const lineageApi = {
  summary: (signal?: AbortSignal) => api.get<LineageSummary>("/api/lineage", { signal }),
  search: (q: string, signal?: AbortSignal) =>
    api.get<{ results: SearchHit[] }>("/api/lineage/search", { query: { q, limit: 12 }, signal }),
  graph: (focus: Focus, depth: number, direction: Direction, signal?: AbortSignal) =>
    api.get<LineageGraphData>("/api/lineage/graph", {
      query: { ...focusQuery(focus), depth, direction },
      signal,
    }),
  impact: (focus: Focus, signal?: AbortSignal) =>
    api.get<ImpactReport>("/api/lineage/impact", { query: focusQuery(focus), signal }),
};

export function focusLabel(focus: Focus): string {
  return focus.column ? `${focus.table}.${focus.column}` : focus.table;
}
