// Hooks every page can use: the token, the platform's health, who is signed in.
import { useQuery } from "@tanstack/react-query";
import { useEffect, useSyncExternalStore } from "react";
import {
  ApiError,
  fetchHealth,
  fetchIdentity,
  tokenStore,
  type HealthReport,
  type Identity,
  type Role,
} from "./api";

/** How often the header asks `/api/health` again. */
export const HEALTH_REFRESH_MS = 10_000;

/** The API token currently in use (null: none); re-renders when it changes. */
export function useToken(): string | null {
  return useSyncExternalStore(tokenStore.subscribe, tokenStore.get, () => null);
}

export function useHealth() {
  return useQuery<HealthReport, ApiError>({
    queryKey: ["platform", "health"],
    queryFn: ({ signal }) => fetchHealth(signal),
    refetchInterval: HEALTH_REFRESH_MS,
    refetchIntervalInBackground: false,
    retry: false, // the interval retries; a failure must show at once
  });
}

/**
 * Who the token belongs to. `data` is null when there is no token or the server
 * has no `/api/auth/me`; a rejected token is an error with status 401.
 */
export function useIdentity() {
  const token = useToken();
  return useQuery<Identity | null, ApiError>({
    queryKey: ["platform", "me", token],
    queryFn: ({ signal }) => (token ? fetchIdentity(signal) : Promise.resolve(null)),
    staleTime: 60_000,
    retry: false,
  });
}

const ROLE_RANK: Record<Role, number> = { viewer: 1, editor: 2, admin: 3 };

/** True when the signed-in role is at least `minimum` (viewer < editor < admin). */
export function hasRole(identity: Identity | null | undefined, minimum: Role): boolean {
  if (!identity) return false;
  return (ROLE_RANK[identity.role] ?? 0) >= ROLE_RANK[minimum];
}

/** Whether to offer write actions; the server still enforces roles on every write. */
export function useCanEdit(): boolean {
  const { data } = useIdentity();
  return hasRole(data, "editor");
}

/** Sets the browser tab's title to "<title> · Loam". */
export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · Loam` : "Loam";
  }, [title]);
}
