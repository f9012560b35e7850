import { checkHealth } from "@/lib/server/health";
import { methodNotAllowed } from "@/lib/http/methods";

// GET /api/health — liveness and database reachability, for load balancers and monitors
export async function GET() {
  const health = await checkHealth();
  return Response.json(health, {
    status: health.status === "ok" ? 200 : 503,
    headers: { "Cache-Control": "no-store" },
  });
}

// POST, PUT, PATCH, DELETE /api/health — 405 problem details naming the methods this path answers
const otherMethod = methodNotAllowed(["GET"]);
export { otherMethod as POST, otherMethod as PUT, otherMethod as PATCH, otherMethod as DELETE };
