import { healthResponse } from "@/lib/server/health";
import { methodNotAllowed } from "@/lib/http/methods";

// GET /api/health — liveness and database reachability, for load balancers and monitors (the custom server answers it first; see lib/server/fast-path.ts)
export const GET = healthResponse;

// POST, PUT, PATCH, DELETE /api/health — 405 problem details naming the methods this path answers
const otherMethod = methodNotAllowed(["GET"]);
export { otherMethod as POST, otherMethod as PUT, otherMethod as PATCH, otherMethod as DELETE };
