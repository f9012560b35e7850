import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { requireReviewer } from "@/lib/auth/session";
import { getRequestDetail } from "@/lib/dashboard/request-detail";
import { operationDownload } from "@/lib/dashboard/operation-text";
import { problemResponse } from "@/lib/http/problem";

export const dynamic = "force-dynamic";

const HEADERS = { "cache-control": "private, no-store", "x-content-type-options": "nosniff" };

// GET /api/dashboard/requests/{id}/operation — the exact operation as a plain-text download: the SQL
// or command itself, or with ?format=json the whole operation as stored (the page cuts long lines)
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  try {
    await requireReviewer("viewer");
    const detail = await getRequestDetail(await db(), id);
    if (!detail) throw new AppError("not_found", "No such request.");
    const format = new URL(request.url).searchParams.get("format") === "json" ? "json" : "text";
    const file = operationDownload(detail.kind, detail.operation, format);
    return new Response(file.content, {
      headers: {
        ...HEADERS,
        "content-type": `${file.contentType}; charset=utf-8`,
        "content-disposition": `attachment; filename="countersign-request-${detail.id}.${file.extension}"`,
      },
    });
  } catch (error) {
    const response = problemResponse(error);
    for (const [k, v] of Object.entries(HEADERS)) response.headers.set(k, v);
    return response;
  }
}
