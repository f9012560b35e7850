// Client-side data for live pages: one fetch helper that turns problem details into thrown errors,
// and one react-query hook per query with stable keys.
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import type { InboxFilters, InboxPage } from "./inbox";
import { inboxSearch } from "./inbox-search";

export class ProblemError extends Error {
  override name = "ProblemError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** GETs JSON from the dashboard's own routes; a non-2xx answer becomes a ProblemError. */
export async function fetchJson<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, { cache: "no-store", credentials: "same-origin", ...init, headers: { accept: "application/json", ...init?.headers } });
  if (!res.ok) {
    let code = "http_error";
    let detail = `The server answered ${res.status}.`;
    if ((res.headers.get("content-type") ?? "").includes("json")) {
      const body = (await res.json().catch(() => null)) as { code?: unknown; detail?: unknown; title?: unknown } | null;
      if (typeof body?.code === "string") code = body.code;
      if (typeof body?.detail === "string") detail = body.detail;
      else if (typeof body?.title === "string") detail = body.title;
    }
    if (res.status === 401 && typeof window !== "undefined") {
      // The session ended: sign in again and come back here.
      window.location.assign(`/signin?callbackUrl=${encodeURIComponent(window.location.pathname + window.location.search)}`);
    }
    throw new ProblemError(res.status, code, detail);
  }
  return (await res.json()) as T;
}

export const LIVE_INTERVAL_MS = 4_000;

export const queryKeys = {
  inbox: (filters: InboxFilters) => ["inbox", filters.status ?? "", filters.risk ?? "", filters.environment ?? "", filters.agent ?? ""] as const,
  requestState: (id: string) => ["request-state", id] as const,
};

/** The inbox under the given filters, page by page, refreshed every few seconds. */
export function useInbox(filters: InboxFilters, initialPage?: InboxPage) {
  return useInfiniteQuery({
    queryKey: queryKeys.inbox(filters),
    queryFn: ({ pageParam }) => fetchJson<InboxPage>(`/api/dashboard/requests?${inboxSearch(filters, pageParam)}`),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    initialData: initialPage ? { pages: [initialPage], pageParams: [null] } : undefined,
    refetchInterval: LIVE_INTERVAL_MS,
  });
}

export interface RequestState {
  id: string;
  status: string;
  reviews: number;
  version: string;
}

/** A request's status and review count, polled so the open page notices other reviewers. */
export function useRequestState(id: string) {
  return useQuery({
    queryKey: queryKeys.requestState(id),
    queryFn: () => fetchJson<RequestState>(`/api/dashboard/requests/${encodeURIComponent(id)}/state`),
    refetchInterval: LIVE_INTERVAL_MS,
  });
}
