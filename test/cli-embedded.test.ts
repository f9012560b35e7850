// The admin CLI as a subprocess on the embedded database, with and without the server running,
// and the one-process-per-folder rule.
import { afterAll, describe, expect, it } from "vitest";
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { spawn } from "node:child_process";
import { cleanEnv, freePort, runCli, startApp, tempDataDir, type AppServer } from "./app-server";
import { readLock } from "../lib/db/lock";
import { SPECS } from "../cli/specs";

describe("admin CLI and server on one embedded data folder", () => {
  const dataDir = tempDataDir();
  const env = cleanEnv({ COUNTERSIGN_DATA_DIR: dataDir, LOG_LEVEL: "silent" });
  let server: AppServer | undefined;

  afterAll(async () => {
    await server?.stop();
  });

  it.each(Object.keys(SPECS))("`%s --help` explains the command", async (command) => {
    const res = await runCli([...command.split(" "), "--help"], env);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`Usage: npm run cli -- ${command}`);
  });

  it("rejects unknown commands and missing options with usage (exit 2)", async () => {
    expect((await runCli(["frobnicate"], env)).code).toBe(2);
    const missing = await runCli(["agent", "add", "--name", "x"], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--environments is required");
  });

  it("works with no server running: users from stdin, agents with a key shown once", async () => {
    const user = await runCli(["user", "add", "--email", "Owner@Example.com", "--role", "approver"], env, "a long enough password\n");
    expect(user.stderr).toBe("");
    expect(user.code).toBe(0);
    expect(user.stdout).toContain("owner@example.com added as approver");

    const short = await runCli(["user", "add", "--email", "short@example.com", "--role", "viewer"], env, "short\n");
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/password: must be at least 12 characters/);

    const agent = await runCli(["agent", "add", "--name", "deploy-bot", "--environments", "staging,production", "--owner", "owner@example.com", "--json"], env);
    expect(agent.code).toBe(0);
    const parsed = JSON.parse(agent.stdout);
    expect(parsed.key).toMatch(/^csk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(parsed.agent).toMatchObject({ name: "deploy-bot", environments: ["staging", "production"], resources: ["*"], scopes: ["requests:create", "requests:read"] });

    const duplicate = await runCli(["agent", "add", "--name", "deploy-bot", "--environments", "staging"], env);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain("already exists");

    const secret = statSync(path.join(dataDir, "auth-secret"));
    expect(secret.mode & 0o777).toBe(0o600);
    expect(existsSync(path.join(dataDir, "countersign.lock"))).toBe(false);
  });

  it("goes through the running server, whose API accepts the new key", async () => {
    server = await startApp({ dataDir });
    const health = await (await fetch(`${server.url}/api/health`)).json();
    expect(health).toMatchObject({ status: "ok", database: { kind: "embedded", reachable: true } });

    const added = await runCli(["agent", "add", "--name", "ci-bot", "--environments", "staging", "--resources", "postgres/*,s3://ci-cache", "--json"], env);
    expect(added.stderr).toBe("");
    const { key, agent } = JSON.parse(added.stdout);
    expect(agent.resources).toEqual(["postgres/*", "s3://ci-cache"]);
    const ask = (resource: string) =>
      fetch(`${server!.url}/api/v1/requests`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ operation: { kind: "sql", target: { environment: "staging", resource }, sql: "SELECT 1" } }),
      });
    const res = await ask("postgres/main");
    expect(res.status).toBe(201);
    expect((await res.json()).status).toBe("approved");
    const outside = await ask("mysql/main");
    expect(outside.status).toBe(403);
    expect((await outside.json()).code).toBe("resource_not_allowed");
    const listed = await runCli(["agent", "list"], env);
    expect(listed.stdout).toMatch(/^name\s+environments\s+resources\s+scopes/m);
    expect(listed.stdout).toMatch(/^ci-bot\s+staging\s+postgres\/\*,s3:\/\/ci-cache\s+/m);

    const env2 = await runCli(["env", "add", "--name", "eu-prod", "--tier", "production"], env);
    expect(env2.code).toBe(0);
    expect(env2.stdout.trim()).toBe("Environment eu-prod added (production tier).");
    const list = await runCli(["env", "list", "--json"], env);
    expect(JSON.parse(list.stdout).map((e: { name: string }) => e.name)).toEqual(["development", "eu-prod", "production", "staging"]);

    const revoke = await runCli(["agent", "key", "revoke", "--key", key.slice(4, 20)], env);
    expect(revoke.code).toBe(0);
    const refused = await fetch(`${server.url}/api/v1/requests`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: "{}" });
    expect(refused.status).toBe(401);

    const verify = await runCli(["audit", "verify"], env);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/Audit chain intact: \d+ events/);

    // The key went through the server: it is in no line the server wrote.
    expect(server.logs()).toContain('"msg":"admin command"');
    expect(server.logs()).not.toContain(key);
    expect(server.logs()).not.toContain(key.slice("csk_".length + 17));
    expect(server.logs()).not.toMatch(/csk_[0-9a-f]{16}_/);
  });

  it("refuses a second server on the same folder with a clear error", async () => {
    await expect(startApp({ dataDir })).rejects.toThrow(/already open by process \d+/);
  });

  it("stops cleanly on SIGTERM, releasing the folder for the CLI", async () => {
    expect(await server!.stop("SIGTERM")).toBe(0);
    expect(server!.logs()).toContain('"msg":"stopped"');
    server = undefined;
    expect(existsSync(path.join(dataDir, "countersign.lock"))).toBe(false);
    const list = await runCli(["agent", "list", "--json"], env);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).map((a: { name: string }) => a.name)).toEqual(["ci-bot", "deploy-bot"]);
  });
});

