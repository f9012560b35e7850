// Countersign's admin CLI: `npm run cli -- <command> [options]`. Works whether or not the server
// is running: on PostgreSQL it connects directly; on the embedded database it asks a running
// server through its admin socket, or opens the folder itself (under the same lock) when none runs.
// Help, unknown commands and argument errors are answered from the specs alone: the database, the
// risk engine and the rest of the app are imported only once a command is to run.
import { parseArgs } from "node:util";
import http from "node:http";
import type { Config } from "../lib/env";
import type { Database } from "../lib/db";
import { DataDirInUseError, readLock } from "../lib/db/lock";
import { isAppError } from "../lib/errors";
import { SPECS, type CommandSpec } from "./specs";
import { readSecretFromStdin } from "./stdin";

class UsageError extends Error {}

function usage(): string {
  const width = Math.max(...Object.keys(SPECS).map((k) => k.length));
  const lines = Object.entries(SPECS).map(([name, spec]) => `  ${name.padEnd(width)}  ${spec.summary}`);
  return [
    "Usage: npm run cli -- <command> [options]",
    "",
    "Commands:",
    ...lines,
    "",
    "Global options:",
    "  --data-dir DIR  embedded data folder (default: COUNTERSIGN_DATA_DIR or ./.countersign)",
    "  --json          print the result as one JSON object",
    "  --help          help for a command, e.g. `npm run cli -- agent add --help`",
  ].join("\n");
}

function commandHelp(name: string, spec: CommandSpec): string {
  const opts = Object.entries(spec.options).map(([opt, o]) => {
    const flag = o.type === "boolean" ? `--${opt}` : `--${opt} ${o.placeholder ?? "VALUE"}`;
    return `  ${flag.padEnd(28)} ${o.help}${o.required ? " (required)" : ""}`;
  });
  return [`Usage: npm run cli -- ${name} [options]`, "", spec.summary, ...(spec.details ? ["", spec.details] : []), "", "Options:", ...opts, "  --json".padEnd(31) + "print the result as JSON", "  --help".padEnd(31) + "show this help"].join("\n");
}

function resolve(positionals: string[]): { name: string; spec: CommandSpec } | undefined {
  for (let n = Math.min(3, positionals.length); n > 0; n--) {
    const name = positionals.slice(0, n).join(" ");
    if (SPECS[name]) return { name, spec: SPECS[name] };
  }
  return undefined;
}

async function viaSocket(socketPath: string, command: string, args: Record<string, unknown>): Promise<unknown> {
  const body = JSON.stringify({ command, args });
  const response = await new Promise<{ status: number; text: string }>((resolveResponse, reject) => {
    const req = http.request({ socketPath, path: "/run", method: "POST", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (text += c));
      res.on("end", () => resolveResponse({ status: res.statusCode ?? 500, text }));
    });
    req.on("error", reject);
    req.end(body);
  });
  const parsed = JSON.parse(response.text) as { ok: boolean; result?: unknown; error?: { code: string; message: string; errors?: { field: string; message: string }[] } };
  if (!parsed.ok) {
    const details = parsed.error?.errors?.map((e) => `\n  ${e.field}: ${e.message}`).join("") ?? "";
    throw new Error(`${parsed.error?.message ?? "the server refused the command"}${details}`);
  }
  return parsed.result;
}

// A server records its admin socket once its database is migrated and ready; another admin
// command holds the folder only while it runs. Either way, wait this long before giving up.
const HOLDER_WAIT_MS = 30_000;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Runs the command: directly on PostgreSQL; on the embedded database through the running server's
 * admin socket, or by opening the folder when no process holds it. A holder without a socket yet
 * (a server still starting, another admin command) is waited for.
 */
async function runOnDatabase(cfg: Config, name: string, args: Record<string, unknown>): Promise<unknown> {
  const deadline = Date.now() + HOLDER_WAIT_MS;
  let told = false;
  for (;;) {
    const holder = cfg.databaseUrl ? undefined : readLock(cfg.dataDir);
    if (holder?.adminSocket) return viaSocket(holder.adminSocket, name, args);
    if (holder) {
      const starting = holder.holder === "server";
      if (Date.now() > deadline) {
        throw new DataDirInUseError(
          cfg.dataDir,
          holder,
          starting
            ? "The server is still starting and not yet taking admin commands; try again once it is listening."
            : "Only one process may open it: try again when that admin command has finished.",
        );
      }
      if (!told) {
        process.stderr.write(starting ? `countersign: waiting for the server (process ${holder.pid}) to finish starting…\n` : `countersign: waiting for another admin command (process ${holder.pid}) to finish…\n`);
        told = true;
      }
      await sleep(200);
      continue;
    }
    const [{ loadRiskEngine }, { openDatabase }, { prepareDatabase }, { runAdminCommand }] = await Promise.all([
      import("../lib/risk"),
      import("../lib/db"),
      import("../lib/server/bootstrap"),
      import("../lib/admin/commands"),
    ]);
    let database: Database | undefined;
    try {
      await loadRiskEngine();
      database = await openDatabase(cfg, { migrate: true, holder: `cli ${name}` });
      await prepareDatabase(database.prisma, cfg);
      return await runAdminCommand({ prisma: database.prisma, config: cfg }, name, args);
    } catch (error) {
      // A server (or another command) took the folder between our look and our open: go again.
      if (error instanceof DataDirInUseError && Date.now() < deadline) continue;
      throw error;
    } finally {
      await database?.close();
    }
  }
}

