import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { getRequestDetail } from "@/lib/dashboard/request-detail";
import { withReviewer } from "@/lib/http/with-reviewer";

export const dynamic = "force-dynamic";

// GET /api/dashboard/requests/{id}/diff — the agent's whole planned change, as a plain-text download
// (the request page shows only a preview of large diffs)
export const GET = withReviewer<{ id: string }>("viewer", async ({ params }) => {
  const request = await getRequestDetail(await db(), params.id);
  if (!request?.diff) throw new AppError("not_found", "This request has no planned change.");
  return new Response(request.diff.content, {
    headers: {
      "content-type": "text/plain; charset=utf-8",
      "content-disposition": `attachment; filename="countersign-request-${request.id}.diff"`,
    },
  });
});
