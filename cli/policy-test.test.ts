// `policy test` as an operator runs it: the CLI as a subprocess on an embedded data folder, with
// the policy and environment tiers read from the database. `policy export` / `import` run with the
// server holding the folder, as they would next to a running Countersign: through its admin socket.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanEnv, runCli, startApp, tempDataDir, type AppServer } from "../test/app-server";

describe("npm run cli -- policy test", () => {
  const dataDir = tempDataDir();
  const env = cleanEnv({ COUNTERSIGN_DATA_DIR: dataDir, LOG_LEVEL: "silent" });

  it("prints the findings, the matching rule and the effect for SQL in production", async () => {
    const res = await runCli(["policy", "test", "--sql", "DROP TABLE customers", "--environment", "production", "--resource", "postgres/main"], env);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expect(res.stdout).toContain("Decision: 2 approvals required");
    expect(res.stdout).toContain("Rule: #2 production-critical");
    expect(res.stdout).toMatch(/\[critical\] sql\.drop_table: Drops table `public\.customers`/);
    expect(res.stdout).toContain("Policy version: 1");
  });

  it("names hidden and look-alike characters as escapes and says approving needs the resource name typed", async () => {
    const res = await runCli(["policy", "test", "--sql", "DELETE FROM \u043erders WHERE id = 1 -- \u202e", "--environment", "staging", "--resource", "postgres/main"], env);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expect(res.stdout).toContain("Risk: critical");
    expect(res.stdout).toContain("[critical] operation.hidden_characters: The SQL holds a hidden character (U+202E RIGHT-TO-LEFT OVERRIDE)");
    expect(res.stdout).toContain("[critical] operation.lookalike_characters: The SQL mixes look-alike letters from another script into Latin words (`\\u043Erders`");
    expect(res.stdout).toContain("so approving it needs the resource name typed");
  });

  it("reads an operation from a file, takes the tier from the environment and answers in JSON", async () => {
    const file = path.join(dataDir, "operation.json");
    writeFileSync(file, JSON.stringify({ kind: "shell", command: "aws rds delete-db-snapshot --db-snapshot-identifier nightly", target: { environment: "staging", resource: "infra" } }));
    const res = await runCli(["policy", "test", "--file", file, "--json"], env);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    const result = JSON.parse(res.stdout);
    expect(result).toMatchObject({
      kind: "shell",
      environment: "staging",
      tier: "other",
      policyVersion: 1,
      risk: { level: "critical" },
      rule: { id: "deny-backup-destruction", index: 0 },
      effect: { type: "deny" },
    });
    expect(result.risk.findings.map((f: { id: string }) => f.id)).toContain("backup.delete_snapshot");
  });

  it.each([
    ["no operation", ["--environment", "staging"], /Give exactly one of --operation/],
    ["two operations", ["--sql", "SELECT 1", "--shell", "ls", "--environment", "staging", "--resource", "db"], /Give exactly one of --operation/],
    ["malformed JSON", ["--operation", "{\"kind\":"], /not valid JSON/],
    ["a missing target", ["--sql", "SELECT 1"], /The operation is not valid\.\n\s+target:/],
    ["an unknown agent", ["--sql", "SELECT 1", "--environment", "staging", "--resource", "db", "--agent", "nobody"], /No agent named nobody/],
  ])("refuses %s (exit 1, nothing on stdout)", async (_label, args, message) => {
    const res = await runCli(["policy", "test", ...args], env);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe("");
    expect(res.stderr).toMatch(message);
  });
});

describe("npm run cli -- policy export / import", () => {
  const dataDir = tempDataDir();
  const env = cleanEnv({ COUNTERSIGN_DATA_DIR: dataDir, LOG_LEVEL: "silent" });
  let server: AppServer | undefined;

  // A dozen commands in a row: through the server each is a quick request, where on its own each
  // would start the embedded database.
  beforeAll(async () => {
    server = await startApp({ dataDir });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("exports YAML, imports an edited copy as a new version, and refuses an invalid file", async () => {
    const exported = await runCli(["policy", "export"], env);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain("id: production-critical");
    const edited = path.join(dataDir, "policy.yaml");
    writeFileSync(edited, exported.stdout.replace(/approvals: 2/, "approvals: 3"));
    const imported = await runCli(["policy", "import", "--file", edited, "--note", "three for critical"], env);
    expect(imported.stderr).toBe("");
    expect(imported.stdout).toContain("Saved as policy version 2");
    const simulated = await runCli(["policy", "test", "--sql", "DROP TABLE t", "--environment", "production", "--resource", "db"], env);
    expect(simulated.stdout).toContain("Decision: 3 approvals required");
    // Round trip: exporting version 2 gives back exactly the file imported.
    expect((await runCli(["policy", "export"], env)).stdout).toBe(exported.stdout.replace(/approvals: 2/, "approvals: 3"));

    const broken = path.join(dataDir, "broken.yaml");
    writeFileSync(broken, "- id: x\n  effect: { type: allow }\n  match: { minRisk: enormous }\n");
    const refused = await runCli(["policy", "import", "--file", broken], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/minRisk/);
    expect((await runCli(["policy", "export", "--version", "2"], env)).code).toBe(0);
    expect((await runCli(["policy", "export", "--json"], env)).stdout).toContain('"version": 2');

    // Circuit-breaker thresholds travel with the rules and round-trip exactly too.
    const rules = (await runCli(["policy", "export"], env)).stdout.replace(/^/gm, "  ").trimEnd();
    const withBreaker = `circuitBreaker:\n  count: 4\n  windowSeconds: 60\n  minRisk: critical\n  statuses:\n    - denied\nrules:\n${rules}\n`;
    const breakerFile = path.join(dataDir, "breaker.yaml");
    writeFileSync(breakerFile, withBreaker);
    expect((await runCli(["policy", "import", "--file", breakerFile], env)).stdout).toContain("Saved as policy version 3");
    expect((await runCli(["policy", "export"], env)).stdout).toBe(withBreaker);
    // The same file again is no new version.
    expect((await runCli(["policy", "import", "--file", breakerFile], env)).stdout).toContain("Unchanged: the file is policy version 3 as it stands");
    expect(server!.logs()).toContain('"msg":"admin command"');
  });
});
