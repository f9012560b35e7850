// The agent API end to end, as an agent and an executor use it: create → wait → decision →
// grant → verify from the JWKS alone → redeem once → outcome; and every refusal on the way.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { DATABASE_KINDS } from "./databases";
import { createHarness, type Harness } from "./api-harness";
import * as requestsRoute from "../app/api/v1/requests/route";
import * as requestRoute from "../app/api/v1/requests/[id]/route";
import * as cancelRoute from "../app/api/v1/requests/[id]/cancel/route";
import * as outcomeRoute from "../app/api/v1/requests/[id]/outcome/route";
import * as redeemRoute from "../app/api/v1/grants/redeem/route";
import * as jwksRoute from "../app/.well-known/jwks.json/route";
import * as resourcesRoute from "../app/api/v1/resources/route";
import { registerResource } from "../lib/resources";
import { expireDueRequests } from "../lib/requests";
import { decideRequest } from "./decide";
import { revokeAgentKey } from "../lib/agents";
import { verifyAuditChain } from "../lib/audit";
import { activeSigningKey, operationDigest, signGrant } from "../lib/grants";
import { dbNow } from "../lib/db/clock";

const sql = (environment: string, statement: string, resource = "postgres/main") => ({
  kind: "sql" as const,
  target: { environment, resource },
  sql: statement,
});

