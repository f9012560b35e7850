import { createRequestRoute } from "@/lib/http/agent-routes";
import { methodNotAllowed } from "@/lib/http/methods";

// POST /api/v1/requests — an agent asks to run an operation (the custom server answers it first; see lib/server/fast-path.ts)
export const POST = createRequestRoute;

// GET, HEAD, PUT, PATCH, DELETE /api/v1/requests — 405 problem details naming the methods this path answers
const otherMethod = methodNotAllowed(["POST"]);
export { otherMethod as GET, otherMethod as HEAD, otherMethod as PUT, otherMethod as PATCH, otherMethod as DELETE };
