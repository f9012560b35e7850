// The HTTP credential broker against a real local upstream that records what reaches it: the
// agent never holds the credential, the call is sent exactly once and only after approval, the
// credential is scrubbed from what comes back, and nothing reaches a private address, follows a
// redirect or outlives its time-out. Last, the April 2026 incident replayed through the broker.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { DATABASE_KINDS } from "../../../test/databases";
import { createHarness, type Harness } from "../../../test/api-harness";
import * as httpRoute from "../../../app/api/v1/resources/[name]/http/route";
import * as executeRoute from "../../../app/api/v1/requests/[id]/execute/route";
import * as requestsRoute from "../../../app/api/v1/requests/route";
import { decideRequest } from "../../../test/decide";
import { registerResource, type RegisterResource } from "../../resources";
import { setEnvironmentBindings } from "../../environments";
import { savePolicy } from "../../policy/store";
import { DEFAULT_POLICY_RULES } from "../../policy";
import { isNonPublicAddress } from "./network";

const TOKEN = "rw_tok_9f8e7d6c5b4a39281706f5e4d3c2b1a0";

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A stand-in for a provider's API that records every request it receives. */
async function startUpstream() {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      received.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      const path = (req.url ?? "").split("?")[0];
      if (path === "/slow") return; // never answers
      if (path === "/redirect") {
        res.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/" });
        return res.end();
      }
      if (path === "/big") {
        res.writeHead(200, { "content-type": "text/plain" });
        return res.end("x".repeat(1024 * 1024 + 500));
      }
      // Echoes what it got, the credential included, as a careless API might.
      res.writeHead(200, { "content-type": "application/json", "x-echo-auth": String(req.headers.authorization ?? "") });
      res.end(JSON.stringify({ ok: true, path, auth: req.headers.authorization ?? null, query: (req.url ?? "").split("?")[1] ?? null, data: { volumeDelete: true } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe("addresses the broker refuses without allowPrivateNetwork", () => {
  it.each([
    ["127.0.0.1", true], ["10.1.2.3", true], ["172.20.0.1", true], ["192.168.1.1", true], ["169.254.169.254", true], ["100.64.0.1", true],
    ["0.0.0.0", true], ["::1", true], ["fe80::1", true], ["fd00:ec2::254", true], ["::ffff:127.0.0.1", true], ["::ffff:7f00:1", true], ["64:ff9b::a9fe:a9fe", true],
    ["93.184.216.34", false], ["2606:2800:220:1:248:1893:25c8:1946", false], ["not-an-ip", true],
  ])("%s → %s", (address, refused) => {
    expect(isNonPublicAddress(address)).toBe(refused);
  });
});

describe.each(DATABASE_KINDS)("HTTP credential broker on %s", (kind) => {
  let h: Harness;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let admin: { id: string };
  let approvers: Array<{ id: string }>;
  const suffix = Math.random().toString(36).slice(2, 8);
  const api = `api/staging-${suffix}`;

  beforeAll(async () => {
    h = await createHarness(kind);
    upstream = await startUpstream();
    admin = await h.user("admin");
    approvers = [await h.user("approver"), await h.user("approver")];
    await register({ name: api, environment: "staging", baseUrl: upstream.url, auth: { type: "bearer" }, allowPrivateNetwork: true, allowedPathPrefixes: ["/v1", "/slow", "/redirect", "/big"], timeoutSeconds: 1 });
  });
  afterAll(async () => {
    await upstream?.close();
    await h?.close();
  });

  const register = (input: Omit<Extract<RegisterResource, { kind: "http" }>, "kind" | "secret"> & { secret?: string }) =>
    registerResource(h.database.prisma, h.config, { kind: "http", secret: TOKEN, ...input }, { type: "user", id: admin.id });
  const call = (key: string, name: string, body: unknown) =>
    h.call(httpRoute.POST, "POST", `/api/v1/resources/${encodeURIComponent(name)}/http`, { key, body, params: { name: encodeURIComponent(name) } });
  const execute = (key: string, id: string) => h.call(executeRoute.POST, "POST", `/api/v1/requests/${id}/execute`, { key, params: { id } });
  const since = () => {
    const start = upstream.received.length;
    return () => upstream.received.slice(start);
  };

  it("sends a read at once with the credential added, and scrubs the credential from what comes back", async () => {
    const agent = await h.agent({ environments: ["staging"] });
    const seen = since();
    const res = await call(agent.key, api, { method: "GET", path: "/v1/things", query: { page: "2", tag: ["a", "b"] }, headers: { accept: "application/json" } });
    expect(res.status).toBe(200);
    expect(res.body.request.status).toBe("executed");
    expect(res.body.response.status).toBe(200);
    expect(seen()).toHaveLength(1);
    expect(seen()[0]).toMatchObject({ method: "GET", url: "/v1/things?page=2&tag=a&tag=b" });
    expect(seen()[0].headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(seen()[0].headers.accept).toBe("application/json");
    const text = JSON.stringify(res.body);
    expect(text).not.toContain(TOKEN);
    expect(JSON.parse(res.body.response.body).auth).toBe("Bearer [credential]");
    expect(res.body.response.headers["x-echo-auth"]).toBe("Bearer [credential]");
    // Nowhere at rest either: not in the request, not in the audit log.
    const row = await h.database.prisma.request.findUniqueOrThrow({ where: { id: res.body.request.id } });
    expect(JSON.stringify(row)).not.toContain(TOKEN);
    const audit = await h.database.prisma.auditEvent.findMany({ where: { subjectId: res.body.request.id } });
    expect(JSON.stringify(audit, (_k, v) => (typeof v === "bigint" ? String(v) : v))).not.toContain(TOKEN);
  });

  it("holds a write for people and sends it once, only after approval", async () => {
    const agent = await h.agent({ environments: ["staging"] });
    const seen = since();
    const res = await call(agent.key, api, { method: "DELETE", path: "/v1/things/42" });
    expect(res.status).toBe(202);
    expect(res.body.request).toMatchObject({ status: "pending", risk: { level: "high" } });
    expect(seen()).toHaveLength(0);
    await decideRequest(h.database.prisma, h.config, { requestId: res.body.request.id, reviewerId: approvers[0].id, decision: { decision: "approve" } });
    expect(seen()).toHaveLength(0);
    const ran = await execute(agent.key, res.body.request.id);
    expect(ran.status).toBe(200);
    expect(ran.body.response.status).toBe(200);
    expect(seen()).toHaveLength(1);
    expect(seen()[0]).toMatchObject({ method: "DELETE", url: "/v1/things/42" });
    const again = await execute(agent.key, res.body.request.id);
    expect(again.status).toBe(409);
    expect(seen()).toHaveLength(1);
  });

  it.each([
    ["a credential header", { method: "GET", path: "/v1/x", headers: { Authorization: "Bearer stolen" } }, 422, "headers.Authorization"],
    ["a cookie", { method: "GET", path: "/v1/x", headers: { cookie: "session=1" } }, 422, "headers.cookie"],
    ["a Host header", { method: "GET", path: "/v1/x", headers: { host: "evil.example" } }, 422, "headers.host"],
    ["a path outside the allowed prefixes", { method: "GET", path: "/admin" }, 403, "path"],
    ["a path that climbs out", { method: "GET", path: "/v1/../admin" }, 422, "path"],
    ["an encoded climb", { method: "GET", path: "/v1/%2e%2e/admin" }, 422, "path"],
    ["a scheme-relative path", { method: "GET", path: "//evil.example/v1" }, 422, "path"],
    ["a query in the path", { method: "GET", path: "/v1/x?token=1" }, 422, "path"],
  ])("refuses %s before anything is sent", async (_label, body, status, field) => {
    const agent = await h.agent({ environments: ["staging"] });
    const seen = since();
    const res = await call(agent.key, api, body);
    expect(res.status).toBe(status);
    expect(res.body.errors?.[0]?.field).toBe(field);
    expect(seen()).toHaveLength(0);
  });

  it("refuses a host that resolves to a private address unless the resource allows it, leaving the grant unspent", async () => {
    const name = `api/private-${suffix}`;
    await register({ name, environment: "staging", baseUrl: upstream.url.replace("127.0.0.1", "localhost"), auth: { type: "header", name: "X-Api-Token" } });
    const agent = await h.agent({ environments: ["staging"] });
    const seen = since();
    const res = await call(agent.key, name, { method: "GET", path: "/v1/things" });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe("private_network_refused");
    expect(seen()).toHaveLength(0);
    const row = await h.database.prisma.request.findFirstOrThrow({ where: { resource: name }, include: { grant: true } });
    expect(row.status).toBe("approved");
    expect(row.grant?.redeemedAt).toBeNull();
  });

  it("answers 503 for an unreachable upstream and keeps the grant unspent", async () => {
    const name = `api/down-${suffix}`;
    const closed = await startUpstream();
    const url = closed.url;
    await closed.close();
    await register({ name, environment: "staging", baseUrl: url, auth: { type: "query", name: "api_key" }, allowPrivateNetwork: true });
    const agent = await h.agent({ environments: ["staging"] });
    const res = await call(agent.key, name, { method: "GET", path: "/v1/things" });
    expect(res.status).toBe(503);
    expect(res.body.detail).toMatch(/Nothing was sent and the grant was not used/);
    const row = await h.database.prisma.request.findFirstOrThrow({ where: { resource: name }, include: { grant: true } });
    expect(row.grant?.redeemedAt).toBeNull();
  });

  it("adds a query-parameter credential itself and refuses one from the agent", async () => {
    const name = `api/query-${suffix}`;
    await register({ name, environment: "staging", baseUrl: upstream.url, auth: { type: "query", name: "api_key" }, allowPrivateNetwork: true });
    const agent = await h.agent({ environments: ["staging"] });
    const refused = await call(agent.key, name, { method: "GET", path: "/v1/x", query: { api_key: "mine" } });
    expect(refused.status).toBe(422);
    expect(refused.body.errors[0].field).toBe("query.api_key");
    const seen = since();
    const res = await call(agent.key, name, { method: "GET", path: "/v1/x" });
    expect(seen()[0].url).toBe(`/v1/x?api_key=${TOKEN}`);
    expect(JSON.parse(res.body.response.body).query).toBe("api_key=[credential]");
  });

  it("never follows a redirect, cuts a large body at the cap, and reports a time-out", async () => {
    const agent = await h.agent({ environments: ["staging"] });
    const seen = since();
    const redirect = await call(agent.key, api, { method: "GET", path: "/redirect" });
    expect(redirect.body.response).toMatchObject({ status: 302, headers: { location: "http://169.254.169.254/latest/meta-data/" } });
    expect(seen()).toHaveLength(1);
    const big = await call(agent.key, api, { method: "GET", path: "/big" });
    expect(big.body.response.truncated).toBe(true);
    expect(big.body.response.body).toHaveLength(1024 * 1024);
    const slow = await call(agent.key, api, { method: "GET", path: "/slow" });
    expect(slow.status).toBe(200);
    expect(slow.body.result).toMatchObject({ status: "failed" });
    expect(slow.body.result.error).toMatch(/^The call was sent but no complete answer came back: no complete answer within 1 s/);
    expect(slow.body.request.status).toBe("failed");
  });

  it("binds the environment to the registration for every kind of request", async () => {
    const agent = await h.agent({ environments: ["staging", "production"] });
    const res = await h.call(requestsRoute.POST, "POST", "/api/v1/requests", {
      key: agent.key,
      body: { operation: { kind: "shell", target: { environment: "production", resource: api }, command: "ls" } },
    });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ field: "operation.target.environment", message: `${api} belongs to staging (by its registration); the request names production` }]);
    const audit = await h.database.prisma.auditEvent.findFirstOrThrow({ where: { type: "request.refused", actorId: agent.id }, orderBy: { seq: "desc" } });
    expect(audit.data).toMatchObject({ reason: "environment_mismatch", environment: "production", boundTo: "staging" });
  });

  it("binds declared hosts and resource names to their environment, and policy can require a registered resource in production", async () => {
    await setEnvironmentBindings(h.database.prisma, "production", { hosts: [`*.bound-${suffix}.example`], resourcePatterns: [`billing-${suffix}/*`] }, { type: "user", id: admin.id });
    const agent = await h.agent({ environments: ["staging", "production"] });
    const ask = (environment: string, resource: string, url = "https://example.com/x") =>
      h.call(requestsRoute.POST, "POST", "/api/v1/requests", { key: agent.key, body: { operation: { kind: "http", target: { environment, resource }, method: "GET", url } } });
    const byHost = await ask("staging", "anything", `https://api.bound-${suffix}.example/v1/volumes`);
    expect(byHost.status).toBe(422);
    expect(byHost.body.errors[0].message).toMatch(/belongs to production \(by its host\)/);
    const byName = await ask("staging", `billing-${suffix}/ledger`);
    expect(byName.body.errors[0].message).toMatch(/belongs to production \(by its resource pattern\)/);
    expect((await ask("production", `billing-${suffix}/ledger`)).status).toBe(201);

    await savePolicy(
      h.database.prisma,
      [{ id: "registered-only", match: { tier: "production", registered: false }, effect: { type: "deny", reason: "Production goes through registered resources" } }, ...DEFAULT_POLICY_RULES],
      { type: "user", id: admin.id },
    );
    try {
      const unregistered = await ask("production", `billing-${suffix}/ledger`);
      expect(unregistered.body).toMatchObject({ status: "denied", reason: "Production goes through registered resources" });
    } finally {
      await savePolicy(h.database.prisma, DEFAULT_POLICY_RULES, { type: "user", id: admin.id });
      await setEnvironmentBindings(h.database.prisma, "production", { hosts: [], resourcePatterns: [] }, { type: "user", id: admin.id });
    }
  });

  describe("the April 2026 incident, replayed through the broker", () => {
    const railway = `railway/prod-${suffix}`;
    const graphql = (query: string) => ({ method: "POST", path: "/graphql/v2", body: { query } });

    beforeAll(async () => {
      // Railway's GraphQL API in production; Countersign holds the token, a local stand-in plays Railway.
      await register({ name: railway, environment: "production", baseUrl: upstream.url, auth: { type: "bearer" }, allowPrivateNetwork: true, catalog: "railway" });
    });

    it("volumeDelete waits for two approvers and reaches the upstream only after them, once, with the token the agent never had", async () => {
      const agent = await h.agent({ environments: ["staging", "production"] });
      const seen = since();
      const res = await call(agent.key, railway, graphql('mutation { volumeDelete(volumeId: "vol_prod_db") }'));
      expect(res.status).toBe(202);
      expect(res.body.request).toMatchObject({ status: "pending", environment: "production", requiredApprovals: 2, risk: { level: "critical" } });
      expect(res.body.request.risk.findings.map((f: { id: string }) => f.id)).toContain("http.delete_volume");
      await decideRequest(h.database.prisma, h.config, { requestId: res.body.request.id, reviewerId: approvers[0].id, decision: { decision: "approve", confirmation: railway } });
      expect((await execute(agent.key, res.body.request.id)).status).toBe(202);
      expect(seen()).toHaveLength(0);
      await decideRequest(h.database.prisma, h.config, { requestId: res.body.request.id, reviewerId: approvers[1].id, decision: { decision: "approve", confirmation: railway } });
      const ran = await execute(agent.key, res.body.request.id);
      expect(ran.body.response.status).toBe(200);
      expect(seen()).toHaveLength(1);
      expect(seen()[0]).toMatchObject({ method: "POST", url: "/graphql/v2", body: JSON.stringify({ query: 'mutation { volumeDelete(volumeId: "vol_prod_db") }' }) });
      expect(seen()[0].headers.authorization).toBe(`Bearer ${TOKEN}`);
    });

    it("the backup deletion is denied and never reaches the upstream", async () => {
      const agent = await h.agent({ environments: ["production"] });
      const seen = since();
      const res = await call(agent.key, railway, graphql('mutation { volumeInstanceBackupDelete(volumeInstanceBackupId: "bk_1", volumeInstanceId: "vi_1") }'));
      expect(res.status).toBe(200);
      expect(res.body.request.status).toBe("denied");
      expect(res.body.request.reason).toMatch(/backups/);
      expect(seen()).toHaveLength(0);
    });

    it("the same call labelled staging is refused", async () => {
      const agent = await h.agent({ environments: ["staging"] });
      const res = await h.call(requestsRoute.POST, "POST", "/api/v1/requests", {
        key: agent.key,
        body: { operation: { kind: "http", target: { environment: "staging", resource: railway }, method: "POST", url: "https://backboard.railway.app/graphql/v2", body: { query: 'mutation { volumeDelete(volumeId: "vol_prod_db") }' } } },
      });
      expect(res.status).toBe(422);
      expect(res.body.errors[0].field).toBe("operation.target.environment");
    });
  });
});
