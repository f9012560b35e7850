// Drives the agent API's route handlers in-process with real Request objects, against a fresh
// database — every layer but the HTTP listener (test/http-*.test.ts cover that with real servers).
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadConfig, setConfig, type Config } from "../lib/env";
import { useDatabase } from "../lib/db";
import { prepareDatabase } from "../lib/server/bootstrap";
import { createTestDatabase, type DatabaseKind, type TestDatabase } from "./databases";
import { createUser } from "../lib/users";
import { createAgent, type Scope } from "../lib/agents";
import { randomBytes } from "node:crypto";
import { loadRiskEngine } from "../lib/risk";
import { CLIENT_ADDRESS_HEADER } from "../lib/http/client-address";

export const BASE = "http://countersign.test";

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface Harness {
  database: TestDatabase;
  config: Config;
  unique(prefix: string): string;
  /** Headers that make a call come from a fresh client address, as server.ts would hand it on. */
  fromNewAddress(): Record<string, string>;
  user(role: "viewer" | "approver" | "admin"): Promise<{ id: string; email: string }>;
  agent(options?: { environments?: string[]; resources?: string[]; scopes?: Scope[]; ownerId?: string | null }): Promise<{ id: string; name: string; key: string; keyId: string }>;
  call(handler: Handler, method: string, pathname: string, options?: { key?: string; body?: unknown; rawBody?: string | Uint8Array; headers?: Record<string, string>; params?: Record<string, string> }): Promise<ApiResponse>;
  close(): Promise<void>;
}

export async function createHarness(kind: DatabaseKind): Promise<Harness> {
  await loadRiskEngine();
  const database = await createTestDatabase(kind);
  const config = loadConfig({
    COUNTERSIGN_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "cs-api-")),
    AUTH_SECRET: randomBytes(32).toString("base64url"),
    COUNTERSIGN_URL: BASE,
    LOG_LEVEL: "silent",
    NODE_ENV: "test",
  });
  setConfig(config);
  useDatabase(database);
  await prepareDatabase(database.prisma, config);
  const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString("hex")}`;
  return {
    database,
    config,
    unique,
    fromNewAddress: () => ({ [CLIENT_ADDRESS_HEADER]: `198.18.${randomBytes(1)[0]}.${randomBytes(1)[0]}` }),
    async user(role) {
      const user = await createUser(database.prisma, { email: `${unique(role)}@example.com`, role, password: "correct horse battery staple" }, { type: "system" });
      return { id: user.id, email: user.email };
    },
    async agent(options = {}) {
      const created = await createAgent(
        database.prisma,
        {
          name: unique("agent"),
          environments: options.environments ?? ["production", "staging", "development"],
          resources: options.resources,
          scopes: options.scopes ?? ["requests:create", "requests:read"],
          ownerId: options.ownerId ?? null,
        },
        { type: "system" },
      );
      return { id: created.agent.id, name: created.agent.name, key: created.plaintext, keyId: created.key.id };
    },
    async call(handler, method, pathname, options = {}) {
      const headers: Record<string, string> = { ...(options.headers ?? {}) };
      if (options.key) headers.authorization = `Bearer ${options.key}`;
      let body: BodyInit | undefined;
      if (options.rawBody !== undefined) body = options.rawBody as BodyInit;
      else if (options.body !== undefined) {
        body = JSON.stringify(options.body);
        headers["content-type"] ??= "application/json";
      }
      const res = await handler(new Request(`${BASE}${pathname}`, { method, headers, body }), { params: Promise.resolve(options.params ?? {}) });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
    },
    async close() {
      useDatabase(undefined);
      await database.drop();
    },
  };
}
