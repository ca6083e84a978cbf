import { QueryClient } from "@tanstack/react-query";
import { ApiError, tokenStore } from "./api";

/** Client errors (4xx) will not change by retrying; server and network errors may. */
function shouldRetry(failureCount: number, error: unknown): boolean {
  if (error instanceof ApiError && error.status >= 400 && error.status < 500) return false;
  return failureCount < 2;
}

export function createQueryClient(): QueryClient {
  const client = new QueryClient({
    defaultOptions: {
      queries: { retry: shouldRetry, staleTime: 5_000 },
      mutations: { retry: false },
    },
  });
  // Data fetched with one token must not be shown under another.
  tokenStore.subscribe(() => {
    void client.resetQueries();
  });
  return client;
}
