import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { requireReviewer } from "@/lib/auth/session";
import { getRequestState } from "@/lib/dashboard/request-detail";
import { problemResponse } from "@/lib/http/problem";

export const dynamic = "force-dynamic";

const HEADERS = { "cache-control": "private, no-store", "x-content-type-options": "nosniff" };

// GET /api/dashboard/requests/{id}/state — status and review count, polled by the open request page
export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  try {
    await requireReviewer("viewer");
    const state = await getRequestState(await db(), id);
    if (!state) throw new AppError("not_found", "No such request.");
    return Response.json(state, { headers: HEADERS });
  } catch (error) {
    const response = problemResponse(error);
    for (const [k, v] of Object.entries(HEADERS)) response.headers.set(k, v);
    return response;
  }
}
