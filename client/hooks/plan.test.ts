// The hooks' core in process, with the documented input shapes of Claude Code's PreToolUse and
// Cursor's beforeShellExecution / beforeMCPExecution, real files for where a write lands, and a
// fake Countersign client for every way a request can end. (hook.test.ts runs the binary against
// the real server.)
import { linkSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RequestView } from "../index";
import type { HookClient } from "./decide";
import { runHook } from "./main";
import { planClaudeCode, planCursor, type Plan } from "./plan";

let tmp: string;
let project: string;
let outside: string;

beforeAll(() => {
  tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), "cs-hook-")));
  project = path.join(tmp, "project");
  outside = path.join(tmp, "elsewhere");
  mkdirSync(path.join(project, "src"), { recursive: true });
  mkdirSync(path.join(outside, "deep"), { recursive: true });
  writeFileSync(path.join(outside, "secret.txt"), "x");
  symlinkSync(outside, path.join(project, "link-out")); // a directory outside, under a name inside
  symlinkSync(path.join(outside, "deep"), path.join(project, "link-deep"));
  symlinkSync(path.join(outside, "not-yet.txt"), path.join(project, "dangling")); // writing through it creates the target
  symlinkSync("src", path.join(project, "link-in")); // relative, stays inside
  linkSync(path.join(outside, "secret.txt"), path.join(project, "hard.txt"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const claude = (toolName: unknown, toolInput: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    session_id: "sess-1",
    transcript_path: "/home/dev/.claude/projects/p/sess-1.jsonl",
    cwd: project,
    permission_mode: "default",
    hook_event_name: "PreToolUse",
    tool_name: toolName,
    tool_input: toolInput,
    tool_use_id: "toolu_01",
    ...extra,
  });

const plan = (raw: string, projectDir?: string) => planClaudeCode(raw, { projectDir });
const requested = (p: Plan) => {
  expect(p.kind, JSON.stringify(p)).toBe("request");
  return (p as Extract<Plan, { kind: "request" }>).operation;
};

describe("Claude Code PreToolUse: what is asked and what passes", () => {
  it("Bash becomes a shell operation with the hook's cwd; the session, transcript file name and tool call go into the context", () => {
    const p = plan(claude("Bash", { command: "rm -rf build", description: "Clean the build", timeout: 120000 }));
    expect(p).toMatchObject({
      kind: "request",
      operation: { kind: "shell", command: "rm -rf build", cwd: project },
      summary: "Claude Code: Clean the build",
      session: "claude-code session sess-1 · transcript sess-1.jsonl · tool call toolu_01",
      idempotencyKey: "claude-code:sess-1:toolu_01",
    });
    expect(JSON.stringify(p)).not.toContain("/home/dev"); // the transcript's name, not its path
  });

  it.each(["Read", "Grep", "Glob", "LS", "WebSearch", "TodoWrite", "Task"])("%s passes without a request", (tool) => {
    expect(plan(claude(tool, { file_path: "/etc/shadow", pattern: "x" })).kind).toBe("pass");
  });

  it.each([
    ["a new file in the project", () => path.join(project, "src/new.ts")],
    ["a relative path", () => "src/app.ts"],
    ["through a symlink that stays inside", () => path.join(project, "link-in/x.ts")],
    ["with .. that stays inside", () => `${project}/src/../README.md`],
  ])("Write of %s passes locally", (_, file) => {
    expect(plan(claude("Write", { file_path: file(), content: "x" }))).toMatchObject({ kind: "pass" });
  });

  it.each([
    ["an absolute path outside", () => "/etc/hosts", "/etc/hosts"],
    ["a .. that climbs out", () => `${project}/src/../../elsewhere/a.txt`, () => path.join(outside, "a.txt")],
    ["a symlinked directory", () => path.join(project, "link-out/a.txt"), () => path.join(outside, "a.txt")],
    ["a symlink followed by ..", () => `${project}/link-deep/../a.txt`, () => path.join(outside, "a.txt")],
    ["a relative symlink followed by ..", () => "link-deep/../a.txt", () => path.join(outside, "a.txt")],
    ["a dangling symlink", () => path.join(project, "dangling"), () => path.join(outside, "not-yet.txt")],
    ["a hard link to a file outside", () => path.join(project, "hard.txt"), () => path.join(project, "hard.txt")],
    ["the harness's own settings", () => path.join(project, ".claude/settings.json"), () => path.join(project, ".claude/settings.json")],
    ["git's hooks", () => path.join(project, ".git/hooks/pre-commit"), () => path.join(project, ".git/hooks/pre-commit")],
  ])("Write through %s asks, naming where it really lands", (_, file, landsAt) => {
    const filePath = file();
    const where = typeof landsAt === "function" ? landsAt() : landsAt;
    const op = requested(plan(claude("Write", { file_path: filePath, content: "127.0.0.1 example\n" })));
    expect(op).toEqual({
      kind: "custom",
      action: "file.write",
      params: { path: filePath, ...(where === filePath ? {} : { resolvedPath: where }), content: "127.0.0.1 example\n" },
    });
  });

  it("CLAUDE_PROJECT_DIR is the project even after the agent changed directory", () => {
    const raw = claude("Write", { file_path: path.join(outside, "a.txt"), content: "x" }, { cwd: outside });
    expect(plan(raw).kind).toBe("pass"); // with only the hook's cwd, "the project" moved with the cd
    expect(plan(raw, project).kind).toBe("request");
  });

  it("Edit, MultiEdit and NotebookEdit outside the project carry exactly what changes", () => {
    expect(requested(plan(claude("Edit", { file_path: "/etc/hosts", old_string: "a", new_string: "b", replace_all: true })))).toEqual({
      kind: "custom",
      action: "file.edit",
      params: { path: "/etc/hosts", old_string: "a", new_string: "b", replace_all: true },
    });
    const edits = [{ old_string: "a", new_string: "b" }, { old_string: "c", new_string: "", replace_all: false }];
    expect(requested(plan(claude("MultiEdit", { file_path: "/etc/hosts", edits })))).toEqual({ kind: "custom", action: "file.edit", params: { path: "/etc/hosts", edits } });
    expect(requested(plan(claude("NotebookEdit", { notebook_path: "/srv/nb.ipynb", cell_id: "c1", new_source: "print(1)", cell_type: "code", edit_mode: "replace" })))).toEqual({
      kind: "custom",
      action: "notebook.edit",
      params: { path: "/srv/nb.ipynb", cell_id: "c1", new_source: "print(1)", cell_type: "code", edit_mode: "replace" },
    });
    expect(plan(claude("Edit", { file_path: path.join(project, "src/a.ts"), old_string: "a", new_string: "b" })).kind).toBe("pass");
  });

  it("MCP tools are custom mcp.<server>.<tool> actions with the tool input; unknown tools are asked about, never passed", () => {
    expect(requested(plan(claude("mcp__github__create_issue", { repo: "acme/api", title: "x" })))).toEqual({
      kind: "custom",
      action: "mcp.github.create_issue",
      params: { repo: "acme/api", title: "x" },
    });
    expect(requested(plan(claude("mcp__my_db__run__sql", { sql: "DROP TABLE t" })))).toMatchObject({ action: "mcp.my_db.run__sql" });
    expect(requested(plan(claude("FancyNewTool", { anything: 1 })))).toEqual({ kind: "custom", action: "claude-code.FancyNewTool", params: { anything: 1 } });
    expect(requested(plan(claude("WebFetch", { url: "https://example.com/a", prompt: "summarise" })))).toEqual({ kind: "http", method: "GET", url: "https://example.com/a" });
  });

  it.each([
    ["not JSON", "rm -rf /", "not JSON"],
    ["an array", "[]", "not a JSON object"],
    ["no tool_name", JSON.stringify({ tool_input: {} }), "tool_name is missing"],
    ["a numeric tool_name", claude(7, {}), "tool_name is not a string"],
    ["a string tool_input", claude("Bash", "ls"), "tool_input is not an object"],
    ["no tool_input", JSON.stringify({ tool_name: "Read" }), "tool_input is missing"],
    ["Bash without a command", claude("Bash", { description: "x" }), "tool_input.command is missing"],
    ["Bash with a numeric command", claude("Bash", { command: 1 }), "tool_input.command is not a string"],
    ["Bash with an empty command", claude("Bash", { command: " " }), "tool_input.command is empty"],
    ["Write without content", claude("Write", { file_path: "/etc/hosts" }), "tool_input.content is missing"],
    ["MultiEdit with no edits", claude("MultiEdit", { file_path: "/etc/hosts", edits: [] }), "edits is not a non-empty array"],
    ["Edit with a string replace_all", claude("Edit", { file_path: "/etc/x", old_string: "a", new_string: "b", replace_all: "yes" }), "replace_all is not a boolean"],
    ["another event", claude("Bash", { command: "ls" }, { hook_event_name: "PostToolUse" }), "not PostToolUse"],
    ["a numeric session_id", claude("Bash", { command: "ls" }, { session_id: 5 }), "session_id is not a string"],
  ])("%s is refused", (_, raw, message) => {
    const p = plan(raw);
    expect(p.kind).toBe("refuse");
    expect((p as { reason: string }).reason).toContain(message);
  });
});

describe("Cursor: beforeShellExecution and beforeMCPExecution", () => {
  const base = { conversation_id: "conv-1", generation_id: "gen-1", workspace_roots: ["/work/p"] };
  it("a shell command becomes a shell operation with its cwd", () => {
    expect(planCursor(JSON.stringify({ ...base, hook_event_name: "beforeShellExecution", command: "npm publish", cwd: "/work/p" }))).toMatchObject({
      kind: "request",
      operation: { kind: "shell", command: "npm publish", cwd: "/work/p" },
      session: "cursor conversation conv-1 · generation gen-1",
    });
  });
  it("an MCP call names its tool and server; tool_input may come as JSON text", () => {
    const asText = planCursor(JSON.stringify({ ...base, hook_event_name: "beforeMCPExecution", tool_name: "query", tool_input: '{"sql":"DROP TABLE t"}', url: "http://localhost:3000/mcp" }));
    expect(requested(asText)).toEqual({ kind: "custom", action: "mcp.query", params: { server: { url: "http://localhost:3000/mcp" }, arguments: { sql: "DROP TABLE t" } } });
    const asObject = planCursor(JSON.stringify({ ...base, hook_event_name: "beforeMCPExecution", tool_name: "query", tool_input: { sql: "DROP TABLE t" }, command: "npx db-mcp" }));
    expect(requested(asObject)).toEqual({ kind: "custom", action: "mcp.query", params: { server: { command: "npx db-mcp" }, arguments: { sql: "DROP TABLE t" } } });
  });
  it.each([
    ["not JSON", "{", "not JSON"],
    ["no event", JSON.stringify({ command: "ls" }), "hook_event_name is missing"],
    ["another event", JSON.stringify({ hook_event_name: "beforeReadFile", file_path: "/etc/passwd" }), "not beforeReadFile"],
    ["no command", JSON.stringify({ hook_event_name: "beforeShellExecution", cwd: "/" }), "command is missing"],
    ["tool_input that is not JSON", JSON.stringify({ hook_event_name: "beforeMCPExecution", tool_name: "q", tool_input: "{oops" }), "tool_input is not JSON"],
  ])("%s is refused", (_, raw, message) => {
    const p = planCursor(raw);
    expect(p.kind).toBe("refuse");
    expect((p as { reason: string }).reason).toContain(message);
  });
});

// ---------------------------------------------------------------------------------------------
// runHook with a fake Countersign

function view(overrides: Partial<RequestView>): RequestView {
  return {
    id: "req-1",
    status: "pending",
    operationDigest: "sha256:x",
    risk: { level: "high", findings: [] },
    requiredApprovals: 1,
    approvals: 0,
    reviewUrl: "https://cs.example/requests/req-1",
    expiresAt: new Date(Date.now() + 60_000).toISOString(),
    ...overrides,
  };
}

function fakeClient(script: { created?: RequestView | Error; decided?: RequestView | Error; redeem?: Error }) {
  const calls: { created: unknown[]; waited: number; redeemed: unknown[]; cancelled: string[] } = { created: [], waited: 0, redeemed: [], cancelled: [] };
  const client: HookClient = {
    async createRequest(body) {
      calls.created.push(body);
      if (script.created instanceof Error) throw script.created;
      return script.created ?? view({});
    },
    async waitForDecision() {
      calls.waited++;
      if (script.decided instanceof Error) throw script.decided;
      return script.decided ?? view({});
    },
    async redeemGrant(_token, operation) {
      calls.redeemed.push(operation);
      if (script.redeem) throw script.redeem;
      return { requestId: "req-1", jti: "j", operationDigest: "sha256:x", operation, environment: "staging", resource: "host/dev", redeemedAt: new Date().toISOString() };
    },
    async cancel(id) {
      calls.cancelled.push(id);
      return view({ status: "cancelled" });
    },
  };
  return { client, calls };
}

const ENV = { COUNTERSIGN_URL: "https://cs.example", COUNTERSIGN_API_KEY: "csk_test", COUNTERSIGN_HOOK_ENVIRONMENT: "staging", COUNTERSIGN_HOOK_RESOURCE: "host/dev" };
const GRANT = { token: "a.b.c", expiresAt: new Date(Date.now() + 300_000).toISOString() };

async function hook(harness: string, input: string, fake?: ReturnType<typeof fakeClient>, env: Record<string, string | undefined> = ENV, flags: string[] = []) {
  let stdout = "";
  let stderr = "";
  let clientBuilt = false;
  const code = await runHook(
    [harness, ...flags],
    env,
    { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, readStdin: async () => input },
    undefined,
    {
      client: async () => {
        clientBuilt = true;
        if (!fake) throw new Error("no network in this test");
        return fake.client;
      },
    },
  );
  return { code, stdout, stderr, clientBuilt, answer: stdout ? JSON.parse(stdout) : undefined };
}

const bash = (command: string) => claude("Bash", { command });
const denied = (reason: RegExp | string) => ({ hookSpecificOutput: { hookEventName: "PreToolUse", permissionDecision: "deny", permissionDecisionReason: expect.stringMatching(reason) } });

describe("runHook: Countersign's answer, in the harness's format", () => {
  it("a read-only tool or a write inside the project: no decision, exit 0, and no client built (no network)", async () => {
    for (const input of [claude("Read", { file_path: "/etc/hosts" }), claude("Write", { file_path: path.join(project, "src/a.ts"), content: "" })]) {
      const r = await hook("claude-code", input);
      expect(r).toMatchObject({ code: 0, stdout: "", clientBuilt: false });
    }
  });

  it("approved (by policy or people) → the grant is redeemed for exactly the operation asked about, then allow", async () => {
    const fake = fakeClient({ created: view({ status: "approved", grant: GRANT, risk: { level: "low", findings: [] } }) });
    const r = await hook("claude-code", bash("ls -la"), fake);
    expect(r.code).toBe(0);
    expect(r.answer).toEqual({
      hookSpecificOutput: { hookEventName: "PreToolUse", permissionDecision: "allow", permissionDecisionReason: "Approved in Countersign by policy (request req-1, risk low)." },
    });
    const operation = { kind: "shell", command: "ls -la", cwd: project, target: { environment: "staging", resource: "host/dev" } };
    expect(fake.calls.created).toEqual([{ operation, summary: "Claude Code runs a shell command", context: { session: "claude-code session sess-1 · transcript sess-1.jsonl · tool call toolu_01" } }]);
    expect(fake.calls.redeemed).toEqual([operation]);

    const people = fakeClient({ decided: view({ status: "approved", approvals: 1, grant: GRANT }) });
    const waited = await hook("claude-code", bash("rm -rf build"), people);
    expect(waited.answer).toMatchObject({ hookSpecificOutput: { permissionDecision: "allow" }, systemMessage: "Countersign approved by 1 reviewer(s): https://cs.example/requests/req-1" });
    expect(waited.stderr).toContain("review: https://cs.example/requests/req-1");
    expect(people.calls.waited).toBe(1);
  });

  it.each([
    ["denied by a reviewer", { decided: view({ status: "denied", reason: "Not on a Friday" }) }, /denied this \(request req-1\): Not on a Friday/],
    ["denied by policy", { created: view({ status: "denied", reason: "Backups are not deleted by agents" }) }, /Backups are not deleted by agents/],
    ["expired", { decided: view({ status: "expired" }) }, /expired this/],
    ["approved with the grant already used", { decided: view({ status: "approved" }) }, /grant was already used or has lapsed/],
    ["a refused redemption", { created: view({ status: "approved", grant: GRANT }), redeem: Object.assign(new Error("x"), { status: 409, code: "grant_already_redeemed", detail: "already redeemed" }) }, /could not be redeemed.*409 grant_already_redeemed/],
    ["an unreachable server", { created: new TypeError("fetch failed") }, /could not be asked.*fetch failed/],
    ["a bad key", { created: Object.assign(new Error("x"), { status: 401, code: "unauthorized", detail: "Unknown API key" }) }, /401 unauthorized: Unknown API key/],
    ["a lost connection while waiting", { decided: new TypeError("fetch failed") }, /could not be reached while waiting/],
  ])("%s → deny with the reason", async (_, script, reason) => {
    const fake = fakeClient(script as never);
    const r = await hook("claude-code", bash("rm -rf build"), fake);
    expect(r.code).toBe(0);
    expect(r.answer).toMatchObject(denied(reason));
  });

  it("still pending when --timeout runs out → the request is withdrawn and the answer says it timed out, with its id", async () => {
    const fake = fakeClient({ decided: view({ status: "pending" }) });
    const r = await hook("claude-code", bash("rm -rf build"), fake, ENV, ["--timeout", "5"]);
    expect(r.answer).toMatchObject(denied(/^Timed out after 5 s waiting for a reviewer to decide Countersign request req-1 \(withdrawn\)/));
    expect(fake.calls.cancelled).toEqual(["req-1"]);
  });

  it("missing configuration or a bad flag → deny without asking anyone", async () => {
    const noTarget = await hook("claude-code", bash("ls"), undefined, { COUNTERSIGN_URL: "https://cs.example", COUNTERSIGN_API_KEY: "k" });
    expect(noTarget.answer).toMatchObject(denied(/not configured \(missing --environment .*--resource/));
    expect(noTarget.clientBuilt).toBe(false);
    const flags = await hook("claude-code", bash("ls"), undefined, ENV, ["--timeout", "soon"]);
    expect(flags.answer).toMatchObject(denied(/misconfigured \(the timeout must be a positive number/));
    const unknown = await hook("claude-code", bash("ls"), undefined, ENV, ["--yolo"]);
    expect(unknown.answer).toMatchObject(denied(/unknown option --yolo/));
    const malformed = await hook("claude-code", "{", undefined);
    expect(malformed).toMatchObject({ code: 0, clientBuilt: false, answer: denied(/malformed hook input: the hook input is not JSON/) });
  });

  it("--environment and --resource override the environment variables", async () => {
    const fake = fakeClient({ created: view({ status: "approved", grant: GRANT }) });
    await hook("claude-code", bash("ls"), fake, ENV, ["--environment", "production", "--resource=host/ci"]);
    expect(fake.calls.created[0]).toMatchObject({ operation: { target: { environment: "production", resource: "host/ci" } } });
  });

  it("Cursor gets permission with user and agent messages; malformed input is a deny, exit 0", async () => {
    const shell = JSON.stringify({ hook_event_name: "beforeShellExecution", conversation_id: "c", generation_id: "g", command: "npm publish", cwd: "/w" });
    const ok = await hook("cursor", shell, fakeClient({ created: view({ status: "approved", grant: GRANT }) }));
    expect(ok.answer).toEqual({ permission: "allow", user_message: "Approved in Countersign by policy (request req-1, risk high).", agent_message: "Approved in Countersign by policy (request req-1, risk high)." });
    const no = await hook("cursor", shell, fakeClient({ decided: view({ status: "denied", reason: "Not today" }) }));
    expect(no.answer).toMatchObject({ permission: "deny", agent_message: "Countersign denied this (request req-1): Not today", user_message: expect.stringContaining("https://cs.example/requests/req-1") });
    const bad = await hook("cursor", "[1]", undefined);
    expect(bad).toMatchObject({ code: 0, clientBuilt: false, answer: { permission: "deny", agent_message: expect.stringContaining("not a JSON object") } });
  });

  it("no harness named → exit 2 (blocked in both harnesses), nothing on standard output", async () => {
    const r = await hook("windsurf", bash("ls"));
    expect(r).toMatchObject({ code: 2, stdout: "" });
    expect(r.stderr).toContain("claude-code or cursor");
  });
});

describe("countersign hook through the CLI's main()", () => {
  it("routes to the hook with standard input, and lists it in the help", async () => {
    const { main } = await import("../cli");
    let stdout = "";
    const io = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: () => true }, readStdin: async () => claude("Bash", { command: "ls" }) };
    expect(await main(["hook", "claude-code"], {}, io)).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject(denied(/not configured/));
    stdout = "";
    expect(await main(["--help"], {}, io)).toBe(0);
    expect(stdout).toContain("  hook ");
    stdout = "";
    expect(await main(["hook", "--help"], {}, io)).toBe(0);
    expect(stdout).toContain("Usage: countersign hook claude-code|cursor");
  });
});
