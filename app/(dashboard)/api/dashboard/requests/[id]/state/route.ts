import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { getRequestState } from "@/lib/dashboard/request-detail";
import { withReviewer } from "@/lib/http/with-reviewer";

export const dynamic = "force-dynamic";

// GET /api/dashboard/requests/{id}/state — status and review count, polled by the open request page
export const GET = withReviewer<{ id: string }>("viewer", async ({ params }) => {
  const state = await getRequestState(await db(), params.id);
  if (!state) throw new AppError("not_found", "No such request.");
  return Response.json(state);
});
