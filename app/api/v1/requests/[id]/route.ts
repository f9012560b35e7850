import { readRequestRoute } from "@/lib/http/agent-routes";
import { methodNotAllowed } from "@/lib/http/methods";

// GET /api/v1/requests/{id}[?wait=N] — the agent reads its request, long-polling up to 60 s (the custom server answers it first; see lib/server/fast-path.ts)
export const GET = readRequestRoute;

// POST, PUT, PATCH, DELETE /api/v1/requests/{id} — 405 problem details naming the methods this path answers
const otherMethod = methodNotAllowed(["GET"]);
export { otherMethod as POST, otherMethod as PUT, otherMethod as PATCH, otherMethod as DELETE };
