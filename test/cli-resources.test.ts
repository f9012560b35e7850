// `resource …` admin commands as an operator runs them: the connection URL goes in on standard
// input and never comes out — not in the CLI's output, the server's log or the audit log — with
// and without the server holding the embedded database. With PostgreSQL available, the running
// server's executor really connects with the URL the CLI stored.
import { afterAll, describe, expect, it } from "vitest";
import { cleanEnv, runCli, startApp, tempDataDir, type AppServer } from "./app-server";
import { DATABASE_KINDS, createPostgresDatabase } from "./databases";
import { openEmbedded } from "../lib/db";

const URL_PASSWORD = "cli-S3cret-pw";
const OFFLINE_URL = `postgresql://app:${URL_PASSWORD}@db.internal:5432/orders`;
const HTTP_TOKEN = "rw_cli_tok_5e4d3c2b1a09";

describe("resource commands on one embedded data folder", () => {
  const dataDir = tempDataDir();
  const env = cleanEnv({ COUNTERSIGN_DATA_DIR: dataDir, LOG_LEVEL: "silent" });
  let server: AppServer | undefined;
  let target: { url: string; drop(): Promise<void> } | undefined;
  const outputs: string[] = [];
  const cli = async (args: string[], stdin?: string) => {
    const res = await runCli(args, env, stdin);
    outputs.push(res.stdout, res.stderr);
    return res;
  };

  afterAll(async () => {
    await server?.stop();
    await target?.drop();
  });

  it("registers a resource from standard input with no server running, and refuses the URL on the command line", async () => {
    const added = await cli(["resource", "add", "--name", "postgres/orders", "--environment", "production", "--description", "Orders"], `${OFFLINE_URL}\n`);
    expect(added.stderr).toBe("");
    expect(added.code).toBe(0);
    expect(added.stdout).toContain("Resource postgres/orders registered in production. Its connection URL is stored encrypted");

    const onArgv = await cli(["resource", "add", "--name", "postgres/argv", "--environment", "staging", OFFLINE_URL]);
    expect(onArgv.code).toBe(2);
    expect(onArgv.stderr).toContain("Give the connection URL on standard input");
    const noStdin = await cli(["resource", "add", "--name", "postgres/empty", "--environment", "staging"], "");
    expect(noStdin.code).toBe(2);
    expect(noStdin.stderr).toContain("Give the connection URL on standard input");

    const badUrl = await cli(["resource", "add", "--name", "postgres/bad", "--environment", "staging"], `mysql://app:${URL_PASSWORD}@db.internal/orders\n`);
    expect(badUrl.code).toBe(1);
    expect(badUrl.stderr).toMatch(/connectionUrl: must be a postgres:\/\/ or postgresql:\/\/ URL with a host/);
    const duplicate = await cli(["resource", "add", "--name", "postgres/orders", "--environment", "staging"], `${OFFLINE_URL}\n`);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain("A resource named postgres/orders already exists.");

    const list = await cli(["resource", "list", "--json"]);
    expect(list.code).toBe(0);
    const resources = JSON.parse(list.stdout);
    expect(resources).toEqual([expect.objectContaining({ name: "postgres/orders", environment: "production", kind: "postgres", type: "postgres", description: "Orders" })]);
    expect(Object.keys(resources[0]).sort()).toEqual(["baseUrl", "createdAt", "description", "environment", "id", "kind", "name", "type", "updatedAt"]);
  });

  it("registers an HTTP resource with its credential from standard input, and binds hosts to an environment", async () => {
    // From here on the server holds the folder and the CLI goes through it.
    server = await startApp({ dataDir });
    const token = HTTP_TOKEN;
    const added = await cli(
      ["resource", "add", "--name", "railway/prod", "--environment", "production", "--type", "http", "--base-url", "https://backboard.railway.app", "--auth", "bearer", "--catalog", "railway"],
      `${token}\n`,
    );
    expect(added.stderr).toBe("");
    expect(added.stdout).toContain("Resource railway/prod registered in production. Its credential is stored encrypted");
    const badAuth = await cli(["resource", "add", "--name", "api/bad", "--environment", "staging", "--type", "http", "--base-url", "https://api.example.com", "--auth", "cookie"], "t\n");
    expect(badAuth.code).toBe(1);
    expect(badAuth.stderr).toMatch(/auth: bearer, basic, header:NAME or query:NAME/);
    const help = await cli(["resource", "add", "--help"]);
    expect(help.stdout).toMatch(/Catalogs \(--catalog\): railway, github, aws-rds/);

    const list = await cli(["resource", "list"]);
    expect(list.stdout).toMatch(/railway\/prod\s+http\s+production\s+https:\/\/backboard\.railway\.app/);
    const json = JSON.parse((await cli(["resource", "list", "--json"])).stdout);
    expect(json.find((r: { name: string }) => r.name === "railway/prod").http).toEqual({
      baseUrl: "https://backboard.railway.app",
      auth: { type: "bearer" },
      allowedMethods: [],
      allowedPathPrefixes: [],
      allowPrivateNetwork: false,
      timeoutSeconds: 30,
      catalog: "railway",
    });

    const mcp = await cli(["resource", "add", "--name", "mcp/memory", "--environment", "staging", "--type", "mcp", "--command", "npx -y '@modelcontextprotocol/server-memory'", "--json"], "MEMORY_FILE_PATH=/tmp/memory.jsonl\n");
    expect(JSON.parse(mcp.stdout)).toMatchObject({ name: "mcp/memory", kind: "mcp", mcp: { transport: "stdio", command: "npx", args: ["-y", "@modelcontextprotocol/server-memory"], timeoutSeconds: 30 } });
    expect(mcp.stdout).not.toContain("MEMORY_FILE_PATH");

    const bound = await cli(["env", "bind", "--name", "production", "--hosts", "backboard.railway.app,*.railway.app", "--resources", "railway/*"]);
    expect(bound.stdout).toContain("Environment production: hosts backboard.railway.app, *.railway.app; resources railway/*.");
    expect(outputs.join("\n")).not.toContain(token);
    expect(server.logs()).not.toContain(token);
    // The audit log is read once the server has stopped, in the last test.
  });

  it("goes through the running server: add, replace the URL, list and remove, all audited", async () => {
    const secondUrl = `postgresql://app:${URL_PASSWORD}@db.internal:5432/reports`;
    const added = await cli(["resource", "add", "--name", "postgres/reports", "--environment", "staging", "--json"], `${secondUrl}\n`);
    expect(added.stderr).toBe("");
    expect(JSON.parse(added.stdout)).toMatchObject({ name: "postgres/reports", environment: "staging", kind: "postgres" });

    const rotated = await cli(["resource", "set-url", "--name", "postgres/orders"], `postgresql://app:rotated-${URL_PASSWORD}@db.internal:5432/orders\n`);
    expect(rotated.stderr).toBe("");
    expect(rotated.stdout).toContain("Connection URL of postgres/orders replaced.");
    const missing = await cli(["resource", "set-url", "--name", "postgres/nope"], `${OFFLINE_URL}\n`);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("No resource named postgres/nope.");

    const removed = await cli(["resource", "remove", "--name", "postgres/reports"]);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain("Resource postgres/reports removed.");
    const list = await cli(["resource", "list"]);
    expect(list.stdout).toMatch(/^name\s+type\s+environment\s+baseUrl\s+description\s+createdAt\n/);
    expect(list.stdout).toContain("postgres/orders");
    expect(list.stdout).not.toContain("postgres/reports");

    const verify = await cli(["audit", "verify"]);
    expect(verify.stdout).toMatch(/Audit chain intact/);
  });

  it.runIf(DATABASE_KINDS.includes("postgres"))("the running server's executor connects with the URL the CLI stored", async () => {
    target = await createPostgresDatabase();
    // Trust authentication ignores the password, so the URL can carry one to look for in the output.
    const withPassword = new URL(target.url);
    withPassword.password = URL_PASSWORD;
    const added = await cli(["resource", "add", "--name", "postgres/scratch", "--environment", "staging"], `${withPassword}\n`);
    expect(added.code).toBe(0);
    const agent = await cli(["agent", "add", "--name", "sql-bot", "--environments", "staging", "--json"]);
    const { key } = JSON.parse(agent.stdout);
    const res = await fetch(`${server!.url}/api/v1/resources/${encodeURIComponent("postgres/scratch")}/sql`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ sql: "SELECT current_database() AS db" }),
    });
    const body = await res.json();
    outputs.push(JSON.stringify(body));
    expect(res.status).toBe(200);
    expect(body.result).toMatchObject({ status: "executed", rows: [{ db: withPassword.pathname.slice(1) }] });
  });

  it("never prints, logs or audits a connection URL or its password", async () => {
    const logs = server!.logs();
    expect(logs).toContain('"msg":"admin command"');
    expect(await server!.stop()).toBe(0);
    server = undefined;
    // The folder is free again: read what was stored, as the database holds it.
    const database = await openEmbedded(dataDir, { holder: "test" });
    try {
      const audit = await database.prisma.auditEvent.findMany({ where: { OR: [{ type: { startsWith: "resource." } }, { type: "environment.bindings_changed" }] }, orderBy: { seq: "asc" } });
      expect(audit.map((e) => e.type)).toEqual(expect.arrayContaining(["resource.registered", "resource.connection_updated", "resource.removed", "environment.bindings_changed"]));
      expect(JSON.stringify(audit, (_k, v) => (typeof v === "bigint" ? v.toString() : v))).not.toContain(HTTP_TOKEN);
      const envelopes = (await database.prisma.resource.findMany()).map((r) => r.connectionUrlEnc);
      const haystacks = {
        cli: outputs.join("\n"),
        serverLog: logs,
        audit: JSON.stringify(audit, (_k, v) => (typeof v === "bigint" ? v.toString() : v)),
        envelopes: envelopes.join("\n"),
      };
      for (const [where, text] of Object.entries(haystacks)) {
        expect(text.includes(URL_PASSWORD), `${where} contains the password`).toBe(false);
        expect(text.includes("db.internal"), `${where} contains the host`).toBe(false);
      }
    } finally {
      await database.close();
    }
  });
});
