// The registry's endpoints, typed; every failure is an ApiError (see ../api.ts).
import { api, ApiError, isApiErrorBody, tokenStore } from "../api";
import type {
  Bump,
  DiffResult,
  EventDefinition,
  EventDetail,
  EventVersion,
  EventVolume,
  ExportFormat,
  Facets,
  NameReport,
  SaveResult,
  SearchResult,
  ValidateResult,
} from "./types";

const BASE = "/api/events";
const path = (name: string, rest = "") => `${BASE}/${encodeURIComponent(name)}${rest}`;

export interface DictionaryFilters {
  q: string;
  team?: string;
  service?: string;
  status?: string;
  tag?: string;
}

export const eventsApi = {
  search: (filters: DictionaryFilters, signal?: AbortSignal) =>
    api.get<SearchResult>(BASE, { signal, query: { ...filters, limit: 100 } }),
  facets: (filters: DictionaryFilters, signal?: AbortSignal) =>
    api.get<Facets>(`${BASE}/facets`, { signal, query: { ...filters } }),
  get: (name: string, signal?: AbortSignal) => api.get<EventDetail>(path(name), { signal }),
  versions: (name: string, signal?: AbortSignal) =>
    api.get<EventVersion[]>(path(name, "/versions"), { signal }),
  volume: (name: string, days: number, signal?: AbortSignal) =>
    api.get<EventVolume>(path(name, "/volume"), { signal, query: { days } }),
  diff: (name: string, from: string, to: string, signal?: AbortSignal) =>
    api.get<DiffResult>(path(name, "/diff"), { signal, query: { from, to } }),
  checkName: (name: string, exclude: string | undefined, signal?: AbortSignal) =>
    api.get<NameReport>(`${BASE}/validate/name`, { signal, query: { name, exclude } }),
  validate: (definition: EventDefinition, bump: Bump, signal?: AbortSignal) =>
    api.post<ValidateResult>(`${BASE}/validate`, { definition, bump }, { signal }),
  create: (definition: EventDefinition, message: string, allowSimilar: boolean) =>
    api.post<SaveResult>(BASE, { definition, message, allow_similar: allowSimilar }),
  edit: (definition: EventDefinition, message: string, bump: Bump, baseVersion: string) =>
    api.put<SaveResult>(path(definition.name), {
      definition,
      message,
      bump,
      base_version: baseVersion,
    }),
  /** A saved version's export, as the exact text of the file. */
  exportText: (name: string, format: ExportFormat, version: string, signal?: AbortSignal) =>
    fetchText(path(name, `/export/${format}?version=${encodeURIComponent(version)}`), {
      signal,
    }),
  /** The export of an unsaved definition (the builder's live preview). */
  previewText: (definition: EventDefinition, format: ExportFormat, signal?: AbortSignal) =>
    fetchText(`${BASE}/preview/${format}`, {
      method: "POST",
      body: JSON.stringify({ definition }),
      headers: { "Content-Type": "application/json" },
      signal,
    }),
};

/** Like apiFetch, but hands back the body as text (exports must be copied byte for byte). */
async function fetchText(url: string, init: RequestInit): Promise<string> {
  const headers = new Headers(init.headers);
  const token = tokenStore.get();
  if (token) headers.set("Authorization", `Bearer ${token}`);
  let response: Response;
  try {
    response = await fetch(url, { ...init, headers });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === "AbortError") throw cause;
    throw new ApiError("unreachable", "Cannot reach the Loam server.", 0);
  }
  const text = await response.text();
  if (response.ok) return text;
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  if (isApiErrorBody(body)) {
    const { code, message, status, details } = body.error;
    throw new ApiError(code, message, status || response.status, details ?? [], body);
  }
  throw new ApiError(`http_${response.status}`, `The server answered ${response.status}`, response.status);
}
