import { db } from "@/lib/db";
import { requireReviewer } from "@/lib/auth/session";
import { listInbox, parseInboxFilters } from "@/lib/dashboard/inbox";
import { problemResponse } from "@/lib/http/problem";

export const dynamic = "force-dynamic";

const HEADERS = { "cache-control": "private, no-store", "x-content-type-options": "nosniff" };

// GET /api/dashboard/requests — the signed-in reviewer's inbox page (filters and cursor in the query)
export async function GET(request: Request) {
  try {
    const reviewer = await requireReviewer("viewer");
    const params = new URL(request.url).searchParams;
    const page = await listInbox(await db(), parseInboxFilters(params), { cursor: params.get("cursor"), reviewer });
    return Response.json(page, { headers: HEADERS });
  } catch (error) {
    return withHeaders(problemResponse(error, "/api/dashboard/requests"));
  }
}

function withHeaders(response: Response): Response {
  for (const [k, v] of Object.entries(HEADERS)) response.headers.set(k, v);
  return response;
}
