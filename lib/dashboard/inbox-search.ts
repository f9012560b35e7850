// The inbox's filters as URL search parameters. Pure: shared by the page, the client and the route.
export const STATUSES = ["pending", "cooling_down", "approved", "denied", "expired", "cancelled", "revoked", "executed", "failed"] as const;

/** Statuses a reviewer can still act on: the inbox's first section. */
export const WAITING: ReadonlySet<string> = new Set(["pending", "cooling_down"]);

export interface InboxFilterValues {
  status?: string;
  risk?: string;
  environment?: string;
  agent?: string;
}

export function inboxSearch(filters: InboxFilterValues, cursor?: string | null): string {
  const params = new URLSearchParams();
  for (const key of ["status", "risk", "environment", "agent"] as const) {
    const value = filters[key];
    if (value) params.set(key, value);
  }
  if (cursor) params.set("cursor", cursor);
  return params.toString();
}
