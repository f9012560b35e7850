// A resource that cannot be reached must not leak its connection through the driver's error
// messages ("getaddrinfo ENOTFOUND db.internal", `role "app" does not exist`, `database "x" does
// not exist`): not to the agent, the server's log, Slack or the audit log. And an unreachable
// database must not spend the grant.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DATABASE_KINDS } from "../../test/databases";
import { createHarness, type Harness } from "../../test/api-harness";
import * as sqlRoute from "../../app/api/v1/resources/[name]/sql/route";
import * as executeRoute from "../../app/api/v1/requests/[id]/execute/route";
import { scrubConnectionSecrets } from "../../client/sql-executor";
import { setConfig, type Config } from "../env";
import { registerResource } from "../resources";

describe("scrubConnectionSecrets", () => {
  const url = "postgresql://app:s3cret%21pw@db.internal:6543/billing?sslmode=require&application_name=ledger";
  it.each([
    [`connect to ${url} failed`, "connect to [connection URL] failed"],
    ["getaddrinfo ENOTFOUND db.internal", "getaddrinfo ENOTFOUND [host]"],
    ['password authentication failed for user "app"', 'password authentication failed for user "[user]"'],
    ['database "billing" does not exist', 'database "[database]" does not exist'],
    ["connect ECONNREFUSED 10.0.0.1:6543 (s3cret!pw)", "connect ECONNREFUSED 10.0.0.1:[port] ([redacted])"],
    ["application ledger", "application [option]"],
  ])("%s", (message, expected) => {
    expect(scrubConnectionSecrets(message, url)).toBe(expected);
  });
});

