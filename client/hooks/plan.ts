// The pure core of the coding-agent hooks: a harness's hook input (Claude Code's PreToolUse,
// Cursor's beforeShellExecution / beforeMCPExecution) becomes either "pass" (nothing for
// Countersign to decide: a read-only tool, a write inside the project), "refuse" (input it cannot
// read) or the operation to ask Countersign about. It never guesses a risk: classification is the
// server's. No network, no dependencies; only the file system, to see where a write really lands.
import { lstatSync, readlinkSync, realpathSync } from "node:fs";
import path from "node:path";

export type Harness = "claude-code" | "cursor";
export const HARNESSES: readonly Harness[] = ["claude-code", "cursor"];

/** An operation without its target (the target is the hook's configuration, added when asking). */
export type PlannedOperation =
  | { kind: "shell"; command: string; cwd?: string }
  | { kind: "http"; method: string; url: string }
  | { kind: "custom"; action: string; params: Record<string, unknown> };

export interface RequestPlan {
  kind: "request";
  /** What the harness is about to do, as Countersign reviews and digests it. */
  operation: PlannedOperation;
  /** One line for reviewers. */
  summary: string;
  /** Where the call came from: session, transcript file name, tool call (RequestContext.session, ≤ 200). */
  session: string;
  /** Repeat-safe creation for this one tool call, when the harness names it. */
  idempotencyKey?: string;
  /** The harness's event, echoed in Claude Code's answer. */
  event: string;
}

export type Plan = { kind: "pass"; reason: string; event: string } | { kind: "refuse"; reason: string; event: string } | RequestPlan;

/**
 * Built-in Claude Code tools that read, plan or delegate and change nothing themselves (a
 * subagent's own tool calls come through this hook too). Anything not listed here or handled
 * below becomes a request.
 */
export const READ_ONLY_TOOLS: ReadonlySet<string> = new Set([
  "Read",
  "Grep",
  "Glob",
  "LS",
  "NotebookRead",
  "WebSearch",
  "TodoWrite",
  "TodoRead",
  "Task",
  "Agent",
  "ExitPlanMode",
  "BashOutput",
  "AskUserQuestion",
]);

/**
 * Inside the project, these hold the harness's own configuration (hooks included) and git's
 * hooks: writing there could switch this hook off or run code later, so such writes are asked
 * about like writes outside the project.
 */
export const PROTECTED_PROJECT_DIRS: readonly string[] = [".claude", ".cursor", ".git"];

const SUMMARY_MAX = 500;
const SESSION_MAX = 200;

class Malformed extends Error {}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function text(input: Record<string, unknown>, key: string, where: string, { required = true, nonEmpty = true } = {}): string | undefined {
  const value = input[key];
  if (value === undefined || value === null) {
    if (required) throw new Malformed(`${where}.${key} is missing`);
    return undefined;
  }
  if (typeof value !== "string") throw new Malformed(`${where}.${key} is not a string`);
  if (nonEmpty && required && value.trim() === "") throw new Malformed(`${where}.${key} is empty`);
  return value;
}

function optionalBoolean(input: Record<string, unknown>, key: string, where: string): boolean | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw new Malformed(`${where}.${key} is not a boolean`);
  return value;
}

function oneLine(value: string, max = SUMMARY_MAX): string {
  const line = value.replace(/[\r\n\t]+/g, " ").replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function parseJsonObject(raw: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Malformed("the hook input is not JSON");
  }
  if (!isRecord(parsed)) throw new Malformed("the hook input is not a JSON object");
  return parsed;
}

// ---------------------------------------------------------------------------------------------
// Where a path really lands

/**
 * The physical path a write to `target` lands on: every existing component's symlinks resolved
 * (dangling ones followed too: a write through them creates their target), `..` applied after
 * resolving what precedes it, as the kernel does. Components that do not exist yet are kept as
 * they are.
 */
export function physicalPath(target: string, base: string): string {
  // Joined as text: path.join would apply `..` before the symlinks in front of it are resolved.
  const absolute = path.isAbsolute(target) ? target : `${base}${path.sep}${target}`;
  const { root } = path.parse(absolute);
  const pending = absolute.slice(root.length).split(path.sep).filter(Boolean);
  let current = root;
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === ".") continue;
    if (part === "..") {
      current = path.dirname(current);
      continue;
    }
    const next = path.join(current, part);
    let stat;
    try {
      stat = lstatSync(next);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") {
        current = next;
        continue;
      }
      throw error;
    }
    if (stat.isSymbolicLink()) {
      if (++links > 40) throw new Error(`too many symbolic links at ${next}`);
      const link = readlinkSync(next);
      const linkRoot = path.isAbsolute(link) ? path.parse(link).root : undefined;
      pending.unshift(...link.slice(linkRoot?.length ?? 0).split(path.sep).filter(Boolean));
      if (linkRoot !== undefined) current = linkRoot;
      continue;
    }
    current = next;
  }
  return current;
}

