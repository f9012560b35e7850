// The OpenAPI document describes what the server really answers: real responses, successes and
// problems alike, validate against the document's own schemas.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { createHarness, type Harness } from "./api-harness";
import * as openapiRoute from "../app/api/v1/openapi.json/route";
import * as requestsRoute from "../app/api/v1/requests/route";
import * as requestRoute from "../app/api/v1/requests/[id]/route";
import * as redeemRoute from "../app/api/v1/grants/redeem/route";
import * as cancelRoute from "../app/api/v1/requests/[id]/cancel/route";
import * as outcomeRoute from "../app/api/v1/requests/[id]/outcome/route";
import * as jwksRoute from "../app/.well-known/jwks.json/route";
import * as resourceMetadataRoute from "../app/.well-known/oauth-protected-resource/[[...path]]/route";
import * as healthRoute from "../app/api/health/route";
import * as executeRoute from "../app/api/v1/requests/[id]/execute/route";
import * as resourcesRoute from "../app/api/v1/resources/route";
import * as sqlRoute from "../app/api/v1/resources/[name]/sql/route";
import { DATABASE_KINDS, createPostgresDatabase } from "./databases";
import { registerResource } from "../lib/resources";
import { createRequest, CreateRequest } from "../lib/requests";
import { decideRequest } from "./decide";

