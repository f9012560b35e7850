// Liveness plus a round trip to the database.
import { database } from "../db";
import { VERSION } from "../version";
import { DATABASE_RETRY_AFTER_SECONDS } from "../errors";

export interface Health {
  status: "ok" | "degraded";
  database: { kind: "postgres" | "embedded" | "unknown"; reachable: boolean; latencyMs?: number; error?: string };
  version: string;
  time: string;
}

export async function checkHealth(): Promise<Health> {
  const started = performance.now();
  try {
    const db = await database();
    await db.prisma.$queryRawUnsafe("SELECT 1");
    return {
      status: "ok",
      database: { kind: db.kind, reachable: true, latencyMs: Math.round((performance.now() - started) * 10) / 10 },
      version: VERSION,
      time: new Date().toISOString(),
    };
  } catch {
    return {
      status: "degraded",
      database: { kind: "unknown", reachable: false, error: "The database did not answer." },
      version: VERSION,
      time: new Date().toISOString(),
    };
  }
}

/** GET /api/health's answer: 200 while the database answers, 503 when it does not. */
export async function healthResponse(): Promise<Response> {
  const health = await checkHealth();
  return Response.json(health, {
    status: health.status === "ok" ? 200 : 503,
    headers: { "Cache-Control": "no-store", ...(health.status === "ok" ? {} : { "Retry-After": String(DATABASE_RETRY_AFTER_SECONDS) }) },
  });
}