describe.runIf(DATABASE_KINDS.includes("postgres"))("unreachable resources", () => {
  let h: Harness;
  let cfg: Config;
  const logLines: string[] = [];
  const responses: unknown[] = [];
  const suffix = Math.random().toString(36).slice(2, 8);
  // Each part is distinctive, so finding it anywhere means it leaked.
  const cases = [
    { label: "an unresolvable host", code: "ENOTFOUND", url: `postgresql://leaky_user_${suffix}:Pw-Secret-One-${suffix}@db-internal-${suffix}.invalid:5432/leaky_db_${suffix}` },
    { label: "a database that does not exist", code: "3D000", url: `postgresql://postgres:Pw-Secret-Two-${suffix}@127.0.0.1:5432/leaky_missing_${suffix}` },
    { label: "a role that does not exist", code: "28000", url: `postgresql://leaky_ghost_${suffix}:Pw-Secret-Three-${suffix}@127.0.0.1:5432/postgres` },
  ];
  const secrets = [
    `leaky_user_${suffix}`,
    `Pw-Secret-One-${suffix}`,
    `db-internal-${suffix}`,
    `leaky_db_${suffix}`,
    `Pw-Secret-Two-${suffix}`,
    `leaky_missing_${suffix}`,
    `leaky_ghost_${suffix}`,
    `Pw-Secret-Three-${suffix}`,
  ];

  beforeAll(async () => {
    h = await createHarness("embedded");
    cfg = { ...h.config, logLevel: "debug", slackWebhookUrl: "https://hooks.slack.test/services/T000/B000/XXXX" };
    setConfig(cfg);
    const write = process.stdout.write.bind(process.stdout);
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
      logLines.push(String(chunk));
      return write(chunk as never, ...(rest as []));
    });
    const errWrite = process.stderr.write.bind(process.stderr);
    vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
      logLines.push(String(chunk));
      return errWrite(chunk as never, ...(rest as []));
    });
    const admin = await h.user("admin");
    for (const [i, c] of cases.entries()) {
      for (const environment of ["staging", "production"]) {
        await registerResource(h.database.prisma, cfg, { name: `unreachable-${environment}-${i}-${suffix}`, environment, connectionUrl: c.url }, { type: "user", id: admin.id });
      }
    }
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await h?.close();
  });

  const call = async (route: typeof sqlRoute.POST, path: string, key: string, body: unknown, params: Record<string, string>) => {
    const res = await h.call(route, "POST", path, { key, body, params });
    responses.push(res.body);
    return res;
  };

  it.each(cases.map((c, i) => [c.label, i, c.code] as const))("%s: a pending request says only that it was not measured, with the code", async (_label, i, code) => {
    const agent = await h.agent({ environments: ["production"] });
    const name = `unreachable-production-${i}-${suffix}`;
    const res = await call(sqlRoute.POST, `/api/v1/resources/${name}/sql`, agent.key, { sql: "DELETE FROM customers WHERE id > 5" }, { name });
    expect(res.status).toBe(202);
    const row = await h.database.prisma.request.findUniqueOrThrow({ where: { id: res.body.request.id } });
    expect(row.plannedEffect).toEqual({
      summary: `Not measured: Could not connect to the resource (${code}).`,
      details: `Not measured: Could not connect to the resource (${code}).`,
    });
  });

  it.each(cases.map((c, i) => [c.label, i, c.code] as const))("%s: an allowed statement answers 503 with the code and leaves the grant unspent", async (_label, i, code) => {
    const agent = await h.agent({ environments: ["staging"] });
    const name = `unreachable-staging-${i}-${suffix}`;
    const res = await call(sqlRoute.POST, `/api/v1/resources/${name}/sql`, agent.key, { sql: "SELECT 1" }, { name });
    expect(res.status).toBe(503);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.body.code).toBe("unavailable");
    expect(res.body.detail).toContain(`Could not connect to the resource (${code}).`);
    expect(res.body.detail).toContain("the grant was not used");

    const request = await h.database.prisma.request.findFirstOrThrow({ where: { agentId: agent.id }, include: { grant: true } });
    expect(request.status).toBe("approved");
    expect(request.grant?.redeemedAt).toBeNull();
    // Asked again, it tries again: the grant was not burned by the first attempt.
    const again = await call(executeRoute.POST, `/api/v1/requests/${request.id}/execute`, agent.key, undefined, { id: request.id });
    expect(again.status).toBe(503);
    expect(again.body.code).toBe("unavailable");
  });

  // Stands alone: it makes its own traffic against every unreachable resource (a pending request,
  // an allowed one and its retry), then searches what that traffic left behind.
  it("leaves no host, user, database or password in responses, logs, Slack or the audit log", async () => {
    const prisma = h.database.prisma;
    const mine: unknown[] = [];
    const logsFrom = logLines.length;
    const production = await h.agent({ environments: ["production"] });
    const staging = await h.agent({ environments: ["staging"] });
    for (const i of cases.keys()) {
      for (const [agent, environment, sql] of [[production, "production", "DELETE FROM customers WHERE id > 5"], [staging, "staging", "SELECT 1"]] as const) {
        const name = `unreachable-${environment}-${i}-${suffix}`;
        const res = await h.call(sqlRoute.POST, "POST", `/api/v1/resources/${name}/sql`, { key: agent.key, body: { sql }, params: { name } });
        mine.push(res.body);
        expect(res.status).toBe(environment === "production" ? 202 : 503);
        if (environment === "staging") {
          const { id } = await prisma.request.findFirstOrThrow({ where: { agentId: agent.id, resource: name } });
          const again = await h.call(executeRoute.POST, "POST", `/api/v1/requests/${id}/execute`, { key: agent.key, params: { id } });
          mine.push(again.body);
          expect(again.status).toBe(503);
        }
      }
    }
    const ids = (await prisma.request.findMany({ where: { agentId: { in: [production.id, staging.id] } }, select: { id: true } })).map((r) => r.id);
    expect(ids).toHaveLength(2 * cases.length);
    const haystacks = {
      responses: JSON.stringify(mine),
      logs: logLines.slice(logsFrom).join(""),
      slack: JSON.stringify(await prisma.notificationDelivery.findMany()),
      audit: JSON.stringify(await prisma.auditEvent.findMany(), (_k, v) => (typeof v === "bigint" ? v.toString() : v)),
      requests: JSON.stringify(await prisma.request.findMany({ where: { id: { in: ids } } })),
    };
    expect(haystacks.responses).toContain("Could not connect to the resource");
    expect(haystacks.slack).toContain("Not measured: Could not connect to the resource");
    for (const [where, text] of Object.entries(haystacks)) {
      for (const secret of secrets) expect(text.includes(secret), `${where} contains ${secret}`).toBe(false);
    }
  });
});