export interface Placement {
  inside: boolean;
  /** Where the write really lands. */
  resolved: string;
  /** Why it is not inside (for the summary). */
  why?: string;
}

/** Whether a write to `filePath` stays inside `projectDir` (both resolved physically). */
export function placeWrite(filePath: string, options: { cwd?: string; projectDir?: string }): Placement {
  const base = options.cwd && path.isAbsolute(options.cwd) ? options.cwd : (options.projectDir ?? path.parse(process.cwd()).root);
  let resolved: string;
  try {
    resolved = physicalPath(filePath, base);
  } catch (error) {
    return { inside: false, resolved: filePath, why: `its location cannot be resolved (${(error as Error).message})` };
  }
  if (!options.projectDir || !path.isAbsolute(options.projectDir)) return { inside: false, resolved, why: "no project directory is known" };
  let project: string;
  try {
    project = realpathSync.native(options.projectDir);
  } catch {
    return { inside: false, resolved, why: "the project directory does not exist" };
  }
  const relative = path.relative(project, resolved);
  if (relative === ".." || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) return { inside: false, resolved, why: "outside the project" };
  const first = relative.split(path.sep)[0];
  if (PROTECTED_PROJECT_DIRS.includes(first)) return { inside: false, resolved, why: `in the project's ${first}/ (harness or git configuration)` };
  // A second name for a file elsewhere: writing through a hard link changes that file too.
  try {
    const stat = lstatSync(resolved);
    if (stat.isFile() && stat.nlink > 1) return { inside: false, resolved, why: "a hard link (the same file may live outside the project)" };
  } catch {
    // Does not exist yet: a new file inside the project.
  }
  return { inside: true, resolved };
}

// ---------------------------------------------------------------------------------------------
// Claude Code: PreToolUse

const MCP_TOOL = /^mcp__(.+?)__(.+)$/;

function fileParams(filePath: string, placement: Placement): Record<string, unknown> {
  return placement.resolved === filePath ? { path: filePath } : { path: filePath, resolvedPath: placement.resolved };
}

