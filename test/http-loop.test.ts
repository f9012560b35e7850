// The whole loop against the real server over HTTP, on each database kind, as an outside executor
// sees it: the grant verifies from the server's published JWKS and nothing else.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { DATABASE_KINDS } from "./databases";
import { startRunningApp, type RunningApp } from "./running-app";
import { operationDigest } from "../lib/grants/digest";

describe.each(DATABASE_KINDS)("the loop over HTTP on %s", (kind) => {
  let app: RunningApp;
  let key: string;

  beforeAll(async () => {
    app = await startRunningApp(kind);
    key = await app.addAgent("loop-bot", { environments: ["staging"] });
  });
  afterAll(async () => {
    await app?.close();
  });

  const api = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${app.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...(init.headers ?? {}) },
    });
    return { status: res.status, body: await res.json() };
  };

  it("create → decision → grant verified from /.well-known/jwks.json alone → redeem once → outcome", async () => {
    const operation = { kind: "sql", target: { environment: "staging", resource: "postgres/main" }, sql: "DROP TABLE import_2019;" };
    const created = await api("/api/v1/requests", { method: "POST", body: JSON.stringify({ operation, summary: "Drop the old import" }) });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: "pending", requiredApprovals: 1, operationDigest: operationDigest(operation) });
    const id = created.body.id as string;

    await app.decide({ requestId: id, decision: { decision: "approve", confirmation: "postgres/main" } });
    const read = await api(`/api/v1/requests/${id}?wait=5`);
    expect(read.body.status).toBe("approved");
    const token = read.body.grant.token as string;

    const jwks = createRemoteJWKSet(new URL(`${app.url}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      issuer: app.url,
      audience: "postgres/main",
      algorithms: ["EdDSA"],
      typ: "countersign-grant+jwt",
    });
    expect(protectedHeader.kid).toBe(decodeProtectedHeader(token).kid);
    expect(payload).toMatchObject({ env: "staging", req: id, op: operationDigest(operation) });
    expect(payload.exp! - payload.iat!).toBe(300);
    // A token with a byte changed does not verify against the same key set.
    const [header, claims, signature] = token.split(".");
    const tampered = `${header}.${claims}.${signature.startsWith("A") ? "B" : "A"}${signature.slice(1)}`;
    await expect(jwtVerify(tampered, jwks, { issuer: app.url, audience: "postgres/main", algorithms: ["EdDSA"] })).rejects.toThrow();

    const redeemed = await api("/api/v1/grants/redeem", { method: "POST", body: JSON.stringify({ token, operation }) });
    expect(redeemed.status).toBe(200);
    expect(redeemed.body).toMatchObject({ requestId: id, jti: payload.jti, operationDigest: operationDigest(operation) });
    const again = await api("/api/v1/grants/redeem", { method: "POST", body: JSON.stringify({ token, operation }) });
    expect(again).toMatchObject({ status: 409, body: { code: "grant_already_redeemed" } });

    const outcome = await api(`/api/v1/requests/${id}/outcome`, { method: "POST", body: JSON.stringify({ status: "executed", detail: "DROP TABLE" }) });
    expect(outcome.status).toBe(200);
    expect(outcome.body).toMatchObject({ status: "executed", outcome: { status: "executed", detail: "DROP TABLE" } });
  });

  it.each([
    ["GET", "/api/v1/nope"],
    ["POST", "/api/v1/nope/deeper"],
    ["DELETE", "/api/v1/requests/00000000-0000-0000-0000-000000000000/nope"],
    ["PUT", "/api/v1/resources/x/nope"],
  ])("%s %s, a path no route serves, is a 404 in problem details", async (method, path) => {
    const res = await fetch(`${app.url}${path}`, { method, headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await res.json()).toMatchObject({ status: 404, code: "not_found", type: "urn:countersign:problem:not_found", instance: path });
  });

  it.each([
    ["GET", "/api/v1/grants/redeem", "POST, OPTIONS"],
    ["PUT", "/api/v1/requests", "POST, OPTIONS"],
    ["DELETE", "/api/v1/requests/00000000-0000-0000-0000-000000000000", "GET, HEAD, OPTIONS"],
    ["POST", "/api/v1/requests/00000000-0000-0000-0000-000000000000", "GET, HEAD, OPTIONS"],
    ["GET", "/api/v1/requests/00000000-0000-0000-0000-000000000000/cancel", "POST, OPTIONS"],
    ["PATCH", "/api/v1/requests/00000000-0000-0000-0000-000000000000/execute", "POST, OPTIONS"],
    ["GET", "/api/v1/requests/00000000-0000-0000-0000-000000000000/outcome", "POST, OPTIONS"],
    ["DELETE", "/api/v1/resources", "GET, HEAD, OPTIONS"],
    ["GET", "/api/v1/resources/postgres%2Fmain/sql", "POST, OPTIONS"],
    ["POST", "/api/v1/openapi.json", "GET, HEAD, OPTIONS"],
    ["POST", "/api/health", "GET, HEAD, OPTIONS"],
    ["DELETE", "/.well-known/jwks.json", "GET, HEAD, OPTIONS"],
    ["PUT", "/api/mcp", "POST"],
  ])("%s %s, a method the route does not serve, is a 405 in problem details with Allow: %s", async (method, path, allow) => {
    const res = await fetch(`${app.url}${path}`, { method, headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(405);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.headers.get("allow")).toBe(allow);
    expect(await res.json()).toMatchObject({ status: 405, code: "method_not_allowed", type: "urn:countersign:problem:method_not_allowed" });
  });
});