describe.each(DATABASE_KINDS)("agent API on %s", (kind) => {
  let h: Harness;
  let agent: Awaited<ReturnType<Harness["agent"]>>;
  let approver: { id: string };
  let approver2: { id: string };

  beforeAll(async () => {
    h = await createHarness(kind);
    agent = await h.agent();
    approver = await h.user("approver");
    approver2 = await h.user("admin");
  });
  afterAll(async () => {
    await h?.close();
  });

  const create = (body: unknown, options: { key?: string; headers?: Record<string, string> } = {}) =>
    h.call(requestsRoute.POST, "POST", "/api/v1/requests", { key: options.key ?? agent.key, body, headers: options.headers });
  const read = (id: string, query = "", key = agent.key) =>
    h.call(requestRoute.GET, "GET", `/api/v1/requests/${id}${query}`, { key, params: { id } });
  const redeem = (token: string, operation: unknown, key = agent.key) =>
    h.call(redeemRoute.POST, "POST", "/api/v1/grants/redeem", { key, body: { token, operation } });
  const jwks = async () => {
    const res = await jwksRoute.GET();
    return createLocalJWKSet(await res.json());
  };

  it("allows a SELECT in production at once, with a grant that verifies from the JWKS alone", async () => {
    const operation = sql("production", "SELECT id, email FROM customers WHERE id = 42");
    const res = await create({ operation, summary: "Look up customer 42" });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: "approved",
      risk: { level: "low" },
      requiredApprovals: 0,
      operationDigest: operationDigest(operation),
      reviewUrl: `http://countersign.test/requests/${res.body.id}`,
    });
    const token = res.body.grant.token as string;
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: "EdDSA", typ: "countersign-grant+jwt" });
    const { payload } = await jwtVerify(token, await jwks(), {
      issuer: "http://countersign.test",
      audience: "postgres/main",
      algorithms: ["EdDSA"],
      typ: "countersign-grant+jwt",
    });
    expect(payload).toMatchObject({ env: "production", sub: agent.id, req: res.body.id, op: operationDigest(operation), approvers: [] });
    expect(payload.exp! - payload.iat!).toBe(300);
    expect(String(payload.jti)).toMatch(/^[A-Za-z0-9_-]{22,}$/);
  });

  it("sends DROP TABLE in staging to one approver and in production to two", async () => {
    const staging = await create({ operation: sql("staging", "DROP TABLE customers;") });
    expect(staging.status).toBe(201);
    expect(staging.body).toMatchObject({ status: "pending", requiredApprovals: 1, risk: { level: "critical" } });
    expect(staging.body.risk.findings.map((f: { id: string }) => f.id)).toContain("sql.drop_table");
    expect(staging.body.grant).toBeUndefined();
    const production = await create({ operation: sql("production", "DROP TABLE customers;") });
    expect(production.body).toMatchObject({ status: "pending", requiredApprovals: 2 });
  });

  it("runs the whole loop: wait → decide → grant → redeem once → outcome", async () => {
    const operation = sql("production", "DELETE FROM sessions;");
    const created = await create({ operation, summary: "Clear sessions", ttlSeconds: 600 });
    expect(created.body.status).toBe("pending");
    const id = created.body.id as string;

    const started = Date.now();
    const waiting = read(id, "?wait=20").then((res) => ({ ...res, at: Date.now() }));
    await new Promise((r) => setTimeout(r, 300));
    const first = await decideRequest(h.database.prisma, h.config, { requestId: id, reviewerId: approver.id, decision: { decision: "approve", confirmation: "postgres/main" } });
    expect(first.status).toBe("pending"); // production + critical: two approvals
    const decided = await decideRequest(h.database.prisma, h.config, { requestId: id, reviewerId: approver2.id, decision: { decision: "approve", confirmation: "postgres/main" } });
    expect(decided.status).toBe("approved");
    const decidedAt = Date.now();
    const waited = await waiting;
    expect(waited.status).toBe(200);
    expect(waited.body.status).toBe("approved");
    expect(waited.at - started).toBeGreaterThanOrEqual(300);
    // Woken by the notification, well before the 5-second safety sweep.
    expect(waited.at - decidedAt).toBeLessThan(1_000);

    const { payload } = await jwtVerify(waited.body.grant.token, await jwks(), { issuer: "http://countersign.test", audience: "postgres/main", typ: "countersign-grant+jwt", algorithms: ["EdDSA"] });
    expect((payload.approvers as string[]).sort()).toEqual([approver.id, approver2.id].sort());

    // The same grant is handed out again until it is used.
    expect((await read(id)).body.grant.token).toBe(waited.body.grant.token);

    const ok = await redeem(waited.body.grant.token, operation);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ requestId: id, operationDigest: operationDigest(operation), environment: "production", resource: "postgres/main" });
    const replay = await redeem(waited.body.grant.token, operation);
    expect(replay.status).toBe(409);
    expect(replay.body).toMatchObject({ status: 409, code: "grant_already_redeemed" });
    expect(replay.headers.get("content-type")).toBe("application/problem+json");
    expect((await read(id)).body.grant).toBeUndefined();

    const outcome = await h.call(outcomeRoute.POST, "POST", `/api/v1/requests/${id}/outcome`, {
      key: agent.key,
      params: { id },
      body: { status: "executed", detail: "DELETE 1204" },
    });
    expect(outcome.status).toBe(200);
    expect(outcome.body).toMatchObject({ status: "executed", outcome: { status: "executed", detail: "DELETE 1204" } });
    const again = await h.call(outcomeRoute.POST, "POST", `/api/v1/requests/${id}/outcome`, { key: agent.key, params: { id }, body: { status: "failed" } });
    expect(again.status).toBe(409);
  });

  it("refuses a grant for any other operation, a tampered token, and a revoked grant", async () => {
    const operation = sql("staging", "UPDATE accounts SET plan = 'free' WHERE id = 7");
    const created = await create({ operation });
    expect(created.body.status).toBe("approved"); // medium outside production: allowed
    const token = created.body.grant.token as string;

    const other = await redeem(token, sql("staging", "UPDATE accounts SET plan = 'free'"));
    expect(other.status).toBe(422);
    expect(other.body.code).toBe("digest_mismatch");
    const caseChanged = await redeem(token, { ...operation, sql: operation.sql.replace("UPDATE", "update") });
    expect(caseChanged.status).toBe(422);

    const [header, payload, signature] = token.split(".");
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, aud: "postgres/billing" })).toString("base64url")}.${signature}`;
    const forgedRes = await redeem(forged, operation);
    expect(forgedRes.status).toBe(401);
    expect(forgedRes.body.code).toBe("grant_invalid");
    expect((await redeem("not-a-token", operation)).status).toBe(401);

    const revoked = await create({ operation: sql("staging", "UPDATE accounts SET plan = 'pro' WHERE id = 8") });
    await decideRequest(h.database.prisma, h.config, { requestId: revoked.body.id, reviewerId: approver.id, decision: { decision: "revoke", reason: "Wrong account" } });
    expect((await read(revoked.body.id)).body).toMatchObject({ status: "revoked", reason: "Wrong account" });
    const res = await redeem(revoked.body.grant.token, sql("staging", "UPDATE accounts SET plan = 'pro' WHERE id = 8"));
    expect(res.status).toBe(409);
    expect(res.body.code).toBe("grant_revoked");

    // Still the original redeemable once.
    expect((await redeem(token, operation)).status).toBe(200);
  });

  /** The request's own grant, re-signed with the active key as if the database had minted it `secondsAgo` earlier. */
  async function grantMintedEarlier(requestId: string, secondsAgo: number): Promise<string> {
    const prisma = h.database.prisma;
    const now = await dbNow(prisma);
    const [grant, request] = await Promise.all([
      prisma.grant.findUniqueOrThrow({ where: { requestId } }),
      prisma.request.findUniqueOrThrow({ where: { id: requestId } }),
    ]);
    const key = await activeSigningKey(prisma, h.config, now);
    const { token } = await signGrant(
      {
        issuer: h.config.publicUrl,
        audience: request.resource,
        environment: request.environment,
        agentId: request.agentId,
        requestId,
        operationDigest: request.operationDigest,
        approvers: [],
        issuedAt: new Date(now.getTime() - secondsAgo * 1000),
        jti: grant.jti,
      },
      key,
    );
    return token;
  }

  it("refuses a grant whose token has expired, by the token's own exp, without counting it as a failed authentication", async () => {
    const operation = sql("staging", "UPDATE accounts SET plan = 'free' WHERE id = 12");
    const created = await create({ operation });
    // Five minutes and a second old by the database's clock, the one grants are minted on.
    const token = await grantMintedEarlier(created.body.id, 301);
    const from = h.fromNewAddress();
    const source = Object.values(from)[0];
    for (let i = 0; i < 3; i++) {
      const res = await h.call(redeemRoute.POST, "POST", "/api/v1/grants/redeem", { key: agent.key, body: { token, operation }, headers: from });
      expect(res.status).toBe(401);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(res.body).toMatchObject({ status: 401, code: "grant_expired", type: "urn:countersign:problem:grant_expired" });
    }
    // A genuine grant redeemed late is not an attack: nothing counts toward the lockout.
    expect(await h.database.prisma.authFailure.count({ where: { source } })).toBe(0);
    // Nothing was stored as spent: the grant as issued still redeems once.
    const grant = await h.database.prisma.grant.findUniqueOrThrow({ where: { requestId: created.body.id } });
    expect(grant.redeemedAt).toBeNull();
    expect((await redeem(created.body.grant.token, operation)).status).toBe(200);
  });

  // Only PostgreSQL has a clock of its own: the embedded database reads this process's clock, so
  // moving it moves both and there is no skew to survive.
  if (kind === "postgres") {
    it("redeems a fresh grant when the app server's clock runs behind the database's", async () => {
      const operation = sql("staging", "UPDATE accounts SET plan = 'free' WHERE id = 13");
      const created = await create({ operation });
      expect(created.body.status).toBe("approved");
      const from = h.fromNewAddress();
      const source = Object.values(from)[0];
      // The app's clock a minute behind: the grant's nbf (the database's now) is in its future.
      vi.useFakeTimers({ toFake: ["Date"] });
      try {
        vi.setSystemTime(Date.now() - 60_000);
        const res = await h.call(redeemRoute.POST, "POST", "/api/v1/grants/redeem", { key: agent.key, body: { token: created.body.grant.token, operation }, headers: from });
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ requestId: created.body.id });
      } finally {
        vi.useRealTimers();
      }
      expect(await h.database.prisma.authFailure.count({ where: { source } })).toBe(0);
    });
  }

  it("redeems a grant minted on a database clock a little ahead of its own (nbf tolerance)", async () => {
    const operation = sql("staging", "UPDATE accounts SET plan = 'free' WHERE id = 14");
    const created = await create({ operation });
    // Two seconds in the future by the database's clock.
    const token = await grantMintedEarlier(created.body.id, -2);
    await h.database.prisma.grant.update({ where: { requestId: created.body.id }, data: { token } });
    const res = await redeem(token, operation);
    expect(res.status).toBe(200);
  });

  it.each([
    ["aud (the resource)", { audience: "postgres/billing" }],
    ["env (the environment)", { environment: "production" }],
    ["sub (the agent)", { agentId: "00000000-0000-4000-8000-000000000001" }],
  ])("refuses 409 a genuinely signed grant whose %s differs from the stored request, and nothing is redeemed", async (_claim, changed) => {
    const operation = sql("staging", `UPDATE accounts SET plan = 'free' WHERE id = ${Math.floor(Math.random() * 1e9)}`);
    const created = await create({ operation });
    expect(created.body.status).toBe("approved");
    const prisma = h.database.prisma;
    const [grant, request, now] = await Promise.all([
      prisma.grant.findUniqueOrThrow({ where: { requestId: created.body.id } }),
      prisma.request.findUniqueOrThrow({ where: { id: created.body.id } }),
      dbNow(prisma),
    ]);
    // Signed by the real key, naming the real request and grant, with one claim changed.
    const { token } = await signGrant(
      {
        issuer: h.config.publicUrl,
        audience: request.resource,
        environment: request.environment,
        agentId: request.agentId,
        requestId: request.id,
        operationDigest: request.operationDigest,
        approvers: [],
        issuedAt: now,
        jti: grant.jti,
        ...changed,
      },
      await activeSigningKey(prisma, h.config, now),
    );
    // An executor allowed everywhere, so only the claims' agreement with the request decides.
    const executor = await h.agent({ environments: ["*"], resources: ["*"], scopes: ["grants:redeem"] });
    const res = await redeem(token, operation, "agentId" in changed ? agent.key : executor.key);
    expect(res.status).toBe(409);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.body).toMatchObject({ status: 409, code: "grant_request_mismatch", type: "urn:countersign:problem:grant_request_mismatch" });
    expect((await prisma.grant.findUniqueOrThrow({ where: { requestId: created.body.id } })).redeemedAt).toBeNull();
    expect(await prisma.auditEvent.count({ where: { type: "grant.redeemed", subjectId: created.body.id } })).toBe(0);
    const refused = await prisma.auditEvent.findMany({ where: { type: "grant.redeem_refused", subjectId: created.body.id } });
    expect(refused.map((r) => (r.data as { code: string }).code)).toEqual(["grant_request_mismatch"]);
    // The grant as issued still redeems once.
    expect((await redeem(created.body.grant.token, operation)).status).toBe(200);
  });

  it("counts grant tokens that do not verify per source, instead of chaining an audit row each", async () => {
    const operation = sql("staging", "UPDATE accounts SET plan = 'free' WHERE id = 11");
    const created = await create({ operation });
    const [header, payload, signature] = (created.body.grant.token as string).split(".");
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, op: "sha256:forged" })).toString("base64url")}.${signature}`;
    const from = h.fromNewAddress();
    const source = Object.values(from)[0];
    const refusedBefore = await h.database.prisma.auditEvent.count({ where: { type: "grant.redeem_refused" } });
    for (const token of ["not-a-token", forged, forged, "a.b.c", forged]) {
      const res = await h.call(redeemRoute.POST, "POST", "/api/v1/grants/redeem", { key: agent.key, body: { token, operation }, headers: from });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe("grant_invalid");
    }
    expect(await h.database.prisma.auditEvent.count({ where: { type: "grant.redeem_refused" } })).toBe(refusedBefore);
    const windows = await h.database.prisma.authFailure.findMany({ where: { source, kind: "grant" } });
    expect(windows.reduce((n, w) => n + w.count, 0)).toBe(5);
    // A closed window becomes one audit row carrying the count.
    const { flushAuthFailures } = await import("../lib/auth/failures");
    await flushAuthFailures(h.database.prisma, new Date(Date.now() + 120_000));
    const summaries = await h.database.prisma.auditEvent.findMany({ where: { type: "auth.failures" } });
    const mine = summaries.filter((e) => (e.data as { source?: string; kind?: string }).source === source && (e.data as { kind?: string }).kind === "grant");
    expect(mine.reduce((n, e) => n + (e.data as { count: number }).count, 0)).toBe(5);
    // The real grant is untouched by the forgeries.
    expect((await redeem(created.body.grant.token, operation)).status).toBe(200);
    // A flood from one source is refused outright once past the failed-attempt limit.
    let answer = 401;
    for (let i = 0; i < 30 && answer === 401; i++) {
      answer = (await h.call(redeemRoute.POST, "POST", "/api/v1/grants/redeem", { key: agent.key, body: { token: forged, operation }, headers: from })).status;
    }
    expect(answer).toBe(429);
    const locked = await h.call(redeemRoute.POST, "POST", "/api/v1/grants/redeem", { key: agent.key, body: { token: forged, operation }, headers: from });
    expect(locked.status).toBe(429);
    expect(locked.headers.get("retry-after")).toMatch(/^\d+$/);
    // Slowed for bad credentials only: the same valid key from the same source still creates requests.
    expect((await h.call(requestsRoute.POST, "POST", "/api/v1/requests", { key: agent.key, body: { operation }, headers: from })).status).toBe(201);
  });

  it("audits the first refused redeem of a genuine grant and counts the repeats, instead of chaining a row each", async () => {
    const operation = sql("development", "SELECT 2");
    const created = await create({ operation });
    expect((await redeem(created.body.grant.token, operation)).status).toBe(200);
    for (let i = 0; i < 6; i++) {
      const again = await redeem(created.body.grant.token, operation);
      expect(again.status).toBe(409);
      expect(again.body.code).toBe("grant_already_redeemed");
    }
    const rows = await h.database.prisma.auditEvent.findMany({ where: { type: "grant.redeem_refused", subjectId: created.body.id } });
    expect(rows.map((r) => (r.data as { code: string }).code)).toEqual(["grant_already_redeemed"]);
    const { jti } = JSON.parse(Buffer.from((created.body.grant.token as string).split(".")[1], "base64url").toString());
    const counted = await h.database.prisma.authFailure.findMany({ where: { kind: "redeem_refused", source: { startsWith: `grant:${jti}:` } } });
    expect(counted.reduce((n, w) => n + w.count, 0)).toBe(6);
  });

  it("lets only the grant's agent or an executor with grants:redeem for that environment and resource redeem", async () => {
    const operation = sql("development", "SELECT 1");
    const created = await create({ operation });
    const stranger = await h.agent({ environments: ["development"] });
    const res = await redeem(created.body.grant.token, operation, stranger.key);
    expect(res.status).toBe(403);
    const stagingExecutor = await h.agent({ environments: ["staging"], scopes: ["grants:redeem"] });
    expect((await redeem(created.body.grant.token, operation, stagingExecutor.key)).status).toBe(403);
    // The right environment is not enough: the grant's resource (its aud) must match too.
    const otherResource = await h.agent({ environments: ["development"], resources: ["postgres/billing", "mysql/*"], scopes: ["grants:redeem"] });
    const wrong = await redeem(created.body.grant.token, operation, otherResource.key);
    expect(wrong.status).toBe(403);
    expect(wrong.body.code).toBe("forbidden");
    expect(await h.database.prisma.auditEvent.count({ where: { type: "grant.redeem_refused", actorId: otherResource.id } })).toBe(1);
    const executor = await h.agent({ environments: ["development"], resources: ["postgres/*"], scopes: ["grants:redeem"] });
    expect((await redeem(created.body.grant.token, operation, executor.key)).status).toBe(200);
  });

  it("lets an agent create requests only for resources matching its patterns, auditing the refusal", async () => {
    const scoped = await h.agent({ environments: ["staging"], resources: ["postgres/*"] });
    expect((await create({ operation: sql("staging", "SELECT 1", "postgres/reporting") }, { key: scoped.key })).status).toBe(201);
    const refused = await create({ operation: sql("staging", "SELECT 1", "mysql/orders") }, { key: scoped.key });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: "resource_not_allowed", type: "urn:countersign:problem:resource_not_allowed" });
    const audit = await h.database.prisma.auditEvent.findMany({ where: { type: "request.refused", actorId: scoped.id } });
    expect(audit).toHaveLength(1);
    expect(audit[0].data).toMatchObject({ reason: "resource_not_allowed", resource: "mysql/orders" });
    expect(await h.database.prisma.request.count({ where: { agentId: scoped.id, resource: "mysql/orders" } })).toBe(0);
    // By default an agent may target any resource.
    const unscoped = await h.agent({ environments: ["staging"] });
    expect((await create({ operation: sql("staging", "SELECT 1", "mysql/orders") }, { key: unscoped.key })).status).toBe(201);

    // The registered resources it is shown are the ones it may target.
    const names = [h.unique("postgres/listed"), h.unique("mysql/hidden")];
    for (const name of names) {
      await registerResource(h.database.prisma, h.config, { name, environment: "staging", connectionUrl: "postgresql://u:p@127.0.0.1:1/x" }, { type: "system" });
    }
    const listed = async (key: string) =>
      (await h.call(resourcesRoute.GET, "GET", "/api/v1/resources", { key })).body.resources.map((r: { name: string }) => r.name).filter((n: string) => names.includes(n));
    expect(await listed(scoped.key)).toEqual([names[0]]);
    expect((await listed(unscoped.key)).sort()).toEqual([...names].sort());
  });

  it("refuses an operation that carries a credential with 422 naming the field, storing nothing of it", async () => {
    const secret = "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB";
    const before = await h.database.prisma.request.count();
    const res = await create({
      operation: { kind: "http", target: { environment: "staging", resource: "github/acme" }, method: "POST", url: "https://api.github.com/repos/acme/x/issues", body: { title: "t", token: secret } },
    });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ field: "operation.body.token", message: "carries a GitHub token" }]);
    expect(await h.database.prisma.request.count()).toBe(before);
    const audit = await h.database.prisma.auditEvent.findFirstOrThrow({ where: { type: "request.refused", actorId: agent.id }, orderBy: { seq: "desc" } });
    expect(audit.data).toMatchObject({ reason: "credential_in_operation", field: "operation.body.token", found: "a GitHub token" });
    expect(JSON.stringify(audit.data)).not.toContain(secret);
    const header = await create({ operation: { kind: "http", target: { environment: "staging", resource: "api" }, method: "GET", url: "https://api.example.com/x", headers: { Authorization: "Bearer x" } } });
    expect(header.body.errors[0].field).toBe("operation.headers.Authorization");
  });

  it("denies backup deletion by policy, with the reason", async () => {
    const res = await create({
      operation: { kind: "shell", target: { environment: "production", resource: "aws/rds" }, command: "aws rds delete-db-snapshot --db-snapshot-identifier prod-nightly" },
    });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe("denied");
    expect(res.body.reason).toMatch(/backup/i);
    expect(res.body.grant).toBeUndefined();
  });

  it("asks for the typed resource name for hidden or look-alike characters, even on a request stored below critical", async () => {
    const created = await create({ operation: sql("staging", "DELETE FROM \u043erders WHERE id = 1") });
    expect(created.body.risk).toMatchObject({ level: "critical", findings: expect.arrayContaining([expect.objectContaining({ id: "operation.lookalike_characters" })]) });
    // A level lowered after the fact (an older classifier, an edited row) does not lift the check.
    await h.database.prisma.request.update({ where: { id: created.body.id }, data: { riskLevel: "medium" } });
    const decide = (decision: any) => decideRequest(h.database.prisma, h.config, { requestId: created.body.id, reviewerId: approver.id, decision });
    await expect(decide({ decision: "approve" })).rejects.toMatchObject({ code: "confirmation_required", status: 422, message: expect.stringContaining("hidden or look-alike characters") });
    expect(await decide({ decision: "approve", confirmation: "postgres/main" })).toMatchObject({ status: "approved" });
  });

  it("enforces decision rules in decideRequest", async () => {
    const owner = await h.user("approver");
    const owned = await h.agent({ ownerId: owner.id });
    const critical = await create({ operation: sql("staging", "TRUNCATE audit_archive") }, { key: owned.key });
    const id = critical.body.id;
    const decide = (reviewerId: string, decision: any) => decideRequest(h.database.prisma, h.config, { requestId: id, reviewerId, decision });
    await expect(decide(owner.id, { decision: "approve", confirmation: "postgres/main" })).rejects.toMatchObject({ code: "owner_cannot_approve", status: 403 });
    const viewer = await h.user("viewer");
    await expect(decide(viewer.id, { decision: "approve", confirmation: "postgres/main" })).rejects.toMatchObject({ code: "role_required", status: 403 });
    await expect(decide(approver.id, { decision: "approve" })).rejects.toMatchObject({ code: "confirmation_required", status: 422 });
    await expect(decide(approver.id, { decision: "approve", confirmation: "postgres/other" })).rejects.toMatchObject({ code: "confirmation_required" });
    await expect(decide(approver.id, { decision: "deny", reason: "" })).rejects.toMatchObject({ code: "validation_failed", status: 422 });
    const denied = await decide(approver.id, { decision: "deny", reason: "Not during business hours" });
    expect(denied).toMatchObject({ status: "denied", reason: "Not during business hours" });
    await expect(decide(approver2.id, { decision: "approve", confirmation: "postgres/main" })).rejects.toMatchObject({ code: "request_already_decided", status: 409 });
    expect((await read(id, "?wait=5", owned.key)).body).toMatchObject({ status: "denied", reason: "Not during business hours" });

    const twice = await create({ operation: sql("production", "DROP TABLE old_logs") });
    await decideRequest(h.database.prisma, h.config, { requestId: twice.body.id, reviewerId: approver.id, decision: { decision: "approve", confirmation: "postgres/main" } });
    await expect(
      decideRequest(h.database.prisma, h.config, { requestId: twice.body.id, reviewerId: approver.id, decision: { decision: "approve", confirmation: "postgres/main" } }),
    ).rejects.toMatchObject({ code: "already_reviewed", status: 409 });
  });

  it("cancels a pending request once", async () => {
    const created = await create({ operation: sql("production", "ALTER TABLE users DROP COLUMN legacy_id") });
    const cancel = () => h.call(cancelRoute.POST, "POST", `/api/v1/requests/${created.body.id}/cancel`, { key: agent.key, params: { id: created.body.id } });
    const first = await cancel();
    expect(first.status).toBe(200);
    expect(first.body.status).toBe("cancelled");
    expect((await cancel()).status).toBe(409);
    await expect(
      decideRequest(h.database.prisma, h.config, { requestId: created.body.id, reviewerId: approver.id, decision: { decision: "approve" } }),
    ).rejects.toMatchObject({ code: "request_already_decided" });
  });

  it("expires by the database clock, exactly once", async () => {
    const created = await create({ operation: sql("staging", "DROP TABLE tmp_import"), ttlSeconds: 10 });
    await h.database.prisma.$executeRawUnsafe(`UPDATE requests SET expires_at = now() - interval '1 second' WHERE id = $1::uuid`, created.body.id);
    const [a, b] = await Promise.all([expireDueRequests(h.database.prisma), expireDueRequests(h.database.prisma)]);
    // Exactly one sweep expires it (test/grant-races.test.ts races two instances' handles).
    expect(a + b).toBe(1);
    expect((await read(created.body.id)).body.status).toBe("expired");
    const events = await h.database.prisma.auditEvent.findMany({ where: { type: "request.expired", subjectId: created.body.id } });
    expect(events).toHaveLength(1);
    await expect(
      decideRequest(h.database.prisma, h.config, { requestId: created.body.id, reviewerId: approver.id, decision: { decision: "approve", confirmation: "postgres/main" } }),
    ).rejects.toMatchObject({ code: "request_already_decided" });
  });

  it("answers concurrent requests with one Idempotency-Key and one body with one request, the same 201 each", async () => {
    const key = h.unique("idem-race");
    // High, not critical: a burst of critical requests would trip the circuit breaker.
    const body = { operation: sql("staging", `ALTER TABLE ${key.replace(/\W/g, "_")} DROP COLUMN c`), summary: "raced" };
    const answers = await Promise.all(Array.from({ length: 6 }, () => create(body, { headers: { "idempotency-key": key } })));
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(201));
    const ids = new Set(answers.map((a) => a.body.id));
    expect(ids.size).toBe(1);
    for (const answer of answers) {
      expect(answer.body).toEqual(answers[0].body);
      expect(answer.headers.get("location")).toBe(answers[0].headers.get("location"));
    }
    expect(await h.database.prisma.request.count({ where: { agentId: agent.id, idempotencyKey: key } })).toBe(1);
    expect(await h.database.prisma.auditEvent.count({ where: { type: "request.created", subjectId: [...ids][0] } })).toBe(1);
  });

  it("answers concurrent requests with one Idempotency-Key and different bodies with one 201 and 422 for the rest", async () => {
    const key = h.unique("idem-race-bodies");
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => create({ operation: sql("staging", `ALTER TABLE idem_bodies DROP COLUMN c${i}`), summary: `body ${i}` }, { headers: { "idempotency-key": key } })),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([201, 422, 422, 422, 422, 422]);
    for (const refused of answers.filter((a) => a.status === 422)) {
      expect(refused.headers.get("content-type")).toBe("application/problem+json");
      expect(refused.body).toMatchObject({ code: "idempotency_key_reused", status: 422 });
    }
    const rows = await h.database.prisma.request.findMany({ where: { agentId: agent.id, idempotencyKey: key } });
    expect(rows.map((r) => r.id)).toEqual([answers.find((a) => a.status === 201)!.body.id]);
  });

  it("answers Idempotency-Key replays with the same request, and refuses a different body", async () => {
    const body = { operation: sql("staging", "DROP TABLE idem_test"), summary: "idempotent" };
    const headers = { "idempotency-key": h.unique("idem") };
    const first = await create(body, { headers });
    const second = await create({ summary: "idempotent", operation: { sql: body.operation.sql, target: body.operation.target, kind: "sql" } }, { headers });
    expect(first.status).toBe(201);
    // The same response as the first call: status, location and body.
    expect(second.status).toBe(201);
    expect(second.headers.get("location")).toBe(first.headers.get("location"));
    expect(second.body).toEqual(first.body);
    const other = await create({ ...body, summary: "something else" }, { headers });
    expect(other.status).toBe(422);
    expect(other.body.code).toBe("idempotency_key_reused");
    // Scoped to the agent: another agent may use the same key.
    const otherAgent = await h.agent();
    expect((await create(body, { key: otherAgent.key, headers })).body.id).not.toBe(first.body.id);
  });

  it.each([
    ["no operation", { summary: "x" }, 422, "validation_failed", "operation"],
    ["unknown kind", { operation: { kind: "ftp", target: { environment: "staging", resource: "x" } } }, 422, "validation_failed", "operation.kind"],
    ["ttl too short", { operation: sql("staging", "SELECT 1"), ttlSeconds: 5 }, 422, "validation_failed", "ttlSeconds"],
    ["ttl too long", { operation: sql("staging", "SELECT 1"), ttlSeconds: 86_401 }, 422, "validation_failed", "ttlSeconds"],
    ["unknown field", { operation: sql("staging", "SELECT 1"), approve: true }, 422, "validation_failed", "approve"],
    ["unknown operation field", { operation: { ...sql("staging", "SELECT 1"), force: true } }, 422, "validation_failed", "operation.force"],
    ["unknown target field", { operation: { ...sql("staging", "SELECT 1"), target: { environment: "staging", resource: "postgres/main", database: "other" } } }, 422, "validation_failed", "operation.target.database"],
    ["unknown context field", { operation: sql("staging", "SELECT 1"), context: { reasoning: "r", secret: "x" } }, 422, "validation_failed", "context.secret"],
    ["NUL character", { operation: sql("staging", "SELECT 1"), summary: "a\u0000b" }, 422, "validation_failed", "summary"],
    // Environment names follow the rule environments are defined by, so none can dodge a rule for `production`.
    ["an environment with a trailing space", { operation: sql("production ", "DROP TABLE t") }, 422, "validation_failed", "operation.target.environment"],
    ["an environment with a Cyrillic look-alike", { operation: sql("pr\u043Eduction", "DROP TABLE t") }, 422, "validation_failed", "operation.target.environment"],
    ["an environment with a zero-width space", { operation: sql("produc\u200Btion", "DROP TABLE t") }, 422, "validation_failed", "operation.target.environment"],
    ["an environment spelled with another case than the defined one", { operation: sql("Production", "DROP TABLE t") }, 422, "validation_failed", "operation.target.environment"],
    ["an environment in capitals", { operation: sql("PRODUCTION", "DROP TABLE t") }, 422, "validation_failed", "operation.target.environment"],
    ["a resource with a bidi override", { operation: { ...sql("staging", "SELECT 1"), target: { environment: "staging", resource: "postgres/\u202Eniam" } } }, 422, "validation_failed", "operation.target.resource"],
    ["a resource with a zero-width joiner", { operation: { ...sql("staging", "SELECT 1"), target: { environment: "staging", resource: "postgres/ma\u200Din" } } }, 422, "validation_failed", "operation.target.resource"],
    ["a resource with a newline", { operation: { ...sql("staging", "SELECT 1"), target: { environment: "staging", resource: "postgres/main\nApproved" } } }, 422, "validation_failed", "operation.target.resource"],
    ["a resource with a leading space", { operation: { ...sql("staging", "SELECT 1"), target: { environment: "staging", resource: " postgres/main" } } }, 422, "validation_failed", "operation.target.resource"],
  ])("rejects %s with a problem naming the field", async (_name, body, status, code, field) => {
    const res = await create(body);
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.body).toMatchObject({ status, code, type: `urn:countersign:problem:${code}` });
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it("keeps environment names case-sensitive and unambiguous: a case variant of a defined one is neither requested nor defined", async () => {
    const { createEnvironment, tierOf } = await import("../lib/environments");
    await expect(createEnvironment(h.database.prisma, { name: "Staging", tier: "other" }, { type: "system" })).rejects.toMatchObject({ code: "already_exists", status: 409 });
    // A well-formed name nobody defined is still accepted, and counts as production.
    const undefinedEnv = h.unique("qa");
    const wildcard = await h.agent({ environments: ["*"] });
    const res = await create({ operation: sql(undefinedEnv, "SELECT 1") }, { key: wildcard.key });
    expect(res.status).toBe(201);
    expect(await tierOf(h.database.prisma, undefinedEnv)).toBe("production");
    const variant = await create({ operation: sql("Staging", "SELECT 1") }, { key: wildcard.key });
    expect(variant.status).toBe(422);
    expect(variant.body.errors).toEqual([{ field: "operation.target.environment", message: "environment names are case-sensitive: the defined environment is staging" }]);
  });

  it("matches an agent's resource patterns without backtracking, however the pattern is written", async () => {
    const agentWithStars = await h.agent({ environments: ["staging"], resources: ["*a*a*a*a*a*a*b"] });
    const started = Date.now();
    const res = await create({ operation: sql("staging", "SELECT 1", "a".repeat(200)) }, { key: agentWithStars.key });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe("resource_not_allowed");
    // Backtracking over seven stars and 200 characters would take far longer than any busy machine.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await create({ operation: sql("staging", "SELECT 1", `${"a".repeat(150)}b`) }, { key: agentWithStars.key })).status).toBe(201);
  });

  it("rejects bad JSON (400), non-JSON (415) and bodies over 1 MiB (413)", async () => {
    const bad = await h.call(requestsRoute.POST, "POST", "/api/v1/requests", { key: agent.key, rawBody: "{not json", headers: { "content-type": "application/json" } });
    expect(bad.status).toBe(400);
    const text = await h.call(requestsRoute.POST, "POST", "/api/v1/requests", { key: agent.key, rawBody: "hello", headers: { "content-type": "text/plain" } });
    expect(text.status).toBe(415);
    const big = await create({ operation: sql("staging", "SELECT 1"), context: { reasoning: "x".repeat(1024 * 1024) } });
    expect(big.status).toBe(413);
    expect(big.body.code).toBe("payload_too_large");
  });

  it("answers 401 for missing, unknown, revoked and expired keys; 403 for scope and environment", async () => {
    const body = { operation: sql("staging", "SELECT 1") };
    const none = await h.call(requestsRoute.POST, "POST", "/api/v1/requests", { body });
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/Bearer/);
    expect((await create(body, { key: "csk_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" })).status).toBe(401);
    const victim = await h.agent();
    await revokeAgentKey(h.database.prisma, victim.keyId, { type: "system" });
    expect((await create(body, { key: victim.key })).status).toBe(401);
    const expiring = await h.agent();
    await h.database.prisma.agentKey.update({ where: { id: expiring.keyId }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await create(body, { key: expiring.key })).body.code).toBe("invalid_api_key");

    const readOnly = await h.agent({ scopes: ["requests:read"] });
    const scope = await create(body, { key: readOnly.key });
    expect(scope.status).toBe(403);
    expect(scope.body.code).toBe("missing_scope");
    const refusal = await h.database.prisma.auditEvent.findMany({ where: { type: "auth.refused", actorId: readOnly.id } });
    expect(refusal).toHaveLength(1);
    expect(refusal[0].data).toMatchObject({ reason: "missing_scope", scope: "requests:create", method: "POST", path: "/api/v1/requests" });
    const stagingOnly = await h.agent({ environments: ["staging"] });
    const env = await create({ operation: sql("production", "SELECT 1") }, { key: stagingOnly.key });
    expect(env.status).toBe(403);
    expect(env.body.code).toBe("environment_not_allowed");
    expect(await h.database.prisma.auditEvent.count({ where: { type: "request.refused", actorId: stagingOnly.id } })).toBe(1);
  });

  it("judges the key and its scope before the body, which is read while the key is looked up", async () => {
    const unknownKey = "csk_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    const badJson = { rawBody: "{not json", headers: { "content-type": "application/json" } };
    const invalid = { operation: { kind: "sql", target: { environment: "staging" } } };
    for (const key of [unknownKey, "not-a-key"]) {
      expect((await h.call(requestsRoute.POST, "POST", "/api/v1/requests", { key, ...badJson })).body.code).toBe("invalid_api_key");
      expect((await create(invalid, { key })).body.code).toBe("invalid_api_key");
    }
    const readOnly = await h.agent({ scopes: ["requests:read"] });
    expect((await h.call(requestsRoute.POST, "POST", "/api/v1/requests", { key: readOnly.key, ...badJson })).body.code).toBe("missing_scope");
    expect((await create(invalid, { key: readOnly.key })).body.code).toBe("missing_scope");
    // With a good key the same bodies are judged, and nothing was stored for any of them.
    expect((await h.call(requestsRoute.POST, "POST", "/api/v1/requests", { key: agent.key, ...badJson })).status).toBe(400);
    const judged = await create(invalid);
    expect(judged.status).toBe(422);
    expect(judged.body.errors.map((e: { field: string }) => e.field)).toContain("operation.target.resource");
    expect(await h.database.prisma.request.count({ where: { agentId: readOnly.id } })).toBe(0);
  });

  it("answers 404 for another agent's request, and 422 for wait outside 1–60", async () => {
    const created = await create({ operation: sql("staging", "DROP TABLE mine") });
    const other = await h.agent();
    const res = await read(created.body.id, "", other.key);
    expect(res.status).toBe(404);
    // Nor can it cancel it, or report an outcome for a grant it did not redeem: 404 like a missing one.
    const id = created.body.id;
    const cancelled = await h.call(cancelRoute.POST, "POST", `/api/v1/requests/${id}/cancel`, { key: other.key, params: { id } });
    expect(cancelled.status).toBe(404);
    expect(cancelled.body.code).toBe("not_found");
    const approved = await create({ operation: sql("staging", "SELECT 2") });
    expect((await redeem(approved.body.grant.token, sql("staging", "SELECT 2"))).status).toBe(200);
    const outcome = await h.call(outcomeRoute.POST, "POST", `/api/v1/requests/${approved.body.id}/outcome`, { key: other.key, params: { id: approved.body.id }, body: { status: "executed" } });
    expect(outcome.status).toBe(404);
    expect(outcome.body.code).toBe("not_found");
    expect((await read(id)).body.status).toBe("pending");
    expect((await read(approved.body.id)).body.status).toBe("approved");
    expect((await read("00000000-0000-0000-0000-000000000000")).status).toBe(404);
    expect((await read("not-a-uuid")).status).toBe(404);
    for (const query of ["?wait=0", "?wait=", "?wait=61", "?wait=abc", "?wait=1.5", "?wait=-1"]) {
      const bad = await read(created.body.id, query);
      expect(bad.status, query).toBe(422);
      expect(bad.body).toMatchObject({ code: "validation_failed", errors: [{ field: "wait" }] });
    }
    const started = Date.now();
    const polled = await read(created.body.id, "?wait=1");
    expect(polled.body.status).toBe("pending");
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it("treats an undefined environment as production (fail closed)", async () => {
    const anywhere = await h.agent({ environments: ["*"] });
    const res = await create({ operation: sql("eu-prod-2", "DELETE FROM orders WHERE id = 1") }, { key: anywhere.key });
    expect(res.body).toMatchObject({ status: "pending", requiredApprovals: 1 });
  });

  it("leaves an intact audit chain recording the loop", async () => {
    expect(await verifyAuditChain(h.database.prisma)).toMatchObject({ ok: true });
    const types = new Set((await h.database.prisma.auditEvent.findMany({ select: { type: true } })).map((e) => e.type));
    for (const t of ["request.created", "policy.decided", "review.approved", "request.approved", "grant.issued", "grant.redeemed", "grant.redeem_refused", "request.outcome", "request.cancelled", "request.expired", "grant.revoked", "request.denied"]) {
      expect(types).toContain(t);
    }
  });
});

describe.each(DATABASE_KINDS)("circuit breaker on %s", (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(kind);
  });
  afterAll(async () => {
    await h?.close();
  });

  it("quarantines an agent after a burst of critical requests until an admin lifts it", async () => {
    const runaway = await h.agent({ environments: ["staging"] });
    const create = (i: number) =>
      h.call(requestsRoute.POST, "POST", "/api/v1/requests", { key: runaway.key, body: { operation: sql("staging", `DROP TABLE t_${i}`) } });
    const answers = [];
    for (let i = 0; i < 20; i++) answers.push(await create(i));
    expect(answers.slice(0, 19).every((a) => a.status === 201 && a.body.status === "pending")).toBe(true);
    // The 20th trips the breaker: it and every pending request of the agent are denied.
    expect(answers[19].body).toMatchObject({ status: "denied", reason: expect.stringMatching(/quarantined by the circuit breaker/) });
    expect(await h.database.prisma.request.count({ where: { agentId: runaway.id, status: "pending" } })).toBe(0);
    const refused = await create(99);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe("agent_quarantined");
    const audit = await h.database.prisma.auditEvent.findMany({ where: { type: "agent.quarantined", subjectId: runaway.id } });
    expect(audit).toHaveLength(1);
    expect((audit[0].data as { evidence: string[] }).evidence).toHaveLength(20);

    const { liftQuarantine } = await import("../lib/agents/quarantine");
    await liftQuarantine(h.database.prisma, runaway.name, { type: "cli" });
    const again = await h.call(requestsRoute.POST, "POST", "/api/v1/requests", { key: runaway.key, body: { operation: sql("staging", "SELECT 1") } });
    expect(again.status).toBe(201);
    // The burst before the lift does not count again.
    expect((await create(100)).body.status).toBe("pending");
    expect(await h.database.prisma.auditEvent.count({ where: { type: "agent.quarantine_lifted", subjectId: runaway.id } })).toBe(1);
  });

  it("takes parallel requests from the same agents without a deadlock: every one is created", async () => {
    // Critical requests, so each one runs the breaker's per-agent check inside its transaction.
    const agents = await Promise.all([0, 1, 2, 3].map(() => h.agent({ environments: ["staging"] })));
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          h.call(requestsRoute.POST, "POST", "/api/v1/requests", { key: agents[i % 4].key, body: { operation: sql("staging", `DROP TABLE parallel_${round}_${i}`) } }),
        ),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(16).fill(201));
      for (const agent of agents) await h.database.prisma.request.updateMany({ where: { agentId: agent.id, status: "pending" }, data: { status: "cancelled" } });
    }
    expect((await verifyAuditChain(h.database.prisma)).ok).toBe(true);
  });
});

