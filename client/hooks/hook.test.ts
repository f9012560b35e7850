// `countersign hook` as the harness runs it — the real binary, JSON on standard input — against
// the real server: policy allows a harmless command, people approve or deny the others while the
// hook waits, a write outside the project times out, and malformed input is denied. (plan.test.ts
// covers the many input shapes in process.)
import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanEnv } from "../../test/app-server";
import { DATABASE_KINDS } from "../../test/databases";
import { startRunningApp, type RunningApp } from "../../test/running-app";
import { CountersignClient } from "../index";

const root = path.resolve(import.meta.dirname, "../..");
const bin = path.join(root, "bin/countersign.mjs");
// One server for the file; PostgreSQL when available (decisions are recorded while it runs).
const KIND = DATABASE_KINDS.includes("postgres") ? "postgres" : "embedded";

interface Run {
  stderrMatching(pattern: RegExp): Promise<string>;
  done: Promise<{ code: number | null; stdout: string; stderr: string; answer: Record<string, any> | undefined }>;
}

function hook(args: string[], input: string, env: Record<string, string>): Run {
  const child = spawn(process.execPath, [bin, "hook", ...args], { cwd: root, env: cleanEnv(env) as NodeJS.ProcessEnv, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  const watchers: Array<{ pattern: RegExp; resolve: (s: string) => void }> = [];
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => {
    stderr += d;
    for (const w of watchers.splice(0)) (w.pattern.test(stderr) ? w.resolve(stderr) : watchers.push(w));
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string; answer: Record<string, any> | undefined }>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr, answer: stdout.trim() ? JSON.parse(stdout) : undefined }));
  });
  child.stdin.end(input);
  return {
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
const project = path.join(root, "client");
const claude = (tool: string, toolInput: Record<string, unknown>, toolUseId: string) =>
  JSON.stringify({ session_id: "e2e-session", transcript_path: "/home/dev/.claude/projects/x/e2e-session.jsonl", cwd: project, hook_event_name: "PreToolUse", tool_name: tool, tool_input: toolInput, tool_use_id: toolUseId });

describe(`countersign hook against the running server (${KIND})`, () => {
  let app: RunningApp;
  let agent: CountersignClient;
  let env: Record<string, string>;

  beforeAll(async () => {
    app = await startRunningApp(KIND);
    const key = await app.addAgent("hook-bot", { environments: ["staging"] });
    agent = new CountersignClient({ baseUrl: app.url, apiKey: key });
    env = { COUNTERSIGN_URL: app.url, COUNTERSIGN_API_KEY: key, COUNTERSIGN_HOOK_ENVIRONMENT: "staging", COUNTERSIGN_HOOK_RESOURCE: "host/dev-laptop", CLAUDE_PROJECT_DIR: project };
  });
  afterAll(async () => {
    await app?.close();
  });

  it("a harmless command is allowed by policy (its grant redeemed once); a read-only tool gets no decision", async () => {
    const [ls, read] = await Promise.all([
      hook(["claude-code"], claude("Bash", { command: "ls -la", description: "List files" }, "toolu_ls"), env).done,
      hook(["claude-code"], claude("Read", { file_path: "/etc/hosts" }, "toolu_read"), env).done,
    ]);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.answer).toEqual({
      hookSpecificOutput: { hookEventName: "PreToolUse", permissionDecision: "allow", permissionDecisionReason: expect.stringMatching(/^Approved in Countersign by policy \(request [0-9a-f-]{36}, risk low\)\.$/) },
    });
    expect(ls.stderr).toContain(`review: ${app.url}/requests/`);
    const stored = await agent.getRequest(requestIdIn(ls.stderr));
    expect(stored).toMatchObject({ status: "approved", kind: "shell", environment: "staging", resource: "host/dev-laptop", summary: "Claude Code: List files" });
    expect(stored.grant).toBeUndefined(); // redeemed by the hook
    expect(read).toMatchObject({ code: 0, stdout: "", stderr: "" });
  });

  it("people decide while the hook waits: approved → allow, denied → deny with the reviewer's reason (Claude Code and Cursor)", async () => {
    const approved = hook(["claude-code", "--timeout", "120"], claude("Bash", { command: "rm -rf build" }, "toolu_rm"), env);
    const cursorInput = JSON.stringify({ hook_event_name: "beforeShellExecution", conversation_id: "conv-e2e", generation_id: "gen-e2e", workspace_roots: [project], command: "rm -rf dist", cwd: project });
    const denied = hook(["cursor", "--timeout", "120"], cursorInput, env);
    const [approveId, denyId] = [requestIdIn(await approved.stderrMatching(/review: \S+/)), requestIdIn(await denied.stderrMatching(/review: \S+/))];
    expect(await agent.getRequest(approveId)).toMatchObject({ status: "pending", operationDigest: expect.any(String) });
    await app.decide({ requestId: approveId, decision: { decision: "approve" } }, { requestId: denyId, decision: { decision: "deny", reason: "Not on a Friday" } });

    const [yes, no] = await Promise.all([approved.done, denied.done]);
    expect(yes.code, yes.stderr).toBe(0);
    expect(yes.answer).toEqual({
      hookSpecificOutput: { hookEventName: "PreToolUse", permissionDecision: "allow", permissionDecisionReason: `Approved in Countersign by 1 reviewer(s) (request ${approveId}, risk high).` },
      systemMessage: `Countersign approved by 1 reviewer(s): ${app.url}/requests/${approveId}`,
    });
    expect((await agent.getRequest(approveId)).grant).toBeUndefined();
    expect(no.code, no.stderr).toBe(0);
    expect(no.answer).toEqual({
      permission: "deny",
      agent_message: `Countersign denied this (request ${denyId}): Not on a Friday`,
      user_message: `Countersign denied this (request ${denyId}): Not on a Friday — ${app.url}/requests/${denyId}`,
    });
    const stored = await agent.getRequest(denyId);
    expect(stored).toMatchObject({ status: "denied", kind: "shell" });
  });

  it("a write outside the project times out → deny naming the request, which is withdrawn; malformed input → deny", async () => {
    const [write, malformed] = await Promise.all([
      hook(["claude-code", "--timeout", "2"], claude("Write", { file_path: "/etc/hosts", content: "127.0.0.1 evil\n" }, "toolu_write"), env).done,
      hook(["claude-code"], "{ not json", env).done,
    ]);
    expect(write.code, write.stderr).toBe(0);
    const id = requestIdIn(write.stderr);
    expect(write.answer?.hookSpecificOutput).toMatchObject({
      permissionDecision: "deny",
      permissionDecisionReason: expect.stringMatching(new RegExp(`^Timed out after 2 s waiting for a reviewer to decide Countersign request ${id} \\(withdrawn\\)`)),
    });
    expect(await agent.getRequest(id)).toMatchObject({ status: "cancelled", kind: "custom", risk: { level: "high" } });
    expect(malformed.code).toBe(0);
    expect(malformed.answer?.hookSpecificOutput).toMatchObject({ permissionDecision: "deny", permissionDecisionReason: expect.stringContaining("not JSON") });
  });
});
