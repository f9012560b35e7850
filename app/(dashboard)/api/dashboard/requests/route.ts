import { db } from "@/lib/db";
import { listInbox, parseInboxFilters } from "@/lib/dashboard/inbox";
import { withReviewer } from "@/lib/http/with-reviewer";

export const dynamic = "force-dynamic";

// GET /api/dashboard/requests — the signed-in reviewer's inbox page (filters and cursor in the query)
export const GET = withReviewer("viewer", async ({ request, reviewer }) => {
  const params = new URL(request.url).searchParams;
  return Response.json(await listInbox(await db(), parseInboxFilters(params), { cursor: params.get("cursor"), reviewer }));
});
