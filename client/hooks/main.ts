// `countersign hook claude-code|cursor`: one tool call of a coding agent, read from standard input,
// answered on standard output in the harness's own format. What passes locally (read-only tools,
// writes inside the project) is answered without loading the HTTP client or touching the network.
// Every other answer is Countersign's; any failure — unreadable input, missing configuration, an
// unreachable server, a bad key — is a denial, never an allow.
import { answerFor, HARNESSES, planClaudeCode, planCursor, type Decision, type Harness, type Plan, type RequestPlan } from "./plan";
import type { HookClient } from "./decide";

export const DEFAULT_TIMEOUT_SECONDS = 600;
/** Standard input larger than this is refused (a Write carries the whole file). */
const MAX_INPUT_BYTES = 32 * 1024 * 1024;

type Env = Record<string, string | undefined>;

export interface HookIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** All of standard input. */
  readStdin(): Promise<string>;
}

export interface HookDeps {
  /** Builds the client (default: CountersignClient, loaded only when a request is needed). */
  client?(baseUrl: string, apiKey: string): Promise<HookClient>;
}

export const HOOK_HELP = `Usage: countersign hook claude-code|cursor [--environment E] [--resource R] [--timeout SECONDS]

A coding agent's hook. Reads one tool call as JSON on standard input and answers on standard output:
  claude-code   Claude Code's PreToolUse hook: {"hookSpecificOutput": {"hookEventName": "PreToolUse",
                "permissionDecision": "allow"|"deny", "permissionDecisionReason": "…"}}, exit 0; no
                output (no decision) for read-only tools and writes inside the project.
  cursor        Cursor's beforeShellExecution and beforeMCPExecution hooks:
                {"permission": "allow"|"deny", "user_message": "…", "agent_message": "…"}, exit 0.
Bash commands, writes outside the project, MCP tools and unknown tools become Countersign requests;
the review URL is printed on standard error at once and the hook waits. Approved (grant redeemed)
→ allow; denied, expired, cancelled, timed out, malformed input or any error → deny.

  --environment E     where the agent's machine acts (COUNTERSIGN_HOOK_ENVIRONMENT)
  --resource R        the resource it acts on, e.g. host/dev-laptop (COUNTERSIGN_HOOK_RESOURCE)
  --timeout SECONDS   how long to wait for people (COUNTERSIGN_HOOK_TIMEOUT, default ${DEFAULT_TIMEOUT_SECONDS});
                      keep it below the harness's own hook timeout

Environment: COUNTERSIGN_URL, COUNTERSIGN_API_KEY; Claude Code's CLAUDE_PROJECT_DIR names the project.`;

interface Settings {
  environment?: string;
  resource?: string;
  timeoutSeconds: number;
}

class ConfigError extends Error {}

function parseFlags(args: string[], env: Env): Settings {
  const values: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const match = /^--(environment|resource|timeout)(?:=(.*))?$/.exec(arg);
    if (!match) throw new ConfigError(`unknown option ${arg}`);
    const value = match[2] ?? args[++i];
    if (value === undefined) throw new ConfigError(`--${match[1]} needs a value`);
    values[match[1]] = value;
  }
  const timeoutText = values.timeout ?? env.COUNTERSIGN_HOOK_TIMEOUT;
  let timeoutSeconds = DEFAULT_TIMEOUT_SECONDS;
  if (timeoutText !== undefined && timeoutText !== "") {
    timeoutSeconds = Number(timeoutText);
    if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) throw new ConfigError(`the timeout must be a positive number of seconds, not ${timeoutText}`);
  }
  return {
    environment: values.environment || env.COUNTERSIGN_HOOK_ENVIRONMENT || undefined,
    resource: values.resource || env.COUNTERSIGN_HOOK_RESOURCE || undefined,
    timeoutSeconds,
  };
}

async function defaultClient(baseUrl: string, apiKey: string): Promise<HookClient> {
  const { CountersignClient } = await import("../index");
  return new CountersignClient({ baseUrl, apiKey });
}

/** The plan for one input (exported for tests that feed documented shapes). */
export function planFor(harness: Harness, raw: string, env: Env): Plan {
  return harness === "claude-code" ? planClaudeCode(raw, { projectDir: env.CLAUDE_PROJECT_DIR || undefined }) : planCursor(raw);
}

