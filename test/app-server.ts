// Runs Countersign's real server as a child process, for tests that go over HTTP.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

export function tempDataDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), "cs-"));
}

export interface AppServer {
  url: string;
  port: number;
  dataDir: string;
  env: Record<string, string>;
  logs: () => string;
  process: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** The environment a child process of the test gets: no inherited Countersign settings. */
export function cleanEnv(extra: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(COUNTERSIGN_|DATABASE_URL|AUTH_|SLACK_|PORT$|NODE_ENV$|VITEST)/.test(k)) env[k] = v;
  }
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  env.NEXT_TELEMETRY_DISABLED = "1";
  return env;
}

/** `port`: listen there (e.g. to restart on the address clients already use); default a free one. */
export async function startApp(options: { dataDir?: string; databaseUrl?: string; env?: Record<string, string>; port?: number } = {}): Promise<AppServer> {
  const port = options.port ?? (await freePort());
  const dataDir = options.dataDir ?? tempDataDir();
  const env = cleanEnv({
    PORT: String(port),
    COUNTERSIGN_DATA_DIR: dataDir,
    DATABASE_URL: options.databaseUrl,
    NODE_ENV: "production",
    AUTH_SECRET: options.databaseUrl ? "test-secret-for-shared-postgres-instances-0123456789" : undefined,
    LOG_LEVEL: "info",
    ...options.env,
  });
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", path.join(root, "server.ts")], {
    cwd: root,
    env: env as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d: Buffer) => (output += d));
  child.stderr!.on("data", (d: Buffer) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code: number | null) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  // Generous: a first start compiles server.ts and opens the database; a busy machine is slow at both.
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early (${child.exitCode}):\n${output}`);
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`server did not become healthy:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    port,
    dataDir,
    env,
    logs: () => output,
    process: child,
    async stop(signal = "SIGTERM") {
      if (child.exitCode !== null) return child.exitCode;
      child.kill(signal);
      return exited;
    },
  };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the admin CLI as a subprocess, as an operator would (`npm run cli` without npm's own start-up). */
export function runCli(args: string[], env: Record<string, string>, stdin?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, "scripts/cli.mjs"), ...args], { cwd: root, env: env as NodeJS.ProcessEnv, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? "");
  });
}
