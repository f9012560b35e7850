import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { requireReviewer } from "@/lib/auth/session";
import { getRequestDetail } from "@/lib/dashboard/request-detail";
import { problemResponse } from "@/lib/http/problem";

export const dynamic = "force-dynamic";

const HEADERS = { "cache-control": "private, no-store", "x-content-type-options": "nosniff" };

// GET /api/dashboard/requests/{id}/diff — the agent's whole planned change, as a plain-text download
// (the request page shows only a preview of large diffs)
export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  try {
    await requireReviewer("viewer");
    const request = await getRequestDetail(await db(), id);
    if (!request?.diff) throw new AppError("not_found", "This request has no planned change.");
    return new Response(request.diff.content, {
      headers: {
        ...HEADERS,
        "content-type": "text/plain; charset=utf-8",
        "content-disposition": `attachment; filename="countersign-request-${request.id}.diff"`,
      },
    });
  } catch (error) {
    const response = problemResponse(error);
    for (const [k, v] of Object.entries(HEADERS)) response.headers.set(k, v);
    return response;
  }
}