describe("OpenAPI 3.1 document", () => {
  let h: Harness;
  let doc: any;
  let ajv: Ajv2020;

  beforeAll(async () => {
    h = await createHarness("embedded");
    doc = await (openapiRoute.GET() as Response).json();
    ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    for (const [name, schema] of Object.entries(doc.components.schemas)) ajv.addSchema(schema as object, `#/components/schemas/${name}`);
  });
  afterAll(async () => {
    await h?.close();
  });

  function check(path: string, method: string, status: number, body: unknown, contentType: string) {
    const operation = doc.paths[path]?.[method];
    expect(operation, `${method} ${path} is documented`).toBeDefined();
    const response = operation.responses[String(status)];
    expect(response, `${method} ${path} documents ${status}`).toBeDefined();
    const media = response.content[contentType.split(";")[0]];
    expect(media, `${method} ${path} ${status} documents ${contentType}`).toBeDefined();
    const validate = ajv.getSchema(media.schema.$ref)!;
    const ok = validate(body);
    expect(ok, JSON.stringify(validate.errors)).toBe(true);
  }

  it("is OpenAPI 3.1 and documents every agent route", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        "/.well-known/jwks.json",
        "/.well-known/oauth-protected-resource",
        "/.well-known/oauth-protected-resource/api/mcp",
        "/api/health",
        "/api/v1/grants/redeem",
        "/api/v1/requests",
        "/api/v1/requests/{id}",
        "/api/v1/requests/{id}/cancel",
        "/api/v1/requests/{id}/execute",
        "/api/v1/requests/{id}/outcome",
        "/api/v1/resources",
        "/api/v1/resources/{name}/sql",
        "/api/v1/resources/{name}/http",
      ].sort(),
    );
  });

  it("matches real responses, successes and problems", async () => {
    const agent = await h.agent();
    const operation = { kind: "sql", target: { environment: "staging", resource: "postgres/main" }, sql: "SELECT 1" };
    const allowed = await h.call(requestsRoute.POST, "POST", "/api/v1/requests", { key: agent.key, body: { operation, summary: "read" } });
    check("/api/v1/requests", "post", allowed.status, allowed.body, allowed.headers.get("content-type")!);
    expect(allowed.body.grant).toBeDefined();

    const pending = await h.call(requestsRoute.POST, "POST", "/api/v1/requests", {
      key: agent.key,
      body: { operation: { ...operation, sql: "DROP TABLE t" }, context: { reasoning: "why", transcript: [{ role: "user", content: "hi" }], links: ["https://example.com/x"] }, diff: { format: "text", content: "-t" } },
    });
    check("/api/v1/requests", "post", pending.status, pending.body, pending.headers.get("content-type")!);

    const invalid = await h.call(requestsRoute.POST, "POST", "/api/v1/requests", { key: agent.key, body: { operation: { kind: "sql" } } });
    check("/api/v1/requests", "post", invalid.status, invalid.body, invalid.headers.get("content-type")!);
    const unauthenticated = await h.call(requestsRoute.POST, "POST", "/api/v1/requests", { body: { operation } });
    check("/api/v1/requests", "post", unauthenticated.status, unauthenticated.body, unauthenticated.headers.get("content-type")!);

    const read = await h.call(requestRoute.GET, "GET", `/api/v1/requests/${pending.body.id}`, { key: agent.key, params: { id: pending.body.id } });
    check("/api/v1/requests/{id}", "get", read.status, read.body, read.headers.get("content-type")!);
    const missing = await h.call(requestRoute.GET, "GET", `/api/v1/requests/${crypto.randomUUID()}`, { key: agent.key, params: { id: crypto.randomUUID() } });
    check("/api/v1/requests/{id}", "get", missing.status, missing.body, missing.headers.get("content-type")!);

    // Only the built-in executor measures a planned effect, for reviewers: the agent's view never carries it.
    const prisma = h.database.prisma;
    const caller = { agent: await prisma.agent.findUniqueOrThrow({ where: { id: agent.id } }), key: await prisma.agentKey.findUniqueOrThrow({ where: { id: agent.keyId } }) };
    const measured = await createRequest(prisma, h.config, {
      caller,
      body: CreateRequest.parse({ operation: { ...operation, sql: "DELETE FROM t" } }),
      plannedEffect: { summary: "Deletes 3 of 3 rows in `public.t` (8.0 kB).", details: "Deletes 3 of 3 rows in `public.t` (8.0 kB)." },
    });
    const withEffect = await h.call(requestRoute.GET, "GET", `/api/v1/requests/${measured.view.id}`, { key: agent.key, params: { id: measured.view.id } });
    expect(withEffect.body).not.toHaveProperty("plannedEffect");
    check("/api/v1/requests/{id}", "get", withEffect.status, withEffect.body, withEffect.headers.get("content-type")!);

    const cancelled = await h.call(cancelRoute.POST, "POST", `/api/v1/requests/${pending.body.id}/cancel`, { key: agent.key, params: { id: pending.body.id } });
    check("/api/v1/requests/{id}/cancel", "post", cancelled.status, cancelled.body, cancelled.headers.get("content-type")!);
    const again = await h.call(cancelRoute.POST, "POST", `/api/v1/requests/${pending.body.id}/cancel`, { key: agent.key, params: { id: pending.body.id } });
    check("/api/v1/requests/{id}/cancel", "post", again.status, again.body, again.headers.get("content-type")!);

    const redeemed = await h.call(redeemRoute.POST, "POST", "/api/v1/grants/redeem", { key: agent.key, body: { token: allowed.body.grant.token, operation } });
    check("/api/v1/grants/redeem", "post", redeemed.status, redeemed.body, redeemed.headers.get("content-type")!);
    const replay = await h.call(redeemRoute.POST, "POST", "/api/v1/grants/redeem", { key: agent.key, body: { token: allowed.body.grant.token, operation } });
    check("/api/v1/grants/redeem", "post", replay.status, replay.body, replay.headers.get("content-type")!);

    // A request the agent made itself is not Countersign's to run.
    const notExecutable = await h.call(executeRoute.POST, "POST", `/api/v1/requests/${allowed.body.id}/execute`, { key: agent.key, params: { id: allowed.body.id } });
    expect(notExecutable.status).toBe(409);
    check("/api/v1/requests/{id}/execute", "post", notExecutable.status, notExecutable.body, notExecutable.headers.get("content-type")!);
    const badWait = await h.call(executeRoute.POST, "POST", `/api/v1/requests/${allowed.body.id}/execute`, { key: agent.key, body: { wait: -1 }, params: { id: allowed.body.id } });
    check("/api/v1/requests/{id}/execute", "post", badWait.status, badWait.body, badWait.headers.get("content-type")!);

    const resources = await h.call(resourcesRoute.GET, "GET", "/api/v1/resources", { key: agent.key });
    check("/api/v1/resources", "get", resources.status, resources.body, resources.headers.get("content-type")!);
    const noResource = await h.call(sqlRoute.POST, "POST", "/api/v1/resources/nowhere/sql", { key: agent.key, body: { sql: "SELECT 1" }, params: { name: "nowhere" } });
    expect(noResource.status).toBe(404);
    check("/api/v1/resources/{name}/sql", "post", noResource.status, noResource.body, noResource.headers.get("content-type")!);

    const jwks = await jwksRoute.GET();
    check("/.well-known/jwks.json", "get", jwks.status, await jwks.json(), jwks.headers.get("content-type")!);
    for (const [path, segments] of [["/.well-known/oauth-protected-resource", undefined], ["/.well-known/oauth-protected-resource/api/mcp", ["api", "mcp"]]] as const) {
      const metadata = await resourceMetadataRoute.GET(new Request(`http://countersign.test${path}`), { params: Promise.resolve({ path: segments ? [...segments] : undefined }) });
      expect(metadata.status).toBe(200);
      check(path, "get", metadata.status, await metadata.json(), metadata.headers.get("content-type")!);
    }
    const health = await healthRoute.GET();
    check("/api/health", "get", health.status, await health.json(), health.headers.get("content-type")!);
  });

  it("documents every problem the create, redeem and outcome routes answer, with the Problem schema", async () => {
    const agent = await h.agent({ environments: ["staging"], resources: ["postgres/*"] });
    const stranger = await h.agent({ environments: ["staging"] });
    const readOnly = await h.agent({ scopes: ["requests:read"] });
    const operation = { kind: "sql", target: { environment: "staging", resource: "postgres/main" }, sql: "SELECT 1" };
    const allowed = await h.call(requestsRoute.POST, "POST", "/api/v1/requests", { key: agent.key, body: { operation } });
    const token = allowed.body.grant.token as string;
    const idem = { "idempotency-key": h.unique("idem") };
    await h.call(requestsRoute.POST, "POST", "/api/v1/requests", { key: agent.key, body: { operation }, headers: idem });
    const big = JSON.stringify({ operation, summary: "x".repeat(1024 * 1024) });
    const notJson = { rawBody: "token=x", headers: { "content-type": "application/x-www-form-urlencoded" } };
    const badJson = { rawBody: "{", headers: { "content-type": "application/json" } };
    const outcomePath = `/api/v1/requests/${allowed.body.id}/outcome`;
    const outcomeParams = { id: allowed.body.id };

    type Case = [string, Parameters<Harness["call"]>[0], string, string, Parameters<Harness["call"]>[3], number, string];
    const cases: Case[] = [
      ["create: bad JSON", requestsRoute.POST, "/api/v1/requests", "/api/v1/requests", { key: agent.key, ...badJson }, 400, "bad_request"],
      ["create: no key", requestsRoute.POST, "/api/v1/requests", "/api/v1/requests", { body: { operation } }, 401, "invalid_api_key"],
      ["create: missing scope", requestsRoute.POST, "/api/v1/requests", "/api/v1/requests", { key: readOnly.key, body: { operation } }, 403, "missing_scope"],
      ["create: environment", requestsRoute.POST, "/api/v1/requests", "/api/v1/requests", { key: agent.key, body: { operation: { ...operation, target: { environment: "production", resource: "postgres/main" } } } }, 403, "environment_not_allowed"],
      ["create: resource", requestsRoute.POST, "/api/v1/requests", "/api/v1/requests", { key: agent.key, body: { operation: { ...operation, target: { environment: "staging", resource: "mysql/main" } } } }, 403, "resource_not_allowed"],
      ["create: too large", requestsRoute.POST, "/api/v1/requests", "/api/v1/requests", { key: agent.key, rawBody: big, headers: { "content-type": "application/json" } }, 413, "payload_too_large"],
      ["create: not JSON", requestsRoute.POST, "/api/v1/requests", "/api/v1/requests", { key: agent.key, ...notJson }, 415, "unsupported_media_type"],
      ["create: invalid", requestsRoute.POST, "/api/v1/requests", "/api/v1/requests", { key: agent.key, body: { operation, ttlSeconds: 1 } }, 422, "validation_failed"],
      ["create: idempotency key reused", requestsRoute.POST, "/api/v1/requests", "/api/v1/requests", { key: agent.key, body: { operation, summary: "other" }, headers: idem }, 422, "idempotency_key_reused"],
      ["redeem: bad JSON", redeemRoute.POST, "/api/v1/grants/redeem", "/api/v1/grants/redeem", { key: agent.key, ...badJson }, 400, "bad_request"],
      ["redeem: bad token", redeemRoute.POST, "/api/v1/grants/redeem", "/api/v1/grants/redeem", { key: agent.key, body: { token: "not-a-token", operation } }, 401, "grant_invalid"],
      ["redeem: bad key", redeemRoute.POST, "/api/v1/grants/redeem", "/api/v1/grants/redeem", { key: "csk_nope", body: { token, operation } }, 401, "invalid_api_key"],
      ["redeem: another agent's grant", redeemRoute.POST, "/api/v1/grants/redeem", "/api/v1/grants/redeem", { key: stranger.key, body: { token, operation } }, 403, "forbidden"],
      ["redeem: too large", redeemRoute.POST, "/api/v1/grants/redeem", "/api/v1/grants/redeem", { key: agent.key, rawBody: big, headers: { "content-type": "application/json" } }, 413, "payload_too_large"],
      ["redeem: not JSON", redeemRoute.POST, "/api/v1/grants/redeem", "/api/v1/grants/redeem", { key: agent.key, ...notJson }, 415, "unsupported_media_type"],
      ["redeem: invalid", redeemRoute.POST, "/api/v1/grants/redeem", "/api/v1/grants/redeem", { key: agent.key, body: { token } }, 422, "validation_failed"],
      ["redeem: other operation", redeemRoute.POST, "/api/v1/grants/redeem", "/api/v1/grants/redeem", { key: agent.key, body: { token, operation: { ...operation, sql: "SELECT 2" } } }, 422, "digest_mismatch"],
      ["outcome: not redeemed", outcomeRoute.POST, outcomePath, "/api/v1/requests/{id}/outcome", { key: agent.key, params: outcomeParams, body: { status: "executed" } }, 404, "not_found"],
      ["redeem: once", redeemRoute.POST, "/api/v1/grants/redeem", "/api/v1/grants/redeem", { key: agent.key, body: { token, operation } }, 200, ""],
      ["redeem: again", redeemRoute.POST, "/api/v1/grants/redeem", "/api/v1/grants/redeem", { key: agent.key, body: { token, operation } }, 409, "grant_already_redeemed"],
      ["outcome: bad JSON", outcomeRoute.POST, outcomePath, "/api/v1/requests/{id}/outcome", { key: agent.key, params: outcomeParams, ...badJson }, 400, "bad_request"],
      ["outcome: no key", outcomeRoute.POST, outcomePath, "/api/v1/requests/{id}/outcome", { params: outcomeParams, body: { status: "executed" } }, 401, "invalid_api_key"],
      ["outcome: not JSON", outcomeRoute.POST, outcomePath, "/api/v1/requests/{id}/outcome", { key: agent.key, params: outcomeParams, ...notJson }, 415, "unsupported_media_type"],
      ["outcome: too large", outcomeRoute.POST, outcomePath, "/api/v1/requests/{id}/outcome", { key: agent.key, params: outcomeParams, rawBody: JSON.stringify({ status: "executed", detail: "x".repeat(1024 * 1024) }), headers: { "content-type": "application/json" } }, 413, "payload_too_large"],
      ["outcome: invalid", outcomeRoute.POST, outcomePath, "/api/v1/requests/{id}/outcome", { key: agent.key, params: outcomeParams, body: { status: "done" } }, 422, "validation_failed"],
      ["outcome: another agent", outcomeRoute.POST, outcomePath, "/api/v1/requests/{id}/outcome", { key: stranger.key, params: outcomeParams, body: { status: "executed" } }, 404, "not_found"],
      ["outcome: reported", outcomeRoute.POST, outcomePath, "/api/v1/requests/{id}/outcome", { key: agent.key, params: outcomeParams, body: { status: "executed" } }, 200, ""],
      ["outcome: twice", outcomeRoute.POST, outcomePath, "/api/v1/requests/{id}/outcome", { key: agent.key, params: outcomeParams, body: { status: "failed" } }, 409, "request_already_decided"],
    ];
    for (const [name, handler, path, documented, options, status, code] of cases) {
      const res = await h.call(handler, "POST", path, options);
      expect(res.status, name).toBe(status);
      if (code) expect(res.body.code, name).toBe(code);
      check(documented, "post", res.status, res.body, res.headers.get("content-type")!);
    }

    // Past the failed-attempt limit a source is refused outright: 429 with Retry-After.
    const source = h.fromNewAddress();
    let limited: Awaited<ReturnType<Harness["call"]>> | undefined;
    for (let i = 0; i < 30 && !limited; i++) {
      const res = await h.call(redeemRoute.POST, "POST", "/api/v1/grants/redeem", { key: "csk_nope", body: { token, operation }, headers: source });
      if (res.status === 429) limited = res;
    }
    expect(limited?.headers.get("retry-after")).toMatch(/^\d+$/);
    check("/api/v1/grants/redeem", "post", limited!.status, limited!.body, limited!.headers.get("content-type")!);
  });

  it.runIf(DATABASE_KINDS.includes("postgres"))("matches the built-in executor's real responses", async () => {
    const target = await createPostgresDatabase();
    try {
      const admin = await h.user("admin");
      const approver = await h.user("approver");
      const name = h.unique("openapi-db");
      await registerResource(h.database.prisma, h.config, { name, environment: "production", connectionUrl: target.url }, { type: "user", id: admin.id });
      const agent = await h.agent({ environments: ["production"] });
      const run = (body: unknown) => h.call(sqlRoute.POST, "POST", `/api/v1/resources/${name}/sql`, { key: agent.key, body, params: { name } });
      const execute = (id: string) => h.call(executeRoute.POST, "POST", `/api/v1/requests/${id}/execute`, { key: agent.key, params: { id } });

      const selected = await run({ sql: "SELECT 1 AS one" });
      expect(selected.status).toBe(200);
      check("/api/v1/resources/{name}/sql", "post", selected.status, selected.body, selected.headers.get("content-type")!);
      const pending = await run({ sql: "CREATE TABLE t (id int)" });
      expect(pending.status).toBe(202);
      check("/api/v1/resources/{name}/sql", "post", pending.status, pending.body, pending.headers.get("content-type")!);
      const invalid = await run({ sql: "" });
      check("/api/v1/resources/{name}/sql", "post", invalid.status, invalid.body, invalid.headers.get("content-type")!);

      const early = await execute(pending.body.request.id);
      expect(early.status).toBe(202);
      check("/api/v1/requests/{id}/execute", "post", early.status, early.body, early.headers.get("content-type")!);
      await decideRequest(h.database.prisma, h.config, { requestId: pending.body.request.id, reviewerId: approver.id, decision: { decision: "approve" } });
      const ran = await execute(pending.body.request.id);
      expect(ran.status).toBe(200);
      check("/api/v1/requests/{id}/execute", "post", ran.status, ran.body, ran.headers.get("content-type")!);
    } finally {
      await target.drop();
    }
  });
});
