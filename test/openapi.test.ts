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
import * as jwksRoute from "../app/.well-known/jwks.json/route";
import * as healthRoute from "../app/api/health/route";
import { createRequest, CreateRequest } from "../lib/requests";

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
      ["/.well-known/jwks.json", "/api/health", "/api/v1/grants/redeem", "/api/v1/requests", "/api/v1/requests/{id}", "/api/v1/requests/{id}/cancel", "/api/v1/requests/{id}/outcome"].sort(),
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

    // Only the built-in executor measures a planned effect; the view then carries it.
    const prisma = h.database.prisma;
    const caller = { agent: await prisma.agent.findUniqueOrThrow({ where: { id: agent.id } }), key: await prisma.agentKey.findUniqueOrThrow({ where: { id: agent.keyId } }) };
    const measured = await createRequest(prisma, h.config, {
      caller,
      body: CreateRequest.parse({ operation: { ...operation, sql: "DELETE FROM t" } }),
      plannedEffect: { summary: "Deletes 3 of 3 rows in `public.t` (8.0 kB).", details: "Deletes 3 of 3 rows in `public.t` (8.0 kB)." },
    });
    const withEffect = await h.call(requestRoute.GET, "GET", `/api/v1/requests/${measured.view.id}`, { key: agent.key, params: { id: measured.view.id } });
    expect(withEffect.body.plannedEffect.summary).toMatch(/^Deletes 3 of 3 rows/);
    check("/api/v1/requests/{id}", "get", withEffect.status, withEffect.body, withEffect.headers.get("content-type")!);

    const cancelled = await h.call(cancelRoute.POST, "POST", `/api/v1/requests/${pending.body.id}/cancel`, { key: agent.key, params: { id: pending.body.id } });
    check("/api/v1/requests/{id}/cancel", "post", cancelled.status, cancelled.body, cancelled.headers.get("content-type")!);
    const again = await h.call(cancelRoute.POST, "POST", `/api/v1/requests/${pending.body.id}/cancel`, { key: agent.key, params: { id: pending.body.id } });
    check("/api/v1/requests/{id}/cancel", "post", again.status, again.body, again.headers.get("content-type")!);

    const redeemed = await h.call(redeemRoute.POST, "POST", "/api/v1/grants/redeem", { key: agent.key, body: { token: allowed.body.grant.token, operation } });
    check("/api/v1/grants/redeem", "post", redeemed.status, redeemed.body, redeemed.headers.get("content-type")!);
    const replay = await h.call(redeemRoute.POST, "POST", "/api/v1/grants/redeem", { key: agent.key, body: { token: allowed.body.grant.token, operation } });
    check("/api/v1/grants/redeem", "post", replay.status, replay.body, replay.headers.get("content-type")!);

    const jwks = await jwksRoute.GET();
    check("/.well-known/jwks.json", "get", jwks.status, await jwks.json(), jwks.headers.get("content-type")!);
    const health = await healthRoute.GET();
    check("/api/health", "get", health.status, await health.json(), health.headers.get("content-type")!);
  });
});
