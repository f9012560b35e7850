import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { getRequestDetail } from "@/lib/dashboard/request-detail";
import { operationDownload } from "@/lib/dashboard/operation-text";
import { withReviewer } from "@/lib/http/with-reviewer";

export const dynamic = "force-dynamic";

// GET /api/dashboard/requests/{id}/operation — the exact operation as a plain-text download: the SQL
// or command itself, or with ?format=json the whole operation as stored (the page cuts long lines)
export const GET = withReviewer<{ id: string }>("viewer", async ({ request, params }) => {
  const detail = await getRequestDetail(await db(), params.id);
  if (!detail) throw new AppError("not_found", "No such request.");
  const format = new URL(request.url).searchParams.get("format") === "json" ? "json" : "text";
  const file = operationDownload(detail.kind, detail.operation, format);
  return new Response(file.content, {
    headers: {
      "content-type": `${file.contentType}; charset=utf-8`,
      "content-disposition": `attachment; filename="countersign-request-${detail.id}.${file.extension}"`,
    },
  });
});
