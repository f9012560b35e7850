import { config } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { problemResponse } from "@/lib/http/problem";
import { methodNotAllowed } from "@/lib/http/methods";
import { PROTECTED_RESOURCE_METADATA_PATH, protectedResourceMetadata } from "@/lib/mcp/resource-metadata";

// GET /.well-known/oauth-protected-resource[/api/mcp] — RFC 9728 metadata, so MCP clients know a bearer key is expected
export async function GET(_request: Request, { params }: { params: Promise<{ path?: string[] }> }) {
  const { path = [] } = await params;
  const suffix = path.length ? `/${path.map((p) => encodeURIComponent(p)).join("/")}` : "";
  const metadata = protectedResourceMetadata(config(), suffix);
  if (!metadata) return problemResponse(new AppError("not_found", "Countersign serves no protected resource at that path."), `${PROTECTED_RESOURCE_METADATA_PATH}${suffix}`);
  return Response.json(metadata, { headers: { "cache-control": "public, max-age=300" } });
}

// POST, PUT, PATCH, DELETE — 405 problem details naming the method this path answers
const otherMethod = methodNotAllowed(["GET"]);
export { otherMethod as POST, otherMethod as PUT, otherMethod as PATCH, otherMethod as DELETE };
