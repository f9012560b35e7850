import { db } from "@/lib/db";
import { requireReviewer } from "@/lib/auth/session";
import { AppError } from "@/lib/errors";
import { CSV_COLUMNS, csvLine, exportAudit, parseAuditFilters } from "@/lib/dashboard/audit";
import { problemResponse } from "@/lib/http/problem";

export const dynamic = "force-dynamic";

// GET /audit/export?format=jsonl|csv — the audit log (filtered like the page) as a download, for admins
export async function GET(request: Request) {
  try {
    await requireReviewer("admin");
    const params = new URL(request.url).searchParams;
    const format = params.get("format") ?? "jsonl";
    if (format !== "jsonl" && format !== "csv") throw new AppError("bad_request", "format must be jsonl or csv.");
    const filters = parseAuditFilters(params);
    const prisma = await db();
    const batches = exportAudit(prisma, filters);
    const encoder = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        if (format === "csv") controller.enqueue(encoder.encode(CSV_COLUMNS.join(",") + "\r\n"));
      },
      async pull(controller) {
        try {
          const next = await batches.next();
          if (next.done) {
            controller.close();
            return;
          }
          const text = next.value.map((row) => (format === "csv" ? csvLine(row) : JSON.stringify(row) + "\n")).join("");
          controller.enqueue(encoder.encode(text));
        } catch (error) {
          controller.error(error);
        }
      },
      async cancel() {
        await batches.return(undefined);
      },
    });
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    return new Response(stream, {
      headers: {
        "content-type": format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
        "content-disposition": `attachment; filename="countersign-audit-${stamp}.${format}"`,
        "cache-control": "private, no-store",
        "x-content-type-options": "nosniff",
      },
    });
  } catch (error) {
    return problemResponse(error, "/audit/export");
  }
}