describe.each(DATABASE_KINDS)("circuit breaker thresholds set in the policy on %s", (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(kind);
    const { savePolicy } = await import("../lib/policy/store");
    const { DEFAULT_POLICY_RULES } = await import("../lib/policy");
    await savePolicy(h.database.prisma, DEFAULT_POLICY_RULES, { type: "system" }, "tight breaker", {
      count: 3,
      windowSeconds: 600,
      minRisk: "high",
      statuses: [],
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("quarantines after the policy's count of requests at its risk level, not the default twenty critical", async () => {
    const agent = await h.agent({ environments: ["staging"] });
    const create = (statement: string) =>
      h.call(requestsRoute.POST, "POST", "/api/v1/requests", { key: agent.key, body: { operation: sql("staging", statement) } });
    // Medium and low requests do not count at minRisk high.
    expect((await create("ALTER TABLE t ADD COLUMN c int")).body.status).toBe("approved");
    expect((await create("SELECT 1")).body.status).toBe("approved");
    expect((await create("ALTER TABLE t1 DROP COLUMN c")).body).toMatchObject({ status: "pending", risk: { level: "high" } });
    expect((await create("ALTER TABLE t2 DROP COLUMN c")).body.status).toBe("pending");
    const third = await create("ALTER TABLE t3 DROP COLUMN c");
    expect(third.body).toMatchObject({ status: "denied", reason: expect.stringMatching(/3 high-or-higher requests in the last 10 minutes \(threshold 3\)/) });
    expect(await h.database.prisma.request.count({ where: { agentId: agent.id, status: "pending" } })).toBe(0);
    expect((await create("SELECT 1")).status).toBe(403);
  });
});

/** Saves the default policy behind one rule: staging requests at `minRisk` wait out a cool-down after one approval. */
async function coolDownFirst(
  h: Harness,
  rule: { id: string; minRisk: "high" | "critical"; coolDownSeconds: number },
  note: string,
  breaker?: { count: number; windowSeconds: number; minRisk: "critical"; statuses: [] },
) {
  const { savePolicy } = await import("../lib/policy/store");
  const { DEFAULT_POLICY_RULES } = await import("../lib/policy");
  await savePolicy(
    h.database.prisma,
    [{ id: rule.id, match: { environments: ["staging"], minRisk: rule.minRisk }, effect: { type: "require_approval", approvals: 1, coolDownSeconds: rule.coolDownSeconds } }, ...DEFAULT_POLICY_RULES],
    { type: "system" },
    note,
    ...(breaker ? [breaker] : []),
  );
}

describe.each(DATABASE_KINDS)("quarantine closes everything the agent has in flight on %s", (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(kind);
    await coolDownFirst(h, { id: "critical-cool-down", minRisk: "critical", coolDownSeconds: 3600 }, "quarantine test", { count: 3, windowSeconds: 600, minRisk: "critical", statuses: [] });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("denies pending and cooling-down requests, revokes unredeemed grants, and alerts Slack", async () => {
    const agent = await h.agent({ environments: ["staging"] });
    const executor = await h.agent({ environments: ["staging"], scopes: ["grants:redeem"] });
    const approver = await h.user("approver");
    const create = (statement: string) =>
      h.call(requestsRoute.POST, "POST", "/api/v1/requests", { key: agent.key, body: { operation: sql("staging", statement) } });
    const approve = (id: string) =>
      decideRequest(h.database.prisma, h.config, { requestId: id, reviewerId: approver.id, decision: { decision: "approve", confirmation: "postgres/main" } });

    const cooling = await create("DROP TABLE q_cooling");
    expect(await approve(cooling.body.id)).toMatchObject({ status: "cooling_down" });
    const highOperation = sql("staging", "ALTER TABLE q_approved DROP COLUMN c");
    const approvedReq = await create(highOperation.sql);
    const approved = await approve(approvedReq.body.id);
    expect(approved).toMatchObject({ status: "approved", grant: { token: expect.any(String) } });
    const pending = await create("DROP TABLE q_pending");
    expect(pending.body.status).toBe("pending");
    // The third critical request trips the breaker.
    const tripping = await create("DROP TABLE q_tripping");
    expect(tripping.body).toMatchObject({ status: "denied", reason: expect.stringMatching(/quarantined by the circuit breaker/) });

    const rows = await h.database.prisma.request.findMany({ where: { agentId: agent.id }, include: { grant: true }, orderBy: { createdAt: "asc" } });
    expect(rows.map((r) => r.status)).toEqual(["denied", "revoked", "denied", "denied"]);
    expect(rows[0].coolDownUntil).toBeNull();
    expect(rows[0].grant).toBeNull();
    expect(rows[1].grant?.revokedAt).toBeInstanceOf(Date);
    expect(rows[1].grant?.redeemedAt).toBeNull();

    // The revoked grant cannot be spent by an executor either.
    const redeemed = await h.call(redeemRoute.POST, "POST", "/api/v1/grants/redeem", { key: executor.key, body: { token: approved.grant!.token, operation: highOperation } });
    expect(redeemed.status).toBe(409);
    expect(redeemed.body).toMatchObject({ code: "grant_revoked" });

    const audit = await h.database.prisma.auditEvent.findMany({ where: { subjectId: { in: rows.map((r) => r.id) }, type: { in: ["request.denied", "grant.revoked"] } } });
    expect(audit.filter((e) => e.type === "request.denied").map((e) => e.subjectId).sort()).toEqual([rows[0].id, rows[2].id, rows[3].id].sort());
    expect(audit.filter((e) => e.type === "grant.revoked").map((e) => e.subjectId)).toEqual([rows[1].id]);
    const [quarantined] = await h.database.prisma.auditEvent.findMany({ where: { type: "agent.quarantined", subjectId: agent.id } });
    // The tripping request was pending in the same transaction, so it is among the denied.
    const data = quarantined.data as { deniedPending: string[]; deniedCoolingDown: string[]; revokedGrants: string[] };
    expect([...data.deniedPending].sort()).toEqual([rows[2].id, rows[3].id].sort());
    expect(data).toMatchObject({ deniedCoolingDown: [rows[0].id], revokedGrants: [rows[1].id] });

    const alerts = await h.database.prisma.notificationDelivery.findMany({ where: { kind: "agent.quarantined" } });
    expect(alerts).toHaveLength(1);
    expect(JSON.stringify(alerts[0].payload)).toContain(agent.name);
    expect(JSON.stringify(alerts[0].payload)).toMatch(/3 waiting request\(s\) were denied and 1 unredeemed grant\(s\) revoked/);

    // Even a request somehow still cooling down gets no grant while the agent is quarantined.
    await h.database.prisma.$executeRawUnsafe(
      `UPDATE requests SET status = 'cooling_down', cool_down_until = now() - interval '1 second' WHERE id = $1::uuid`,
      rows[0].id,
    );
    const { finishCoolDowns } = await import("../lib/requests/expire-requests");
    await finishCoolDowns(h.database.prisma, h.config);
    const after = await h.database.prisma.request.findUniqueOrThrow({ where: { id: rows[0].id }, include: { grant: true } });
    expect(after.status).toBe("denied");
    expect(after.grant).toBeNull();
    expect(await verifyAuditChain(h.database.prisma)).toMatchObject({ ok: true });
  });
});

describe.each(DATABASE_KINDS)("cool-down after approval on %s", (kind) => {
  let h: Harness;
  let agent: Awaited<ReturnType<Harness["agent"]>>;
  let approver: { id: string };
  beforeAll(async () => {
    h = await createHarness(kind);
    await coolDownFirst(h, { id: "staging-cool-down", minRisk: "high", coolDownSeconds: 30 }, "cool-down test");
    agent = await h.agent({ environments: ["staging"] });
    approver = await h.user("approver");
  });
  afterAll(async () => {
    await h?.close();
  });

  const create = (statement: string) =>
    h.call(requestsRoute.POST, "POST", "/api/v1/requests", { key: agent.key, body: { operation: sql("staging", statement) } });
  const read = (id: string, query = "") => h.call(requestRoute.GET, "GET", `/api/v1/requests/${id}${query}`, { key: agent.key, params: { id } });
  const approve = (id: string) =>
    decideRequest(h.database.prisma, h.config, { requestId: id, reviewerId: approver.id, decision: { decision: "approve", confirmation: "postgres/main" } });

  it("holds the grant back while the cool-down runs, then issues it", async () => {
    const created = await create("DROP TABLE cooled");
    const decided = await approve(created.body.id);
    expect(decided).toMatchObject({ status: "cooling_down" });
    expect(decided.grant).toBeUndefined();
    expect(Date.parse(decided.coolDownUntil!) - Date.now()).toBeGreaterThan(25_000);
    // The agent keeps waiting through a cool-down: it is not yet a decision.
    const started = Date.now();
    expect((await read(created.body.id, "?wait=1")).body.status).toBe("cooling_down");
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);

    await h.database.prisma.$executeRawUnsafe(`UPDATE requests SET cool_down_until = now() - interval '1 second' WHERE id = $1::uuid`, created.body.id);
    const { finishCoolDowns } = await import("../lib/requests/expire-requests");
    const [a, b] = await Promise.all([finishCoolDowns(h.database.prisma, h.config), finishCoolDowns(h.database.prisma, h.config)]);
    expect(a + b).toBe(1);
    const after = await read(created.body.id);
    expect(after.body).toMatchObject({ status: "approved", grant: { token: expect.any(String) } });
    expect(await h.database.prisma.grant.count({ where: { requestId: created.body.id } })).toBe(1);
  });

  it("lets any reviewer cancel during the cool-down, and then nothing can be redeemed", async () => {
    const created = await create("DROP TABLE cancelled_in_cool_down");
    await approve(created.body.id);
    // A viewer, who could not approve, can still stop it.
    const other = await h.user("viewer");
    const revoked = await decideRequest(h.database.prisma, h.config, {
      requestId: created.body.id,
      reviewerId: other.id,
      decision: { decision: "revoke", reason: "Second thoughts" },
    });
    expect(revoked).toMatchObject({ status: "revoked", reason: "Second thoughts" });
    expect(await h.database.prisma.grant.count({ where: { requestId: created.body.id } })).toBe(0);
    const { finishCoolDowns } = await import("../lib/requests/expire-requests");
    await h.database.prisma.$executeRawUnsafe(`UPDATE requests SET cool_down_until = now() - interval '1 second' WHERE id = $1::uuid`, created.body.id);
    expect(await finishCoolDowns(h.database.prisma, h.config)).toBe(0);
    expect((await read(created.body.id)).body.status).toBe("revoked");
    const audit = await h.database.prisma.auditEvent.findMany({ where: { type: "request.cool_down_cancelled", subjectId: created.body.id } });
    expect(audit).toHaveLength(1);
    expect(audit[0].actorId).toBe(other.id);
  });

  it("still needs an approver to revoke a grant once the cool-down has passed", async () => {
    const created = await create("DROP TABLE revoked_after_cool_down");
    await approve(created.body.id);
    await h.database.prisma.$executeRawUnsafe(`UPDATE requests SET cool_down_until = now() - interval '1 second' WHERE id = $1::uuid`, created.body.id);
    const { finishCoolDowns } = await import("../lib/requests/expire-requests");
    expect(await finishCoolDowns(h.database.prisma, h.config)).toBe(1);
    const viewer = await h.user("viewer");
    await expect(
      decideRequest(h.database.prisma, h.config, { requestId: created.body.id, reviewerId: viewer.id, decision: { decision: "revoke", reason: "no" } }),
    ).rejects.toMatchObject({ code: "role_required", status: 403 });
    expect((await read(created.body.id)).body.status).toBe("approved");
  });
});