/** Plans one Claude Code PreToolUse call. `projectDir` is CLAUDE_PROJECT_DIR when set. */
export function planClaudeCode(raw: string, options: { projectDir?: string } = {}): Plan {
  const event = "PreToolUse";
  try {
    const input = parseJsonObject(raw);
    const hookEvent = text(input, "hook_event_name", "input", { required: false });
    if (hookEvent !== undefined && hookEvent !== event) throw new Malformed(`this hook answers PreToolUse, not ${hookEvent}`);
    const tool = text(input, "tool_name", "input")!;
    const toolInput = input.tool_input;
    if (!isRecord(toolInput)) throw new Malformed(toolInput === undefined ? "input.tool_input is missing" : "input.tool_input is not an object");
    const sessionId = text(input, "session_id", "input", { required: false });
    const transcript = text(input, "transcript_path", "input", { required: false });
    const toolUseId = text(input, "tool_use_id", "input", { required: false });
    const cwd = text(input, "cwd", "input", { required: false });
    const projectDir = options.projectDir || cwd;

    const session = oneLine(
      [`claude-code session ${sessionId ?? "unknown"}`, transcript ? `transcript ${path.basename(transcript)}` : undefined, toolUseId ? `tool call ${toolUseId}` : undefined]
        .filter(Boolean)
        .join(" · "),
      SESSION_MAX,
    );
    const idempotencyKey = toolUseId && sessionId ? `claude-code:${sessionId}:${toolUseId}`.slice(0, 200) : undefined;
    const ask = (operation: PlannedOperation, summary: string): Plan => ({ kind: "request", operation, summary: oneLine(summary), session, idempotencyKey, event });
    const where = "tool_input";

    if (READ_ONLY_TOOLS.has(tool)) return { kind: "pass", reason: `${tool} changes nothing`, event };

    switch (tool) {
      case "Bash": {
        const command = text(toolInput, "command", where)!;
        const description = text(toolInput, "description", where, { required: false });
        const operation: PlannedOperation = cwd ? { kind: "shell", command, cwd } : { kind: "shell", command };
        return ask(operation, description ? `Claude Code: ${description}` : `Claude Code runs a shell command`);
      }
      case "Write": {
        const filePath = text(toolInput, "file_path", where)!;
        const content = text(toolInput, "content", where, { nonEmpty: false })!;
        const placement = placeWrite(filePath, { cwd, projectDir });
        if (placement.inside) return { kind: "pass", reason: `writes ${placement.resolved}, inside the project`, event };
        return ask({ kind: "custom", action: "file.write", params: { ...fileParams(filePath, placement), content } }, `Claude Code writes ${placement.resolved} (${placement.why})`);
      }
      case "Edit": {
        const filePath = text(toolInput, "file_path", where)!;
        const oldString = text(toolInput, "old_string", where, { nonEmpty: false })!;
        const newString = text(toolInput, "new_string", where, { nonEmpty: false })!;
        const replaceAll = optionalBoolean(toolInput, "replace_all", where);
        const placement = placeWrite(filePath, { cwd, projectDir });
        if (placement.inside) return { kind: "pass", reason: `edits ${placement.resolved}, inside the project`, event };
        const params = { ...fileParams(filePath, placement), old_string: oldString, new_string: newString, ...(replaceAll === undefined ? {} : { replace_all: replaceAll }) };
        return ask({ kind: "custom", action: "file.edit", params }, `Claude Code edits ${placement.resolved} (${placement.why})`);
      }
      case "MultiEdit": {
        const filePath = text(toolInput, "file_path", where)!;
        const edits = toolInput.edits;
        if (!Array.isArray(edits) || edits.length === 0) throw new Malformed(`${where}.edits is not a non-empty array`);
        const checked = edits.map((edit, i) => {
          if (!isRecord(edit)) throw new Malformed(`${where}.edits[${i}] is not an object`);
          const at = `${where}.edits[${i}]`;
          const replaceAll = optionalBoolean(edit, "replace_all", at);
          return { old_string: text(edit, "old_string", at, { nonEmpty: false })!, new_string: text(edit, "new_string", at, { nonEmpty: false })!, ...(replaceAll === undefined ? {} : { replace_all: replaceAll }) };
        });
        const placement = placeWrite(filePath, { cwd, projectDir });
        if (placement.inside) return { kind: "pass", reason: `edits ${placement.resolved}, inside the project`, event };
        return ask({ kind: "custom", action: "file.edit", params: { ...fileParams(filePath, placement), edits: checked } }, `Claude Code edits ${placement.resolved} (${placement.why})`);
      }
      case "NotebookEdit": {
        const notebookPath = text(toolInput, "notebook_path", where)!;
        const newSource = text(toolInput, "new_source", where, { required: toolInput.edit_mode !== "delete", nonEmpty: false });
        const cellId = text(toolInput, "cell_id", where, { required: false });
        const cellType = text(toolInput, "cell_type", where, { required: false });
        const editMode = text(toolInput, "edit_mode", where, { required: false });
        const placement = placeWrite(notebookPath, { cwd, projectDir });
        if (placement.inside) return { kind: "pass", reason: `edits ${placement.resolved}, inside the project`, event };
        const params: Record<string, unknown> = { ...fileParams(notebookPath, placement) };
        if (cellId !== undefined) params.cell_id = cellId;
        if (cellType !== undefined) params.cell_type = cellType;
        if (editMode !== undefined) params.edit_mode = editMode;
        if (newSource !== undefined) params.new_source = newSource;
        return ask({ kind: "custom", action: "notebook.edit", params }, `Claude Code edits the notebook ${placement.resolved} (${placement.why})`);
      }
      case "WebFetch": {
        // What runs is a GET of this URL (Claude Code's own prompt over the page is not part of it).
        const url = text(toolInput, "url", where)!;
        return ask({ kind: "http", method: "GET", url }, `Claude Code fetches ${url}`);
      }
    }
    const mcp = MCP_TOOL.exec(tool);
    if (mcp) {
      const [, server, name] = mcp;
      return ask({ kind: "custom", action: `mcp.${server}.${name}`, params: toolInput }, `Claude Code calls the MCP tool ${name} of ${server}`);
    }
    // Unknown to this hook: policy decides, never a silent allow.
    return ask({ kind: "custom", action: `claude-code.${tool}`, params: toolInput }, `Claude Code uses its ${tool} tool`);
  } catch (error) {
    if (error instanceof Malformed) return { kind: "refuse", reason: `Countersign refused a malformed hook input: ${error.message}`, event };
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Cursor: beforeShellExecution, beforeMCPExecution

export function planCursor(raw: string): Plan {
  let event = "beforeShellExecution";
  try {
    const input = parseJsonObject(raw);
    event = text(input, "hook_event_name", "input")!;
    const conversation = text(input, "conversation_id", "input", { required: false });
    const generation = text(input, "generation_id", "input", { required: false });
    const session = oneLine([`cursor conversation ${conversation ?? "unknown"}`, generation ? `generation ${generation}` : undefined].filter(Boolean).join(" · "), SESSION_MAX);
    const ask = (operation: PlannedOperation, summary: string, key: string): Plan => ({
      kind: "request",
      operation,
      summary: oneLine(summary),
      session,
      // One generation may run several commands: the key also names what is asked.
      idempotencyKey: conversation && generation ? `cursor:${conversation}:${generation}:${key}`.slice(0, 200) : undefined,
      event,
    });
    switch (event) {
      case "beforeShellExecution": {
        const command = text(input, "command", "input")!;
        const cwd = text(input, "cwd", "input", { required: false, nonEmpty: false }) || undefined;
        return ask(cwd ? { kind: "shell", command, cwd } : { kind: "shell", command }, "Cursor runs a shell command", digestKey(`${cwd ?? ""}\0${command}`));
      }
      case "beforeMCPExecution": {
        const tool = text(input, "tool_name", "input")!;
        let toolInput = input.tool_input;
        // Documented both as an object and as its JSON text.
        if (typeof toolInput === "string") {
          try {
            toolInput = JSON.parse(toolInput);
          } catch {
            throw new Malformed("input.tool_input is not JSON");
          }
        }
        if (toolInput === undefined || toolInput === null) toolInput = {};
        if (!isRecord(toolInput)) throw new Malformed("input.tool_input is not an object");
        const url = text(input, "url", "input", { required: false });
        const command = text(input, "command", "input", { required: false });
        const server = url ? { url } : command ? { command } : undefined;
        const params: Record<string, unknown> = server ? { server, arguments: toolInput } : { arguments: toolInput };
        return ask({ kind: "custom", action: `mcp.${tool}`, params }, `Cursor calls the MCP tool ${tool}${url || command ? ` of ${url ?? command}` : ""}`, digestKey(`${tool}\0${JSON.stringify(params)}`));
      }
      default:
        throw new Malformed(`this hook answers beforeShellExecution and beforeMCPExecution, not ${event}`);
    }
  } catch (error) {
    if (error instanceof Malformed) return { kind: "refuse", reason: `Countersign refused a malformed hook input: ${error.message}`, event };
    throw error;
  }
}

// A short, stable fingerprint (FNV-1a, 2 × 32 bits) for idempotency keys; not a security boundary
// (the server compares the whole body of a repeated key).
function digestKey(value: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ value.length;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x5bd1e995) >>> 0;
  }
  return a.toString(16).padStart(8, "0") + b.toString(16).padStart(8, "0");
}

