// The MCP endpoint against the running app on PostgreSQL, driven by the official MCP client over
// Streamable HTTP and through the stdio bridge (`npm run mcp`): the same tools, the same answers.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { DATABASE_KINDS } from "./databases";
import { cleanEnv } from "./app-server";
import { callTool, startMcpFixture, type McpFixture, type McpTransportKind } from "./mcp-fixture";
import { decideRequest } from "./decide";
import { registerResource } from "../lib/resources";
import { savePolicy } from "../lib/policy/store";

const root = path.resolve(import.meta.dirname, "..");

const SEED = `
  CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL);
  INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 20) g;
  CREATE TABLE audit_trail (id serial PRIMARY KEY, note text);
`;

describe.runIf(DATABASE_KINDS.includes("postgres"))("MCP endpoint on the running app", () => {
  let f: McpFixture;
  let staging: string;
  let production: string;

  beforeAll(async () => {
    f = await startMcpFixture(SEED);
    staging = f.unique("staging-db");
    production = f.unique("prod-db");
    const admin = { type: "system" as const };
    await registerResource(f.database.prisma, f.config, { name: staging, environment: "staging", connectionUrl: f.target.url, description: "Scratch copy" }, admin);
    await registerResource(f.database.prisma, f.config, { name: production, environment: "production", connectionUrl: f.target.url, description: "Customers" }, admin);
  }, 120_000);
  afterAll(async () => {
    await f?.close();
  });

  const count = async (table: string) => Number((await f.target.client.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n);

  describe.each<McpTransportKind>(["http", "stdio"])("over %s", (kind) => {
    let client: Client;
    let agent: { id: string; key: string };
    const stderr: string[] = [];

    beforeAll(async () => {
      agent = await f.agent();
      client = await f.connect(kind, agent.key, stderr);
    }, 60_000);

    it("lists its five tools, described for a model, and the registered resources without connection URLs", async () => {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(["check_request", "http_request", "list_resources", "request_approval", "run_sql"]);
      const runSql = tools.find((t) => t.name === "run_sql")!;
      expect(runSql.description).toMatch(/check_request/);
      expect(runSql.inputSchema.required).toEqual(["resource", "sql"]);
      const check = tools.find((t) => t.name === "check_request")!;
      // A longer wait is clamped to 45 seconds, not refused: the schema sets no maximum and says so.
      expect((check.inputSchema.properties as any).waitSeconds.maximum).toBeUndefined();
      expect(check.description).toMatch(/at most 45 seconds: a larger value is clamped to 45, not refused/);
      // Every tool declares what its structuredContent holds (the client validates each answer against it).
      for (const tool of tools) expect(tool.outputSchema, tool.name).toMatchObject({ type: "object" });
      expect(client.getInstructions()).toMatch(/Never work around a pending or denied request/);

      const listed = await callTool(client, "list_resources");
      expect(listed.isError).toBeFalsy();
      expect(listed.data.resources).toEqual(
        expect.arrayContaining([
          { name: staging, environment: "staging", kind: "postgres", description: "Scratch copy" },
          { name: production, environment: "production", kind: "postgres", description: "Customers" },
        ]),
      );
      expect(listed.text).not.toContain(f.target.url);
      expect(listed.text).not.toContain(new URL(f.target.url).pathname.slice(1));
    });

    it("runs an allowed SELECT at once and returns its rows", async () => {
      const res = await callTool(client, "run_sql", { resource: staging, sql: "SELECT id, name FROM customers WHERE id <= 3 ORDER BY id", summary: "Look up customers" });
      expect(res.isError).toBeFalsy();
      expect(res.text).toMatch(/^Executed: SELECT 3\./);
      expect(res.data.request).toMatchObject({ status: "executed", environment: "staging", resource: staging });
      expect(res.data.result).toMatchObject({ status: "executed", fields: ["id", "name"], rows: [{ id: 1, name: "customer 1" }, { id: 2, name: "customer 2" }, { id: 3, name: "customer 3" }] });
    });

    it("holds a DELETE for people, returns the review URL at once, and runs it exactly once after approval", async () => {
      const before = await count("customers");
      const started = Date.now();
      const res = await callTool(client, "run_sql", { resource: production, sql: `DELETE FROM customers WHERE id = ${kind === "http" ? 20 : 19}`, reasoning: "The customer asked to be forgotten" });
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(res.isError).toBeFalsy();
      const id = res.data.request.id;
      expect(res.data.request).toMatchObject({ status: "pending", environment: "production", reviewUrl: `${f.publicUrl}/requests/${id}` });
      expect(res.text).toContain(`Review page: ${f.publicUrl}/requests/${id}`);
      expect(res.text).toMatch(/^Pending: waiting for people/);
      expect(res.text).toContain(`call check_request with id "${id}"`);
      expect(res.text).toMatch(/Risk: (medium|high)/);
      // Countersign measured it for the reviewers; the agent is not told the counts.
      expect(res.data.request).not.toHaveProperty("plannedEffect");
      expect(res.text).not.toMatch(/of 20 rows|of \d+ rows in/);
      const stored = await f.database.prisma.request.findUniqueOrThrow({ where: { id } });
      expect((stored.plannedEffect as { summary: string }).summary).toMatch(/^Deletes 1 of \d+ rows in `public\.customers`/);
      expect(await count("customers")).toBe(before);

      const still = await callTool(client, "check_request", { id, waitSeconds: 0 });
      expect(still.data.request.status).toBe("pending");
      expect(await count("customers")).toBe(before);

      // A reviewer approves while the agent is waiting in check_request.
      const waiting = callTool(client, "check_request", { id, waitSeconds: 30 });
      await new Promise((r) => setTimeout(r, 300));
      await decideRequest(f.database.prisma, f.config, { requestId: id, reviewerId: await f.reviewer(), decision: { decision: "approve" } });
      const ran = await waiting;
      expect(ran.isError, ran.text).toBeFalsy();
      expect(ran.text).toMatch(/^Executed: DELETE 1\./);
      expect(ran.data.request.status).toBe("executed");
      expect(await count("customers")).toBe(before - 1);

      const again = await callTool(client, "check_request", { id, waitSeconds: 0 });
      expect(again.isError).toBeFalsy();
      expect(again.text).toMatch(/^Already executed: Run by Countersign's executor: DELETE 1/);
      expect(await count("customers")).toBe(before - 1);
      const redeemed = await f.database.prisma.auditEvent.count({ where: { subjectId: id, type: "grant.redeemed" } });
      expect(redeemed).toBe(1);
    });

    it("check_request brings a decision recorded while the server was down, after a restart, and runs the statement once", async () => {
      const before = await count("customers");
      const res = await callTool(client, "run_sql", { resource: production, sql: `DELETE FROM customers WHERE id = ${kind === "http" ? 18 : 17}` });
      const id = res.data.request.id;
      expect(res.data.request.status).toBe("pending");

      // The agent is waiting in check_request when the server goes away.
      const interrupted = callTool(client, "check_request", { id, waitSeconds: 40 }).then(
        (r) => ({ isError: r.isError === true, text: r.text }),
        (e: Error) => ({ isError: true, text: String(e) }),
      );
      await new Promise((r) => setTimeout(r, 500));
      await f.restart(async () => {
        expect(await count("customers")).toBe(before);
        await decideRequest(f.database.prisma, f.config, { requestId: id, reviewerId: await f.reviewer(), decision: { decision: "approve" } });
      });
      const first = await interrupted;
      // Cut off by the restart (or answered by the new server): it never ran anything twice.
      if (first.isError) expect(await count("customers")).toBe(before);

      // The same MCP client asks again, against the restarted server on the same address.
      const checked = await callTool(client, "check_request", { id, waitSeconds: 5 });
      expect(checked.isError, checked.text).toBeFalsy();
      expect(checked.text).toMatch(first.isError ? /^Executed: DELETE 1\./ : /^(Executed: DELETE 1\.|Already executed: Run by Countersign's executor: DELETE 1)/);
      expect(await count("customers")).toBe(before - 1);
      expect(await f.database.prisma.auditEvent.count({ where: { subjectId: id, type: "grant.redeemed" } })).toBe(1);
    }, 120_000);

    it("brings a reviewer's denial and its reason back to the agent, and nothing runs", async () => {
      const res = await callTool(client, "run_sql", { resource: production, sql: "TRUNCATE audit_trail" });
      const id = res.data.request.id;
      await f.target.client.query("INSERT INTO audit_trail (note) VALUES ('kept')");
      await decideRequest(f.database.prisma, f.config, { requestId: id, reviewerId: await f.reviewer(), decision: { decision: "deny", reason: "The audit trail is evidence <b>keep</b> it" } });
      const checked = await callTool(client, "check_request", { id });
      expect(checked.isError).toBeFalsy();
      expect(checked.data.request).toMatchObject({ status: "denied", reason: "The audit trail is evidence <b>keep</b> it" });
      expect(checked.text).toContain('Denied. Nothing ran. Reason: "The audit trail is evidence <b>keep</b> it"');
      expect(checked.text).toMatch(/Do not retry the same operation/);
      expect(await count("audit_trail")).toBeGreaterThan(0);
    });

    it("asks approval for an operation the agent runs itself and hands back the grant once approved", async () => {
      const operation = { kind: "custom", target: { environment: "staging", resource: "feature-flags" }, action: "flags.disable", params: { flag: "checkout" } };
      const res = await callTool(client, "request_approval", { operation, summary: "Disable the checkout flag", reasoning: "It is failing for every user" });
      expect(res.isError).toBeFalsy();
      expect(res.data.request).toMatchObject({ status: "pending", kind: "custom", environment: "staging" });
      await decideRequest(f.database.prisma, f.config, { requestId: res.data.request.id, reviewerId: await f.reviewer(), decision: { decision: "approve" } });
      const checked = await callTool(client, "check_request", { id: res.data.request.id, waitSeconds: 5 });
      expect(checked.data.request.status).toBe("approved");
      expect(checked.data.request.grant.token).toMatch(/^eyJ/);
      expect(checked.text).toMatch(/^Approved: a single-use grant/);
      expect(checked.text).toContain(`Grant: ${checked.data.request.grant.token}`);
      const stored = await f.database.prisma.request.findUniqueOrThrow({ where: { id: res.data.request.id } });
      expect(stored.context).toEqual({ reasoning: "It is failing for every user" });
    });

    it.each([
      ["an unknown resource", "run_sql", { resource: "no-such-db", sql: "SELECT 1" }, /^Error: Not found \(not_found\)\. No such resource\./],
      ["an environment the agent may not target", "request_approval", { operation: { kind: "shell", target: { environment: "secret-env", resource: "box" }, command: "ls" } }, /^Error: Environment not allowed for this agent \(environment_not_allowed\)/],
      ["an unknown request", "check_request", { id: "00000000-0000-4000-8000-000000000000", waitSeconds: 0 }, /^Error: Not found \(not_found\)\. No such request\./],
      ["a NUL character", "run_sql", { resource: "no-such-db", sql: "SELECT '\u0000'" }, /^Error: The request is not valid \(validation_failed\)[\s\S]*- sql: contains a NUL character/],
      ["a wait over 45 seconds (clamped, so the request is looked up)", "check_request", { id: "00000000-0000-4000-8000-000000000000", waitSeconds: 600 }, /^Error: Not found \(not_found\)\. No such request\./],
    ])("answers %s with a readable tool error", async (_label, tool, args, message) => {
      const res = await callTool(client, tool, args);
      expect(res.isError).toBe(true);
      expect(res.text).toMatch(message);
      expect(res.text).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
    });

    it("answers a statement that failed in the database as a tool error (isError), with the database's message", async () => {
      const res = await callTool(client, "run_sql", { resource: staging, sql: `SELECT * FROM no_such_table_${kind}` });
      expect(res.isError).toBe(true);
      expect(res.text).toMatch(/^Failed: the operation was approved and run, and it did not succeed\./);
      expect(res.text).toContain(`relation \\"no_such_table_${kind}\\" does not exist`);
      expect(res.data.request.status).toBe("failed");
      expect(res.data.result).toMatchObject({ status: "failed", error: expect.stringContaining(`no_such_table_${kind}`) });
      // A statement that ran is not an error.
      expect((await callTool(client, "run_sql", { resource: staging, sql: "SELECT 1 AS one" })).isError).toBeFalsy();
    });

    it("accepts an idempotency key on the tools that create requests: a retry answers with the first request and nothing runs twice", async () => {
      const before = await count("customers");
      const key = f.unique(`retry-${kind}`);
      const sql = `DELETE FROM customers WHERE id = ${kind === "http" ? 16 : 15}`;
      const first = await callTool(client, "run_sql", { resource: production, sql, idempotencyKey: key });
      expect(first.data.request.status).toBe("pending");
      const retry = await callTool(client, "run_sql", { resource: production, sql, idempotencyKey: key });
      expect(retry.isError).toBeFalsy();
      expect(retry.data.request.id).toBe(first.data.request.id);
      expect(await f.database.prisma.request.count({ where: { agentId: agent.id, idempotencyKey: key } })).toBe(1);
      // The same key for another statement is refused, as the API's Idempotency-Key header is.
      const other = await callTool(client, "run_sql", { resource: production, sql: "DELETE FROM customers WHERE id = 1", idempotencyKey: key });
      expect(other.isError).toBe(true);
      expect(other.text).toMatch(/\(idempotency_key_reused\)/);
      expect(await count("customers")).toBe(before);

      const operation = { kind: "shell", target: { environment: "staging", resource: "box" }, command: `rm -rf /tmp/${key}` };
      const asked = await callTool(client, "request_approval", { operation, idempotencyKey: `${key}-approval` });
      const askedAgain = await callTool(client, "request_approval", { operation, idempotencyKey: `${key}-approval` });
      expect(askedAgain.data.request.id).toBe(asked.data.request.id);
      // Without a key, each call is a new request.
      const plain = await callTool(client, "request_approval", { operation });
      expect(plain.data.request.id).not.toBe(asked.data.request.id);
    });

    it("clamps a waitSeconds above the maximum instead of refusing it, and answers once people decide", async () => {
      const res = await callTool(client, "run_sql", { resource: production, sql: `DELETE FROM customers WHERE id = ${kind === "http" ? 14 : 13}` });
      const id = res.data.request.id;
      const waiting = callTool(client, "check_request", { id, waitSeconds: 3600 });
      await new Promise((r) => setTimeout(r, 300));
      await decideRequest(f.database.prisma, f.config, { requestId: id, reviewerId: await f.reviewer(), decision: { decision: "deny", reason: "Not this one" } });
      const answered = await waiting;
      expect(answered.isError, answered.text).toBeFalsy();
      expect(answered.data.request).toMatchObject({ id, status: "denied", reason: "Not this one" });
    });

    it("checks each tool's scope, as the agent API does", async () => {
      const readOnly = await f.agent({ scopes: ["requests:read"] });
      const limited = await f.connect(kind, readOnly.key);
      const res = await callTool(limited, "run_sql", { resource: staging, sql: "SELECT 1" });
      expect(res.isError).toBe(true);
      expect(res.text).toMatch(/^Error: Missing scope \(missing_scope\)\. This key's agent lacks the requests:create scope\./);
      expect((await callTool(limited, "list_resources")).isError).toBeFalsy();
      const refused = await f.database.prisma.auditEvent.findFirst({ where: { type: "auth.refused", actorId: readOnly.id } });
      expect(refused?.data).toMatchObject({ reason: "missing_scope", tool: "run_sql", path: "/api/mcp" });
    });

    it("refuses a bad key", async () => {
      const lines: string[] = [];
      const error = await f.connect(kind, "csk_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", lines).then(
        () => null,
        (e: Error) => e,
      );
      expect(error).not.toBeNull();
      if (kind === "http") expect(String(error)).toMatch(/401/);
      else {
        expect(String(error)).toMatch(/Countersign refused the API key \(401\): The API key is missing, unknown, revoked or expired\. Check COUNTERSIGN_API_KEY\./);
        expect(lines.join("")).toMatch(/refused the API key \(401\)/);
      }
    });
  });

  describe("the MCP gateway in front of a real upstream server (the reference memory server, over stdio)", () => {
    let client: Client;
    let memory: string;
    let marker: string;
    let approver: string;
    const memoryServer = path.join(root, "node_modules/@modelcontextprotocol/server-memory/dist/index.js");
    const upstreamGraph = async () => JSON.parse((await callTool(client, `${memory.replace(/[^A-Za-z0-9_-]/g, "_")}__read_graph`)).text);

    beforeAll(async () => {
      memory = f.unique("mcp/memory");
      marker = f.unique("marker");
      const admin = { type: "system" as const };
      const file = path.join(mkdtempSync(path.join(os.tmpdir(), "cs-memory-")), "memory.jsonl");
      // The marker argument lets the test find (and kill) the upstream's process; the server ignores it.
      await registerResource(f.database.prisma, f.config, { kind: "mcp", name: memory, environment: "development", config: { transport: "stdio", command: process.execPath, args: [memoryServer, marker] }, secret: `MEMORY_FILE_PATH=${file}\n` }, admin);
      await registerResource(f.database.prisma, f.config, { kind: "mcp", name: f.unique("mcp/broken"), environment: "development", config: { transport: "stdio", command: process.execPath, args: ["-e", "process.exit(3)"], timeoutSeconds: 5 } }, admin);
      approver = await f.reviewer();
      client = await f.connect("http", (await f.agent({ environments: ["development"] })).key);
    }, 60_000);

    const tool = (name: string) => `${memory.replace(/[^A-Za-z0-9_-]/g, "_")}__${name}`;

    it("lists the upstream's tools namespaced by resource, with their schemas and annotations, leaving out an upstream that cannot start", async () => {
      const { tools } = await client.listTools();
      const names = tools.map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining(["run_sql", tool("create_entities"), tool("delete_entities"), tool("read_graph")]));
      expect(names.filter((n) => n.includes("broken"))).toEqual([]);
      expect(names.every((n) => /^[A-Za-z0-9_-]{1,64}$/.test(n))).toBe(true);
      const del = tools.find((t) => t.name === tool("delete_entities"))!;
      expect(del.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
      expect(del.inputSchema.required).toEqual(["entityNames"]);
      expect(del.description).toMatch(/through Countersign/);
    });

    it("forwards allowed calls at once, holds a destructive one for people, and calls the upstream once after approval", async () => {
      const created = await callTool(client, tool("create_entities"), { entities: [{ name: "prod-db", entityType: "database", observations: ["holds orders"] }] });
      expect(created.isError).toBeFalsy();
      expect((await upstreamGraph()).entities.map((e: { name: string }) => e.name)).toContain("prod-db");

      const pending = await callTool(client, tool("delete_entities"), { entityNames: ["prod-db"] });
      expect(pending.text).toMatch(/^Pending: waiting for people to approve/);
      const id = pending.data.request.id;
      expect(pending.data.request.risk.findings.map((x: { id: string }) => x.id)).toEqual(expect.arrayContaining(["mcp.destructive_tool", "mcp.destructive_name"]));
      // The upstream has not seen it.
      expect((await upstreamGraph()).entities.map((e: { name: string }) => e.name)).toContain("prod-db");

      await decideRequest(f.database.prisma, f.config, { requestId: id, reviewerId: approver, decision: { decision: "approve" } });
      const ran = await callTool(client, "check_request", { id, waitSeconds: 0 });
      expect(ran.isError).toBeFalsy();
      expect((await upstreamGraph()).entities.map((e: { name: string }) => e.name)).not.toContain("prod-db");
      const again = await callTool(client, "check_request", { id, waitSeconds: 0 });
      expect(again.text).toMatch(/^Already executed/);
      const row = await f.database.prisma.request.findUniqueOrThrow({ where: { id } });
      expect(row.operation).toMatchObject({ kind: "mcp", tool: "delete_entities", arguments: { entityNames: ["prod-db"] }, annotations: { destructiveHint: true } });
    });

    it("applies per-tool policy rules by tool name and argument values", async () => {
      const rules = (await f.database.prisma.policyVersion.findFirstOrThrow({ orderBy: { version: "desc" } })).rules as never[];
      await savePolicy(f.database.prisma, [{ id: "no-observation-deletes", match: { kinds: ["mcp"], tools: ["delete_observations"], arguments: { deletions: "*prod*" } }, effect: { type: "deny", reason: "Observations of production entities stay" } }, ...rules], { type: "system" });
      try {
        const denied = await callTool(client, tool("delete_observations"), { deletions: [{ entityName: "prod-x", observations: ["a"] }] });
        expect(denied.text).toMatch(/^Denied\. Nothing ran\. Reason: "Observations of production entities stay"/);
        const other = await callTool(client, tool("delete_observations"), { deletions: [{ entityName: "dev-x", observations: ["a"] }] });
        expect(other.text).toMatch(/^Pending/);
      } finally {
        await savePolicy(f.database.prisma, rules, { type: "system" });
      }
    });

    it("starts a dead upstream process again on the next call", async () => {
      const pids = () => execFileSync("pgrep", ["-f", marker]).toString().trim().split("\n").sort();
      const before = pids();
      execFileSync("pkill", ["-f", marker]);
      await new Promise((r) => setTimeout(r, 500));
      const res = await callTool(client, tool("read_graph"));
      expect(res.isError).toBeFalsy();
      expect(JSON.parse(res.text)).toHaveProperty("entities");
      expect(pids()).not.toEqual(before);
    });
  });

  it("answers a missing key with 401 problem details, and other methods with 405", async () => {
    const res = await fetch(`${f.app.url}/api/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    // No credentials sent: a challenge without an error code (RFC 6750 §3.1), pointing at the metadata.
    expect(res.headers.get("www-authenticate")).not.toMatch(/error=/);
    expect(res.headers.get("www-authenticate")).toContain(`resource_metadata="${f.publicUrl}/.well-known/oauth-protected-resource/api/mcp"`);
    expect(await res.json()).toMatchObject({ code: "invalid_api_key", status: 401 });
    const get = await fetch(`${f.app.url}/api/mcp`, { headers: { accept: "text/event-stream" } });
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
  });

  it("answers a bad key with WWW-Authenticate error=\"invalid_token\" and serves the RFC 9728 metadata it points to", async () => {
    const res = await fetch(`${f.app.url}/api/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", authorization: "Bearer csk_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const challenge = res.headers.get("www-authenticate")!;
    expect(challenge).toMatch(/^Bearer /);
    expect(challenge).toContain('error="invalid_token"');
    const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
    expect(metadataUrl).toBe(`${f.publicUrl}/.well-known/oauth-protected-resource/api/mcp`);

    // The metadata, fetched from the running server (its public URL names localhost on the same port).
    const metadata = await fetch(`${f.app.url}${new URL(metadataUrl!).pathname}`);
    expect(metadata.status).toBe(200);
    expect(metadata.headers.get("content-type")).toMatch(/^application\/json/);
    const document = await metadata.json();
    expect(document).toMatchObject({ resource: `${f.publicUrl}/api/mcp`, bearer_methods_supported: ["header"], resource_name: "Countersign" });
    // Agents use API keys: there is no authorization server to send an MCP client to.
    expect(document).not.toHaveProperty("authorization_servers");
    const root = await (await fetch(`${f.app.url}/.well-known/oauth-protected-resource`)).json();
    expect(root.resource).toBe(f.publicUrl);
    const unknown = await fetch(`${f.app.url}/.well-known/oauth-protected-resource/api/elsewhere`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("content-type")).toBe("application/problem+json");
  });

  it("the bridge says what is missing and exits non-zero without its configuration", async () => {
    const child = spawn("npm", ["run", "--silent", "mcp"], { cwd: root, env: cleanEnv({ COUNTERSIGN_URL: "not a url" }) as NodeJS.ProcessEnv, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).not.toBe(0);
    expect(stdout).toBe("");
    expect(stderr).toContain('COUNTERSIGN_URL must be an http:// or https:// URL (got "not a url").');
    expect(stderr).toContain("COUNTERSIGN_API_KEY is not set.");
  });

  it("the bridge refuses to send the key in clear text to another machine", async () => {
    const child = spawn("npm", ["run", "--silent", "mcp"], {
      cwd: root,
      env: cleanEnv({ COUNTERSIGN_URL: "http://countersign.example.com", COUNTERSIGN_API_KEY: "csk_0123456789abcdef_secret" }) as NodeJS.ProcessEnv,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).toBe(2);
    expect(stderr).toContain("COUNTERSIGN_URL must use https:// for a server on another machine");
    expect(stderr).not.toContain("csk_0123456789abcdef_secret");
  });
});
