// `npm run mcp`: the stdio MCP bridge (client/mcp-bridge.ts), compiled ahead of time (scripts/compiled.mjs).
import { importCompiled } from "./compiled.mjs";

await importCompiled("client", "mcp-bridge");
