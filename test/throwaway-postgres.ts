// A PostgreSQL server of the test's own, in a temporary folder, that the test may stop, restart
// and kill without touching anyone else's database. PostgreSQL refuses to run as root, so under
// root (as in CI) its programs run as the unprivileged `nobody`.
import { execFile } from "node:child_process";
import { chownSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { freePort } from "./app-server";

const run = promisify(execFile);

export interface ThrowawayPostgres {
  /** postgresql://postgres@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  start(): Promise<void>;
  /** `fast` ends sessions and shuts down cleanly (as a restart does); `immediate` is a crash. */
  stop(mode?: "fast" | "immediate"): Promise<void>;
  /** Stops, then deletes the folder. */
  destroy(): Promise<void>;
}

export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(path.join(os.tmpdir(), "cs-pg-"));
  const data = path.join(dir, "data");
  if (asRoot) {
    const { stdout } = await run("id", ["-u", "nobody"]);
    const { stdout: gid } = await run("id", ["-g", "nobody"]);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  // No stdin (CI): every program gets /dev/null and never prompts.
  const pg = (program: string, args: string[]) =>
    asRoot ? run("runuser", ["-u", "nobody", "--", program, ...args], { cwd: dir }) : run(program, args, { cwd: dir });
  await pg("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"]);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`;
  let running = false;
  const server: ThrowawayPostgres = {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    port,
    async start() {
      await pg("pg_ctl", ["-D", data, "-o", options, "-l", path.join(dir, "server.log"), "-w", "-t", "60", "start"]);
      running = true;
    },
    async stop(mode = "fast") {
      if (!running) return;
      await pg("pg_ctl", ["-D", data, "-m", mode, "-w", "-t", "60", "stop"]);
      running = false;
    },
    async destroy() {
      await server.stop("immediate").catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await server.start();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return server;
}