// ---------------------------------------------------------------------------------------------
// Answers

export interface Decision {
  /** `undefined`: no decision (the harness's own permission flow goes on). */
  permission?: "allow" | "deny";
  /** For the agent (Claude: permissionDecisionReason; Cursor: agent_message). */
  reason: string;
  /** For the person at the keyboard (Claude: systemMessage; Cursor: user_message). */
  userMessage?: string;
}

/** Standard output for Claude Code (empty: no decision). Always with exit code 0. */
export function claudeCodeAnswer(decision: Decision): string {
  if (!decision.permission) return "";
  const answer: Record<string, unknown> = {
    hookSpecificOutput: { hookEventName: "PreToolUse", permissionDecision: decision.permission, permissionDecisionReason: decision.reason },
  };
  if (decision.userMessage) answer.systemMessage = decision.userMessage;
  return `${JSON.stringify(answer)}\n`;
}

/** Standard output for Cursor. Always with exit code 0; a pass is never an allow there. */
export function cursorAnswer(decision: Decision): string {
  const permission = decision.permission ?? "deny";
  return `${JSON.stringify({ permission, user_message: decision.userMessage ?? decision.reason, agent_message: decision.reason })}\n`;
}

export function answerFor(harness: Harness, decision: Decision): string {
  return harness === "claude-code" ? claudeCodeAnswer(decision) : cursorAnswer(decision);
}
