import { config } from "@/lib/env";
import { openApiDocument } from "@/lib/http/openapi";

// GET /api/v1/openapi.json — the OpenAPI 3.1 description of the agent API
export function GET() {
  return Response.json(openApiDocument(config().publicUrl), { headers: { "cache-control": "public, max-age=300" } });
}