async function ask(plan: RequestPlan, settings: Settings, env: Env, io: HookIo, signal: AbortSignal | undefined, deps: HookDeps): Promise<Decision> {
  const missing = [
    !settings.environment && "--environment (or COUNTERSIGN_HOOK_ENVIRONMENT)",
    !settings.resource && "--resource (or COUNTERSIGN_HOOK_RESOURCE)",
    !env.COUNTERSIGN_URL && "COUNTERSIGN_URL",
    !env.COUNTERSIGN_API_KEY && "COUNTERSIGN_API_KEY",
  ].filter(Boolean);
  if (missing.length > 0) {
    const reason = `The Countersign hook is not configured (missing ${missing.join(", ")}), so this is refused.`;
    return { permission: "deny", reason, userMessage: reason };
  }
  const client = await (deps.client ?? defaultClient)(env.COUNTERSIGN_URL!, env.COUNTERSIGN_API_KEY!);
  const { decide } = await import("./decide");
  return decide(plan, client, {
    environment: settings.environment!,
    resource: settings.resource!,
    timeoutSeconds: settings.timeoutSeconds,
    stderr: io.stderr,
    signal,
  });
}

/** Runs the hook; returns the exit code (0 with an answer on standard output; 2 only when no answer could be formed). */
export async function runHook(argv: string[], env: Env, io: HookIo, signal?: AbortSignal, deps: HookDeps = {}): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--help" || name === "-h" || rest.includes("--help") || rest.includes("-h")) {
    io.stdout.write(`${HOOK_HELP}\n`);
    return 0;
  }
  if (!HARNESSES.includes(name as Harness)) {
    // No harness, no answer format: exit 2 is the block both Claude Code and Cursor document.
    io.stderr.write(`countersign hook: name the harness: claude-code or cursor${name ? ` (not ${name})` : ""}\n`);
    return 2;
  }
  const harness = name as Harness;
  const answer = (decision: Decision) => {
    io.stdout.write(answerFor(harness, decision));
    if (decision.permission === "deny") io.stderr.write(`countersign: denied: ${decision.reason}\n`);
    return 0;
  };
  try {
    const settings = parseFlags(rest, env);
    const raw = await io.readStdin();
    const plan = planFor(harness, raw, env);
    if (plan.kind === "pass") {
      // Claude Code: no decision, its own permission flow goes on. Cursor only sends what it asks about.
      return answer(harness === "claude-code" ? { reason: plan.reason } : { permission: "deny", reason: `Countersign has no rule to pass ${plan.reason} here.` });
    }
    if (plan.kind === "refuse") return answer({ permission: "deny", reason: plan.reason, userMessage: plan.reason });
    return answer(await ask(plan, settings, env, io, signal, deps));
  } catch (error) {
    const reason =
      error instanceof ConfigError
        ? `The Countersign hook is misconfigured (${error.message}), so this is refused.`
        : `The Countersign hook failed, so this is refused: ${(error as Error)?.message ?? String(error)}`;
    return answer({ permission: "deny", reason, userMessage: reason });
  }
}

/** Reads all of a stream (standard input); more than the limit is an error. */
export function readAll(stream: NodeJS.ReadableStream & { isTTY?: boolean }, limit = MAX_INPUT_BYTES): Promise<string> {
  // A terminal is a person running the hook by hand: there is no tool call to read.
  if (stream.isTTY) return Promise.resolve("");
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on("data", (chunk: Buffer | string) => {
      const buffer = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      size += buffer.length;
      if (size > limit) reject(new Error(`the hook input is larger than ${limit} bytes`));
      else chunks.push(buffer);
    });
    stream.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    stream.on("error", reject);
  });
}

/** The process entry (bin/countersign.mjs): standard streams, SIGINT/SIGTERM stop the wait. */
export async function runHookProcess(argv: string[]): Promise<number> {
  const controller = new AbortController();
  const stop = () => controller.abort(new Error("interrupted"));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    return await runHook(argv, process.env, { stdout: process.stdout, stderr: process.stderr, readStdin: () => readAll(process.stdin) }, controller.signal);
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}
