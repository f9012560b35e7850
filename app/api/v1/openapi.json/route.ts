import { config } from "@/lib/env";
import { openApiDocument } from "@/lib/http/openapi";
import { methodNotAllowed } from "@/lib/http/methods";

// GET /api/v1/openapi.json — the OpenAPI 3.1 description of the agent API
export function GET() {
  return Response.json(openApiDocument(config().publicUrl), { headers: { "cache-control": "public, max-age=300" } });
}

// POST, PUT, PATCH, DELETE /api/v1/openapi.json — 405 problem details naming the methods this path answers
const otherMethod = methodNotAllowed(["GET"]);
export { otherMethod as POST, otherMethod as PUT, otherMethod as PATCH, otherMethod as DELETE };
