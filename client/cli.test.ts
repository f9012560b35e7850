// `countersign` (bin/countersign.mjs) as a subprocess against the real server, on each database
// kind: `request --wait` and its exit codes, and `sql`, the executor, against a scratch PostgreSQL
// database: approval runs the statement exactly once, denial runs nothing, and a grant for one
// statement runs no other.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASE_KINDS, createPostgresDatabase } from "../test/databases";
import { cleanEnv } from "../test/app-server";
import { startRunningApp, type RunningApp } from "../test/running-app";
import { CountersignClient } from "./index";
import { main } from "./cli";

const root = path.resolve(import.meta.dirname, "..");
const bin = path.join(root, "bin/countersign.mjs");
const POSTGRES_AVAILABLE = DATABASE_KINDS.includes("postgres");

interface Run {
  child: ChildProcess;
  /** Resolves with standard error so far once it matches (while the process may still run). */
  stderrMatching(pattern: RegExp): Promise<string>;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

function countersign(args: string[], env: Record<string, string>): Run {
  const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: cleanEnv(env) as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  const watchers: Array<{ pattern: RegExp; resolve: (s: string) => void }> = [];
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => {
    stderr += d;
    for (const w of watchers.splice(0)) (w.pattern.test(stderr) ? w.resolve(stderr) : watchers.push(w));
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
  return {
    child,
    stderrMatching: (pattern) =>
      pattern.test(stderr)
        ? Promise.resolve(stderr)
        : Promise.race([
            new Promise<string>((resolve) => watchers.push({ pattern, resolve })),
            done.then((r) => Promise.reject(new Error(`exited ${r.code} before stderr matched ${pattern}:\n${r.stderr}`))),
          ]),
    done,
  };
}

const requestIdIn = (stderr: string) => /request ([0-9a-f-]{36}) /.exec(stderr)![1];
const COMMANDS = ["request", "sql", "status", "cancel", "verify", "redeem", "outcome"];

// In process: every command's help (the subprocess tests below cover the command line itself).
describe("countersign <command> --help", () => {
  it.each(COMMANDS)("%s --help prints its usage and exits 0", async (command) => {
    let stdout = "";
    const io = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: () => true } };
    expect(await main([command, "--help"], {}, io)).toBe(0);
    expect(stdout).toContain(`Usage: countersign ${command}`);
  });
});

