import { checkHealth } from "@/lib/server/health";

// GET /api/health — liveness and database reachability, for load balancers and monitors
export async function GET() {
  const health = await checkHealth();
  return Response.json(health, {
    status: health.status === "ok" ? 200 : 503,
    headers: { "Cache-Control": "no-store" },
  });
}
