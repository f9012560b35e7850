// Two real server processes on one PostgreSQL database behind one public URL: a reviewer's
// decision made in instance A's dashboard wakes the agent waiting on instance B; both sign alike;
// of 50 concurrent redeems exactly one wins.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser } from "@playwright/test";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { DATABASE_KINDS, createPostgresDatabase } from "./databases";
import { cleanEnv, freePort, runCli, startApp, type AppServer } from "./app-server";
import { openPostgres, type Database } from "../lib/db";
import { createUser } from "../lib/users";

// Debian's Chromium, as the Playwright specs use it (playwright.config.ts).
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const PASSWORD = "a long enough password";

const SECRET = "shared-auth-secret-for-two-instances-0123456789";

describe.runIf(DATABASE_KINDS.includes("postgres"))("two instances on one PostgreSQL", () => {
  let a: AppServer;
  let b: AppServer;
  let pg: { url: string; drop(): Promise<void> };
  let database: Database;
  let key: string;
  let reviewers: string[];
  let browser: Browser;
  let publicUrl: string;

  beforeAll(async () => {
    pg = await createPostgresDatabase();
    // One public URL for both, as behind a load balancer; reviewers reach it on instance A.
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}`;
    const env = { AUTH_SECRET: SECRET, COUNTERSIGN_URL: publicUrl };
    [a, b] = await Promise.all([startApp({ databaseUrl: pg.url, env, port }), startApp({ databaseUrl: pg.url, env })]);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const cli = await runCli(["agent", "add", "--name", "multi-bot", "--environments", "staging,production", "--json"], cleanEnv({ DATABASE_URL: pg.url, AUTH_SECRET: SECRET, LOG_LEVEL: "silent" }));
    expect(cli.stderr).toBe("");
    key = JSON.parse(cli.stdout).key;
    database = await openPostgres(pg.url);
    reviewers = [];
    for (const role of ["approver", "admin"] as const) {
      reviewers.push((await createUser(database.prisma, { email: `${role}@multi.example`, role, password: PASSWORD }, { type: "system" })).id);
    }
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([a?.stop(), b?.stop()]);
    await database?.close();
    await pg?.drop();
  });

  const api = (server: AppServer, path: string, init: RequestInit = {}) =>
    fetch(`${server.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...(init.headers ?? {}) },
    });

  it("wakes the waiter on instance B within moments of the deciding approval given in instance A's dashboard", async () => {
    // High in production: one approval, given through A's dashboard. (Critical ones also ask for
    // a passkey; that step is tested in lib/passkeys and e2e/passkeys.spec.ts.)
    const operation = { kind: "sql", target: { environment: "production", resource: "postgres/main" }, sql: "DROP INDEX customers_email_idx;" };
    const created = await (await api(a, "/api/v1/requests", { method: "POST", body: JSON.stringify({ operation, summary: "Drop an unused index" }) })).json();
    expect(created).toMatchObject({ status: "pending", requiredApprovals: 1, risk: { level: "high" } });

    let grantToken: string;
    const page = await browser.newPage();
    try {
      await page.goto(`${a.url}/signin?callbackUrl=${encodeURIComponent(`/requests/${created.id}`)}`);
      await page.getByLabel("Email").fill("admin@multi.example");
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      await page.waitForURL((url) => url.pathname === `/requests/${created.id}`);

      const waiting = api(b, `/api/v1/requests/${created.id}?wait=30`).then(async (r) => ({ body: await r.json(), at: Date.now() }));
      await new Promise((r) => setTimeout(r, 500));
      const clickedAt = Date.now();
      await page.getByRole("button", { name: "Approve" }).click();
      await page.getByText("Your approval is recorded.").waitFor();
      const decidedAt = Date.now();
      const { body, at } = await waiting;
      expect(body.status).toBe("approved");
      expect(at).toBeGreaterThan(clickedAt);
      // LISTEN/NOTIFY across instances, not the 5-second safety sweep.
      expect(at - decidedAt).toBeLessThan(1_000);
      grantToken = body.grant.token as string;
    } finally {
      await page.close();
    }

    // Any instance's JWKS verifies a grant whichever instance handed it out.
    const { payload } = await jwtVerify(grantToken, createRemoteJWKSet(new URL(`${b.url}/.well-known/jwks.json`)), {
      issuer: publicUrl,
      audience: "postgres/main",
      typ: "countersign-grant+jwt",
      algorithms: ["EdDSA"],
    });
    expect(payload).toMatchObject({ env: "production", req: created.id });

    // 50 concurrent redeems across both instances: exactly one succeeds.
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        api(i % 2 ? a : b, "/api/v1/grants/redeem", { method: "POST", body: JSON.stringify({ token: grantToken, operation }) }).then((r) => r.status),
      ),
    );
    expect(results.filter((s) => s === 200)).toHaveLength(1);
    expect(results.filter((s) => s === 409)).toHaveLength(49);

    const outcome = await api(b, `/api/v1/requests/${created.id}/outcome`, { method: "POST", body: JSON.stringify({ status: "executed", detail: "DROP TABLE" }) });
    expect(outcome.status).toBe(200);
    expect((await outcome.json()).status).toBe("executed");
  });
});