async function run(argv: string[]): Promise<number> {
  // The command is the leading words before the first option.
  const firstOption = argv.findIndex((a) => a.startsWith("-"));
  const positionals = firstOption === -1 ? argv : argv.slice(0, firstOption);
  const globalParse = { values: { help: argv.includes("--help") || argv.includes("-h") } };
  const resolved = resolve(positionals);
  if (!resolved) {
    if (positionals.length === 0 || globalParse.values.help) {
      process.stdout.write(usage() + "\n");
      return positionals.length === 0 && !globalParse.values.help ? 2 : 0;
    }
    throw new UsageError(`Unknown command: ${positionals.join(" ")}\n\n${usage()}`);
  }
  const { name, spec } = resolved;
  const options: Record<string, { type: "string" | "boolean" }> = {
    "data-dir": { type: "string" },
    json: { type: "boolean" },
    help: { type: "boolean" },
  };
  for (const [opt, o] of Object.entries(spec.options)) options[opt] = { type: o.type };
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options, allowPositionals: true, strict: true }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${commandHelp(name, spec)}`);
  }
  if (values.help) {
    process.stdout.write(commandHelp(name, spec) + "\n");
    return 0;
  }
  const parsedPositionals = parseArgs({ args: argv, options, allowPositionals: true, strict: true }).positionals;
  const extra = parsedPositionals.slice(name.split(" ").length);
  if (extra.length) {
    // Not echoed: a stray argument here is most likely the secret itself.
    if (spec.secretFromStdin) throw new UsageError(`Unexpected argument. ${spec.secretFromStdin.missing}\n\n${commandHelp(name, spec)}`);
    throw new UsageError(`Unexpected argument: ${extra.join(" ")}\n\n${commandHelp(name, spec)}`);
  }
  for (const [opt, o] of Object.entries(spec.options)) {
    if (o.required && (values[opt] === undefined || values[opt] === "")) {
      throw new UsageError(`--${opt} is required.\n\n${commandHelp(name, spec)}`);
    }
  }

  const args: Record<string, unknown> = spec.toArgs ? spec.toArgs(values) : { ...values };
  if (spec.passwordFromStdin && !values["no-password"]) {
    const password = await readSecretFromStdin("Password: ");
    if (!password) throw new UsageError("Give the password on standard input (or --no-password for a sign-in-with-OIDC user).");
    args.password = password;
  }
  if (spec.secretFromStdin) {
    // An MCP server may need no secret at all: its environment lines can be empty.
    const secret = values.type === "mcp" ? (await readSecretFromStdin(spec.secretFromStdin.prompt)).replace(/\s+$/, "") : (await readSecretFromStdin(spec.secretFromStdin.prompt)).trim();
    if (!secret && values.type !== "mcp") throw new UsageError(spec.secretFromStdin.missing);
    args[spec.secretFromStdin.arg] = secret;
  }

  const { config, loadConfigWith, setConfig } = await import("../lib/env");
  if (typeof values["data-dir"] === "string") {
    setConfig(loadConfigWith({ COUNTERSIGN_DATA_DIR: values["data-dir"] }));
  }
  const cfg = config();
  const result = await runOnDatabase(cfg, name, args);
  const json = JSON.stringify(result, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2);
  process.stdout.write((values.json ? json : (await import("./render")).render(name, result)) + "\n");
  return spec.exitCode ? spec.exitCode(result) : 0;
}

run(process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch((error) => {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    if (isAppError(error)) {
      const details = error.errors?.map((e) => `\n  ${e.field}: ${e.message}`).join("") ?? "";
      process.stderr.write(`countersign: ${error.message}${details}\n`);
    } else {
      process.stderr.write(`countersign: ${(error as Error).message}\n`);
    }
    process.exit(1);
  });