describe("the admin CLI while the server is starting", () => {
  it("waits for the server's admin socket instead of failing, then goes through the server", async () => {
    const dataDir = tempDataDir();
    const env = cleanEnv({ COUNTERSIGN_DATA_DIR: dataDir, LOG_LEVEL: "silent" });
    const port = await freePort();
    const child = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "..", "server.ts")], {
      cwd: path.join(import.meta.dirname, ".."),
      env: { ...cleanEnv({ COUNTERSIGN_DATA_DIR: dataDir, PORT: String(port), NODE_ENV: "production", LOG_LEVEL: "info" }) } as NodeJS.ProcessEnv,
      stdio: "ignore",
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    try {
      // The moment the server holds the folder but is still migrating, before its socket exists.
      const deadline = Date.now() + 30_000;
      while (!readLock(dataDir) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(readLock(dataDir)).toMatchObject({ pid: child.pid, holder: "server" });
      expect(readLock(dataDir)?.adminSocket).toBeUndefined();

      const added = await runCli(["agent", "add", "--name", "early-bot", "--environments", "staging", "--json"], env);
      expect(added.code).toBe(0);
      expect(added.stderr).toContain(`waiting for the server (process ${child.pid}) to finish starting`);
      expect(JSON.parse(added.stdout).agent).toMatchObject({ name: "early-bot" });
      // It went through the server, which still holds the folder.
      expect(readLock(dataDir)).toMatchObject({ pid: child.pid, adminSocket: expect.any(String) });
    } finally {
      child.kill("SIGTERM");
      await exited;
    }
  }, 60_000);
});

describe("first start with no user", () => {
  it("prints a one-time setup link that opens the setup page, and keys no secret into the log", async () => {
    const app = await startApp();
    try {
      // Announced last, right after "countersign listening": wait for the line to arrive.
      const setupLine = /"setupUrl":"(http:\/\/localhost:\d+\/setup\?token=[A-Za-z0-9_-]+)"/;
      for (let i = 0; i < 100 && !setupLine.test(app.logs()); i++) await new Promise((r) => setTimeout(r, 100));
      const logs = app.logs();
      expect(logs.indexOf("countersign listening")).toBeLessThan(logs.indexOf("setupUrl"));
      const match = setupLine.exec(logs);
      expect(match).not.toBeNull();
      const token = new URL(match![1]).searchParams.get("token");
      const page = await fetch(`${app.url}/setup?token=${token}`);
      expect(await page.text()).toContain("Create the first administrator");
      const bad = await fetch(`${app.url}/setup?token=wrong`);
      expect(await bad.text()).toContain("invalid, expired or already used");
      for (const line of logs.split("\n").filter(Boolean)) expect(() => JSON.parse(line)).not.toThrow();
      expect(logs).not.toMatch(/PRIVATE KEY|auth-secret"?:/);
      // The secret generated into the data folder is never logged.
      const secret = readFileSync(path.join(app.dataDir, "auth-secret"), "utf8").trim();
      expect(secret.length).toBeGreaterThanOrEqual(32);
      expect(logs).not.toContain(secret);
      expect(logs).toContain('"authSecret":"generated"');
    } finally {
      await app.stop();
    }
  });

  it("creates the admin from COUNTERSIGN_ADMIN_EMAIL/PASSWORD and then offers no setup link", async () => {
    const app = await startApp({ env: { COUNTERSIGN_ADMIN_EMAIL: "root@example.com", COUNTERSIGN_ADMIN_PASSWORD: "a long enough password" } });
    try {
      expect(app.logs()).toContain("created the first admin");
      expect(app.logs()).not.toContain("setupUrl");
      expect(app.logs()).not.toContain("a long enough password");
    } finally {
      await app.stop();
    }
    const users = await runCli(["user", "list", "--json"], cleanEnv({ COUNTERSIGN_DATA_DIR: app.dataDir }));
    expect(JSON.parse(users.stdout)).toEqual([expect.objectContaining({ email: "root@example.com", role: "admin" })]);
  });
});

describe("configuration", () => {
  it("refuses to start on PostgreSQL in production without AUTH_SECRET, saying why", async () => {
    await expect(
      startApp({ databaseUrl: "postgresql://127.0.0.1:1/none", env: { AUTH_SECRET: "" } }),
    ).rejects.toThrow(/AUTH_SECRET is required when DATABASE_URL is set and NODE_ENV=production/);
  });

  it("names invalid settings", async () => {
    await expect(startApp({ env: { PORT: "99999" } }).catch((e) => Promise.reject(e))).rejects.toThrow(/PORT/);
  });

  it("reports a failed start as JSON lines, even with LOG_LEVEL=silent", async () => {
    const error: Error = await startApp({ env: { PORT: "99999", LOG_LEVEL: "silent" } }).catch((e) => e);
    const output = error.message.slice(error.message.indexOf("\n") + 1);
    const lines = output.split("\n").filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    const parsed = lines.map((line) => JSON.parse(line));
    expect(parsed).toContainEqual(expect.objectContaining({ level: "error", msg: expect.stringMatching(/Invalid configuration:\n\s+PORT/) }));
  });
});

