// The wrapper the dashboard's own read routes use: the signed-in reviewer with at least `role`,
// private no-store answers, and any error as RFC 9457 problem details (never a page).
import "server-only";
import { requireReviewer, type Reviewer } from "../auth/session";
import type { Role } from "../users/roles";
import { problemResponse } from "./problem";

const PRIVATE_HEADERS = { "cache-control": "private, no-store", "x-content-type-options": "nosniff" };

type RouteContext<P> = { params: Promise<P> };

export function withReviewer<P = Record<string, never>>(
  role: Role,
  handler: (input: { request: Request; params: P; reviewer: Reviewer }) => Promise<Response>,
): (request: Request, context: RouteContext<P>) => Promise<Response> {
  return async (request, context) => {
    let response: Response;
    try {
      const reviewer = await requireReviewer(role);
      response = await handler({ request, params: await context.params, reviewer });
    } catch (error) {
      response = problemResponse(error, new URL(request.url).pathname);
    }
    for (const [name, value] of Object.entries(PRIVATE_HEADERS)) response.headers.set(name, value);
    return response;
  };
}
