import { handleMcpPost, mcpMethodNotAllowed } from "@/lib/mcp/server";

// POST /api/mcp — the MCP endpoint (Streamable HTTP, stateless), authenticated by the agent's key
export const POST = handleMcpPost;

// GET, DELETE /api/mcp — no server-initiated stream or session to end: 405, as the transport's spec allows
export const GET = mcpMethodNotAllowed;
export const DELETE = mcpMethodNotAllowed;

// PUT, PATCH /api/mcp — not part of the transport: the same 405
export const PUT = mcpMethodNotAllowed;
export const PATCH = mcpMethodNotAllowed;
