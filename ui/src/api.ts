// The one way the UI talks to Loam's HTTP API.
//
// - `apiFetch` sends `Authorization: Bearer <token>` when a token is known and
//   turns every failure into an `ApiError` (the server's error shape, a non-JSON
//   answer, or an unreachable server), so pages render errors one way.
// - `tokenStore` keeps the API token in localStorage. A `?token=...` query
//   parameter on any page is saved there and removed from the address bar.

/** One entry of an error's `details` list; the server decides its fields. */
export type ApiErrorDetail = Record<string, unknown>;

/** The JSON body every Loam error answers with. */
export interface ApiErrorBody {
  error: {
    code: string;
    message: string;
    status: number;
    details?: ApiErrorDetail[];
  };
}

/** Why a request failed, in the server's own words when it gave any. */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number; // 0: the server could not be reached
  readonly details: ApiErrorDetail[];
  /** The parsed response body, when there was one. */
  readonly body: unknown;

  constructor(
    code: string,
    message: string,
    status: number,
    details: ApiErrorDetail[] = [],
    body: unknown = null,
  ) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.status = status;
    this.details = details;
    this.body = body;
  }

  /** True when no HTTP answer arrived at all (server down, network cut). */
  get unreachable(): boolean {
    return this.status === 0;
  }
}

export function isApiErrorBody(value: unknown): value is ApiErrorBody {
  if (typeof value !== "object" || value === null || !("error" in value)) return false;
  const error = (value as { error: unknown }).error;
  return (
    typeof error === "object" &&
    error !== null &&
    typeof (error as { code?: unknown }).code === "string" &&
    typeof (error as { message?: unknown }).message === "string"
  );
}

// ---------------------------------------------------------------------------
// Token store

const TOKEN_KEY = "loam.token";
type Listener = () => void;
const listeners = new Set<Listener>();

function readStorage(): string | null {
  try {
    return window.localStorage.getItem(TOKEN_KEY);
  } catch {
    return null; // storage disabled (private mode, sandboxed frame)
  }
}

let currentToken: string | null = readStorage();

function setToken(token: string | null): void {
  const cleaned = token?.trim() || null;
  currentToken = cleaned;
  try {
    if (cleaned) window.localStorage.setItem(TOKEN_KEY, cleaned);
    else window.localStorage.removeItem(TOKEN_KEY);
  } catch {
    // Kept in memory for this tab only.
  }
  listeners.forEach((listener) => listener());
}

export const tokenStore = {
  get: (): string | null => currentToken,
  set: (token: string): void => setToken(token),
  clear: (): void => setToken(null),
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

// Another tab saving or clearing the token updates this one too.
window.addEventListener("storage", (event) => {
  if (event.key === TOKEN_KEY) {
    currentToken = readStorage();
    listeners.forEach((listener) => listener());
  }
});

/**
 * Saves a `?token=` query parameter and removes it from the address bar, so the
 * token is neither bookmarked nor left in the browser history. Call before routing.
 */
export function adoptTokenFromUrl(): void {
  const url = new URL(window.location.href);
  const token = url.searchParams.get("token");
  if (token === null) return;
  if (token.trim()) tokenStore.set(token);
  url.searchParams.delete("token");
  window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
}

// ---------------------------------------------------------------------------
// Requests

export interface RequestOptions extends Omit<RequestInit, "body"> {
  /** Sent as JSON unless it is already a string, FormData or Blob. */
  body?: unknown;
  /** Query parameters; undefined values are left out. */
  query?: Record<string, string | number | boolean | undefined>;
}

function buildUrl(path: string, query: RequestOptions["query"]): string {
  const url = new URL(path.startsWith("/") ? path : `/api/${path}`, window.location.origin);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  return url.pathname + url.search;
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return null;
  const type = response.headers.get("content-type") ?? "";
  if (type.includes("json")) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

/**
 * Fetches `path` (`/api/...`, or a bare `health` meaning `/api/health`) and
 * returns its parsed JSON body; throws `ApiError` on any failure.
 */
export async function apiFetch<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const { body, query, headers: extraHeaders, ...init } = options;
  const headers = new Headers(extraHeaders);
  headers.set("Accept", "application/json");
  const token = tokenStore.get();
  if (token && !headers.has("Authorization")) headers.set("Authorization", `Bearer ${token}`);

  let payload: BodyInit | undefined;
  if (body === undefined || body === null) {
    payload = undefined;
  } else if (typeof body === "string" || body instanceof FormData || body instanceof Blob) {
    payload = body;
  } else {
    payload = JSON.stringify(body);
    headers.set("Content-Type", "application/json");
  }

  let response: Response;
  try {
    response = await fetch(buildUrl(path, query), { ...init, headers, body: payload });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === "AbortError") throw cause;
    throw new ApiError("unreachable", "Cannot reach the Loam server.", 0);
  }

  const data = await readBody(response);
  if (response.ok) return data as T;
  if (isApiErrorBody(data)) {
    const { code, message, status, details } = data.error;
    throw new ApiError(code, message, status || response.status, details ?? [], data);
  }
  const message =
    typeof data === "string" && data.trim() && data.length < 300
      ? data.trim()
      : `The server answered ${response.status} ${response.statusText}`.trim();
  throw new ApiError(`http_${response.status}`, message, response.status, [], data);
}

export const api = {
  get: <T>(path: string, options?: RequestOptions) => apiFetch<T>(path, { ...options, method: "GET" }),
  post: <T>(path: string, body?: unknown, options?: RequestOptions) =>
    apiFetch<T>(path, { ...options, method: "POST", body }),
  put: <T>(path: string, body?: unknown, options?: RequestOptions) =>
    apiFetch<T>(path, { ...options, method: "PUT", body }),
  patch: <T>(path: string, body?: unknown, options?: RequestOptions) =>
    apiFetch<T>(path, { ...options, method: "PATCH", body }),
  delete: <T>(path: string, options?: RequestOptions) => apiFetch<T>(path, { ...options, method: "DELETE" }),
};

// ---------------------------------------------------------------------------
// Shapes of the platform endpoints the shell uses

export interface ComponentHealth {
  component: string;
  backend: string;
  ok: boolean;
  detail: string;
  fix: string;
}

export interface HealthReport {
  status: "ok" | "degraded";
  version: string;
  components: ComponentHealth[];
}

export type Role = "viewer" | "editor" | "admin";

export interface Identity {
  name: string;
  role: Role;
}

function isHealthReport(value: unknown): value is HealthReport {
  return (
    typeof value === "object" &&
    value !== null &&
    Array.isArray((value as { components?: unknown }).components)
  );
}

/** `/api/health`; a degraded platform may answer 503 with the same report, which is still a report. */
export async function fetchHealth(signal?: AbortSignal): Promise<HealthReport> {
  let report: unknown;
  try {
    report = await apiFetch<unknown>("/api/health", { signal });
  } catch (error) {
    if (error instanceof ApiError && isHealthReport(error.body)) return error.body;
    throw error;
  }
  if (!isHealthReport(report)) {
    throw new ApiError("bad_health", "The server's health report lists no components.", 200);
  }
  return report;
}

/** `/api/auth/me`: who the current token belongs to; null when no such endpoint. */
export async function fetchIdentity(signal?: AbortSignal): Promise<Identity | null> {
  try {
    return await apiFetch<Identity>("/api/auth/me", { signal });
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 405)) return null;
    throw error;
  }
}
