// Two real server processes on one PostgreSQL database: a decision recorded anywhere wakes the
// agent waiting on the other instance; both sign alike; of 50 concurrent redeems exactly one wins.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { DATABASE_KINDS, createPostgresDatabase } from "./databases";
import { cleanEnv, runCli, startApp, type AppServer } from "./app-server";
import { openPostgres, type Database } from "../lib/db";
import { loadConfig } from "../lib/env";
import { decideRequest } from "../lib/requests";
import { createUser } from "../lib/users";

const SECRET = "shared-auth-secret-for-two-instances-0123456789";

describe.runIf(DATABASE_KINDS.includes("postgres"))("two instances on one PostgreSQL", () => {
  let a: AppServer;
  let b: AppServer;
  let pg: { url: string; drop(): Promise<void> };
  let database: Database;
  let key: string;
  let reviewers: string[];

  beforeAll(async () => {
    pg = await createPostgresDatabase();
    const env = { AUTH_SECRET: SECRET, COUNTERSIGN_URL: "http://countersign.test" };
    [a, b] = await Promise.all([startApp({ databaseUrl: pg.url, env }), startApp({ databaseUrl: pg.url, env })]);
    const cli = await runCli(["agent", "add", "--name", "multi-bot", "--environments", "staging,production", "--json"], cleanEnv({ DATABASE_URL: pg.url, AUTH_SECRET: SECRET, LOG_LEVEL: "silent" }));
    expect(cli.stderr).toBe("");
    key = JSON.parse(cli.stdout).key;
    database = await openPostgres(pg.url);
    reviewers = [];
    for (const role of ["approver", "admin"] as const) {
      reviewers.push((await createUser(database.prisma, { email: `${role}@multi.example`, role, password: "a long enough password" }, { type: "system" })).id);
    }
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await database?.close();
    await pg?.drop();
  });

  const api = (server: AppServer, path: string, init: RequestInit = {}) =>
    fetch(`${server.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...(init.headers ?? {}) },
    });

  it("wakes the waiter on instance B within moments of a decision committed elsewhere", async () => {
    const operation = { kind: "sql", target: { environment: "production", resource: "postgres/main" }, sql: "DROP TABLE customers;" };
    const created = await (await api(a, "/api/v1/requests", { method: "POST", body: JSON.stringify({ operation, summary: "Drop customers" }) })).json();
    expect(created).toMatchObject({ status: "pending", requiredApprovals: 2 });

    const waiting = api(b, `/api/v1/requests/${created.id}?wait=30`).then(async (r) => ({ body: await r.json(), at: Date.now() }));
    await new Promise((r) => setTimeout(r, 500));
    const cfg = loadConfig({ DATABASE_URL: pg.url, AUTH_SECRET: SECRET, COUNTERSIGN_URL: "http://countersign.test", LOG_LEVEL: "silent" });
    await decideRequest(database.prisma, cfg, { requestId: created.id, reviewerId: reviewers[0], decision: { decision: "approve", confirmation: "postgres/main" } });
    await decideRequest(database.prisma, cfg, { requestId: created.id, reviewerId: reviewers[1], decision: { decision: "approve", confirmation: "postgres/main" } });
    const decidedAt = Date.now();
    const { body, at } = await waiting;
    expect(body.status).toBe("approved");
    // LISTEN/NOTIFY, not the 5-second safety sweep.
    expect(at - decidedAt).toBeLessThan(1_500);

    // Any instance's JWKS verifies a grant whichever instance handed it out.
    const { payload } = await jwtVerify(body.grant.token, createRemoteJWKSet(new URL(`${a.url}/.well-known/jwks.json`)), {
      issuer: "http://countersign.test",
      audience: "postgres/main",
      typ: "countersign-grant+jwt",
      algorithms: ["EdDSA"],
    });
    expect(payload).toMatchObject({ env: "production", req: created.id });

    // 50 concurrent redeems across both instances: exactly one succeeds.
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        api(i % 2 ? a : b, "/api/v1/grants/redeem", { method: "POST", body: JSON.stringify({ token: body.grant.token, operation }) }).then((r) => r.status),
      ),
    );
    expect(results.filter((s) => s === 200)).toHaveLength(1);
    expect(results.filter((s) => s === 409)).toHaveLength(49);

    const outcome = await api(b, `/api/v1/requests/${created.id}/outcome`, { method: "POST", body: JSON.stringify({ status: "executed", detail: "DROP TABLE" }) });
    expect(outcome.status).toBe(200);
    expect((await outcome.json()).status).toBe("executed");
  });
});