describe.each(DATABASE_KINDS)("countersign CLI against the running server (%s)", (kind) => {
  let app: RunningApp;
  let agentKey: string;
  let agent: CountersignClient;
  const agentEnv = () => ({ COUNTERSIGN_URL: app.url, COUNTERSIGN_API_KEY: agentKey });

  beforeAll(async () => {
    app = await startRunningApp(kind);
    agentKey = await app.addAgent("cli-bot", { environments: ["staging", "production"] });
    agent = new CountersignClient({ baseUrl: app.url, apiKey: agentKey });
  });
  afterAll(async () => {
    await app?.close();
  });

  it("request --wait: approved → exit 0 with the grant on stdout; verify, redeem (once, for exactly its operation) and outcome", async () => {
    const ok = await countersign(["request", "--sql", "SELECT 1", "--environment", "staging", "--resource", "postgres/main", "--summary", "ping", "--wait"], agentEnv()).done;
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toContain(`review: ${app.url}/requests/`);
    const printed = JSON.parse(ok.stdout);
    expect(printed).toMatchObject({ status: "approved", grant: { token: expect.any(String), expiresAt: expect.any(String) }, operationDigest: expect.stringMatching(/^sha256:/) });
    const token = printed.grant.token as string;

    const [verified, wrongEnv, otherOp] = await Promise.all([
      countersign(["verify", "--token", token, "--resource", "postgres/main", "--environment", "staging", "--sql", "SELECT 1"], agentEnv()).done,
      countersign(["verify", "--token", token, "--resource", "postgres/main", "--environment", "production"], agentEnv()).done,
      countersign(["redeem", "--token", token, "--sql", "SELECT 2", "--environment", "staging", "--resource", "postgres/main"], agentEnv()).done,
    ]);
    expect(verified.code, verified.stderr).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ iss: app.url, env: "staging", aud: "postgres/main", req: printed.requestId, op: printed.operationDigest });
    expect(wrongEnv.code).toBe(3);
    expect(wrongEnv.stderr).toContain("grant_wrong_environment");
    expect(otherOp.code).toBe(3);
    expect(otherOp.stderr).toContain("422 digest_mismatch");

    const redeemed = await countersign(["redeem", "--token", token, "--operation", JSON.stringify({ kind: "sql", target: { environment: "staging", resource: "postgres/main" }, sql: "SELECT 1" })], agentEnv()).done;
    expect(redeemed.code, redeemed.stderr).toBe(0);
    expect(JSON.parse(redeemed.stdout)).toMatchObject({ requestId: printed.requestId });
    const outcome = await countersign(["outcome", "--id", printed.requestId, "--status", "executed", "--detail", "1 row", "--json"], agentEnv()).done;
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(JSON.parse(outcome.stdout)).toMatchObject({ status: "executed", outcome: { detail: "1 row" } });
  });

  it("request --wait prints the review URL at once, then exits 3 with the reason when the request ends unapproved", async () => {
    const run = countersign(["request", "--sql", "DROP TABLE invoices_2019;", "--environment", "staging", "--resource", "postgres/main", "--wait"], agentEnv());
    const stderr = await run.stderrMatching(/review: \S+/);
    expect(run.child.exitCode).toBeNull(); // still waiting
    const id = requestIdIn(stderr);
    expect(stderr).toContain(`review: ${app.url}/requests/${id}`);
    await agent.cancel(id);
    const result = await run.done;
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`request ${id} cancelled`);
    expect(result.stdout).toBe("");

    const op = { kind: "shell", target: { environment: "production", resource: "aws/rds" }, command: "aws rds delete-db-snapshot --db-snapshot-identifier prod-final-2026-04" };
    const denied = await countersign(["request", "--operation", JSON.stringify(op), "--wait"], agentEnv()).done;
    expect(denied.code).toBe(3);
    expect(denied.stderr).toMatch(/denied: \S.+/);
    expect(denied.stdout).toBe("");
  });

  it("--timeout exits 4 while undecided; usage and configuration errors exit 2; --help", async () => {
    const runs = await Promise.all([
      countersign(["request", "--sql", "DROP TABLE audit_old;", "--environment", "production", "--resource", "postgres/main", "--wait", "--timeout", "1"], agentEnv()).done,
      countersign(["request", "--sql", "SELECT 1"], agentEnv()).done, // no --environment/--resource
      countersign(["frobnicate"], agentEnv()).done,
      countersign(["sql", "SELECT 1"], agentEnv()).done, // no executor configuration
      countersign(["request", "--sql", "SELECT 1", "--environment", "staging", "--resource", "postgres/main"], {}).done,
    ]);
    const [pending, noTarget, unknown, unconfigured, noUrl] = runs;
    expect(pending.code).toBe(4);
    expect(JSON.parse(pending.stdout)).toMatchObject({ status: "pending", reviewUrl: expect.stringContaining(app.url) });
    expect(pending.stderr).toContain("countersign status --id");
    expect(noTarget.code).toBe(2);
    expect(noTarget.stderr).toContain("--environment is required");
    expect(unknown.code).toBe(2);
    expect(unconfigured.code).toBe(2);
    expect(unconfigured.stderr).toContain("COUNTERSIGN_SQL_DATABASE_URL is not set");
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toContain("COUNTERSIGN_URL is not set");

    const help = await countersign(["--help"], {}).done;
    expect(help.code).toBe(0);
    for (const command of COMMANDS) expect(help.stdout).toContain(`  ${command} `);
  });

  describe.runIf(POSTGRES_AVAILABLE)("sql: the executor", () => {
    let target: { url: string; drop(): Promise<void> };
    let db: pg.Client;
    let executorKey: string;
    // The executor's own configuration: the environment and resource come from here, never the caller.
    const executorEnv = (overrides: Record<string, string> = {}) => ({
      COUNTERSIGN_URL: app.url,
      COUNTERSIGN_API_KEY: executorKey,
      COUNTERSIGN_SQL_DATABASE_URL: target.url,
      COUNTERSIGN_SQL_ENVIRONMENT: "staging",
      COUNTERSIGN_SQL_RESOURCE: "postgres/ledger",
      ...overrides,
    });
    const counter = async (id: number) => (await db.query("SELECT n FROM counters WHERE id = $1", [id])).rows[0]?.n as number | undefined;

    beforeAll(async () => {
      target = await createPostgresDatabase();
      db = new pg.Client({ connectionString: target.url });
      await db.connect();
      await db.query("CREATE TABLE counters (id int PRIMARY KEY, n int NOT NULL)");
      await db.query("INSERT INTO counters VALUES (1, 0), (2, 0), (3, 0), (4, 0)");
      executorKey = await app.addAgent("ledger-executor", { environments: ["staging"], scopes: ["requests:create", "requests:read", "grants:redeem"] });
    });
    afterAll(async () => {
      await db?.end();
      await target?.drop();
    });

    it("approval → the statement runs exactly once, its result printed and its outcome reported; denial → nothing runs", async () => {
      const bump = countersign(["sql", "UPDATE counters SET n = n + 1", "--summary", "Bump every counter"], executorEnv()); // every row: critical, one approval in staging with the resource typed
      const wipe = countersign(["sql", "DELETE FROM counters"], executorEnv());
      const [bumpId, wipeId] = [requestIdIn(await bump.stderrMatching(/review: \S+/)), requestIdIn(await wipe.stderrMatching(/review: \S+/))];
      const executor = new CountersignClient({ baseUrl: app.url, apiKey: executorKey });
      expect(await executor.getRequest(bumpId)).toMatchObject({ status: "pending", environment: "staging", resource: "postgres/ledger", summary: "Bump every counter" });
      expect(await counter(1)).toBe(0); // nothing before the decision

      await app.decide({ requestId: bumpId, decision: { decision: "approve", confirmation: "postgres/ledger" } }, { requestId: wipeId, decision: { decision: "deny", reason: "Not on a Friday" } });
      const [bumped, wiped] = await Promise.all([bump.done, wipe.done]);
      expect(bumped.code, bumped.stderr).toBe(0);
      expect(JSON.parse(bumped.stdout)).toMatchObject({ requestId: bumpId, status: "executed", commands: ["UPDATE 4"], rowCount: 4 });
      expect(wiped.code).toBe(3);
      expect(wiped.stderr).toContain("Not on a Friday");
      expect(wiped.stderr).toContain("nothing was run");
      expect(wiped.stdout).toBe("");
      // Every row once, and none deleted.
      expect((await db.query("SELECT id, n FROM counters ORDER BY id")).rows).toEqual([1, 2, 3, 4].map((i) => ({ id: i, n: 1 })));
      expect(await executor.getRequest(bumpId)).toMatchObject({ status: "executed", outcome: { status: "executed", detail: expect.stringContaining("UPDATE 4") } });
      expect(await executor.getRequest(wipeId)).toMatchObject({ status: "denied", reason: "Not on a Friday" });
    });

    it("a grant for one statement runs no other: refused offline, 422 at redemption, and the executor's own target binds", async () => {
      // The agent obtains a grant (a WHERE-bounded write is allowed in staging by policy).
      const approved = "UPDATE counters SET n = n + 10 WHERE id = 2";
      const asked = await countersign(["request", "--sql", approved, "--environment", "staging", "--resource", "postgres/ledger", "--wait"], agentEnv()).done;
      expect(asked.code, asked.stderr).toBe(0);
      const token = JSON.parse(asked.stdout).grant.token as string;

      const other = "UPDATE counters SET n = n + 1000 WHERE id = 2";
      const [offline, atRedeem, elsewhere] = await Promise.all([
        countersign(["sql", "--grant", token, other], executorEnv()).done,
        countersign(["redeem", "--token", token, "--sql", other, "--environment", "staging", "--resource", "postgres/ledger"], executorEnv()).done,
        // The same statement, but an executor configured for another resource: the grant is not for it.
        countersign(["sql", "--grant", token, approved], executorEnv({ COUNTERSIGN_SQL_RESOURCE: "postgres/other" })).done,
      ]);
      expect(offline.code).toBe(3);
      expect(offline.stderr).toContain("grant_wrong_operation");
      expect(atRedeem.code).toBe(3);
      expect(atRedeem.stderr).toContain("422 digest_mismatch");
      expect(elsewhere.code).toBe(3);
      expect(elsewhere.stderr).toContain("grant_wrong_audience");
      expect(await counter(2)).toBe(1);

      // The refusals did not spend it: it runs its own statement, once.
      const ran = await countersign(["sql", "--grant", token, approved], executorEnv()).done;
      expect(ran.code, ran.stderr).toBe(0);
      expect(JSON.parse(ran.stdout)).toMatchObject({ status: "executed", commands: ["UPDATE 1"] });
      expect(await counter(2)).toBe(11);
      const again = await countersign(["sql", "--grant", token, approved], executorEnv()).done;
      expect(again.code).toBe(3);
      expect(again.stderr).toContain("grant_already_redeemed");
      expect(await counter(2)).toBe(11);
    });

    it("a statement that fails or outruns its timeout exits 5 and is reported failed", async () => {
      const run = await countersign(["sql", "SELECT pg_sleep(5)"], executorEnv({ COUNTERSIGN_SQL_STATEMENT_TIMEOUT: "0.5" })).done;
      expect(run.code).toBe(5);
      expect(run.stderr).toContain("57014"); // query_canceled: the statement timeout
      expect(run.stderr).not.toContain(target.url);
      const id = requestIdIn(run.stderr);
      const executor = new CountersignClient({ baseUrl: app.url, apiKey: executorKey });
      expect(await executor.getRequest(id)).toMatchObject({ status: "failed", outcome: { status: "failed", detail: expect.stringContaining("statement timeout") } });
    });
  });
});
