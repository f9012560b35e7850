// The real server on a scratch PostgreSQL database, a second scratch database registered as a
// resource, and the official MCP client reaching the server over Streamable HTTP or through the
// stdio bridge (`npm run mcp`). Admin steps (resources, agents, reviewers, decisions) go through
// lib/ on the same PostgreSQL database, as the dashboard would.
import path from "node:path";
import pg from "pg";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { createPostgresDatabase } from "./databases";
import { cleanEnv, startApp, type AppServer } from "./app-server";
import { openPostgres, type Database } from "../lib/db";
import { loadConfig, type Config } from "../lib/env";
import { createAgent, type Scope } from "../lib/agents";
import { createUser } from "../lib/users";
import { randomBytes } from "node:crypto";

const root = path.resolve(import.meta.dirname, "..");
const SECRET = "mcp-test-auth-secret-shared-with-the-server-0123456789";

export type McpTransportKind = "http" | "stdio";

export interface McpFixture {
  app: AppServer;
  /** COUNTERSIGN_URL as the server sees it: review URLs start with it. */
  publicUrl: string;
  database: Database;
  config: Config;
  /** The scratch database registered as resources. */
  target: { url: string; client: pg.Client };
  unique(prefix: string): string;
  agent(options?: { environments?: string[]; scopes?: Scope[] }): Promise<{ id: string; key: string }>;
  reviewer(role?: "approver" | "admin"): Promise<string>;
  connect(kind: McpTransportKind, key: string, stderr?: string[]): Promise<Client>;
  /** Stops the server, runs `whileDown`, and starts it again on the same port and database. */
  restart(whileDown?: () => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

export async function startMcpFixture(seed: string): Promise<McpFixture> {
  const countersignDb = await createPostgresDatabase();
  const targetDb = await createPostgresDatabase();
  const targetClient = new pg.Client({ connectionString: targetDb.url });
  await targetClient.connect();
  await targetClient.query(seed);
  let app = await startApp({ databaseUrl: countersignDb.url, env: { AUTH_SECRET: SECRET } });
  const database = await openPostgres(countersignDb.url);
  // The server's AUTH_SECRET (resource connection URLs are encrypted under it) and public URL
  // (the issuer of the grants a decision here mints).
  const publicUrl = `http://localhost:${app.port}`;
  const config = loadConfig({ DATABASE_URL: countersignDb.url, AUTH_SECRET: SECRET, COUNTERSIGN_URL: publicUrl, LOG_LEVEL: "silent" });
  const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString("hex")}`;
  const clients: Client[] = [];
  return {
    get app() {
      return app;
    },
    publicUrl,
    database,
    config,
    target: { url: targetDb.url, client: targetClient },
    unique,
    async agent(options = {}) {
      const created = await createAgent(
        database.prisma,
        { name: unique("mcp-agent"), environments: options.environments ?? ["production", "staging"], scopes: options.scopes ?? ["requests:create", "requests:read"], ownerId: null },
        { type: "system" },
      );
      return { id: created.agent.id, key: created.plaintext };
    },
    async reviewer(role = "approver") {
      const user = await createUser(database.prisma, { email: `${unique(role)}@example.com`, role, password: "a long enough password" }, { type: "system" });
      return user.id;
    },
    async connect(kind, key, stderr) {
      const client = new Client({ name: "countersign-test-agent", version: "1.0.0" });
      const transport =
        kind === "http"
          ? new StreamableHTTPClientTransport(new URL(`${app.url}/api/mcp`), { requestInit: { headers: { authorization: `Bearer ${key}` } } })
          : new StdioClientTransport({
              command: "npm",
              args: ["run", "--silent", "mcp"],
              cwd: root,
              env: cleanEnv({ COUNTERSIGN_URL: app.url, COUNTERSIGN_API_KEY: key }),
              stderr: "pipe",
            });
      if (transport instanceof StdioClientTransport) transport.stderr?.on("data", (d: Buffer) => stderr?.push(String(d)));
      await client.connect(transport);
      clients.push(client);
      return client;
    },
    async restart(whileDown) {
      await app.stop();
      await whileDown?.();
      app = await startApp({ databaseUrl: countersignDb.url, env: { AUTH_SECRET: SECRET }, port: app.port });
    },
    async close() {
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
      await app?.stop();
      await database?.close();
      await targetClient.end().catch(() => undefined);
      await targetDb.drop();
      await countersignDb.drop();
    },
  };
}

/** A tool call's text and structured content. */
export async function callTool(client: Client, name: string, args: Record<string, unknown> = {}, timeout = 60_000) {
  const result = (await client.callTool({ name, arguments: args }, undefined, { timeout })) as CallToolResult;
  const text = result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
  return { ...result, text, data: result.structuredContent as any };
}
