// One process per embedded data folder: two PGlite instances on one folder silently lose writes.
// The lock is a file created exclusively; a stale one (its process gone) is taken over.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

export interface DataDirLock {
  path: string;
  release(): void;
}

export interface LockInfo {
  pid: number;
  holder: string;
  startedAt: string;
  adminSocket?: string;
}

export class DataDirInUseError extends Error {
  override name = "DataDirInUseError";
  constructor(
    readonly dataDir: string,
    readonly info: LockInfo,
  ) {
    super(
      `The embedded database in ${dataDir} is already open by process ${info.pid} (${info.holder}, since ${info.startedAt}). ` +
        `Only one process may open it: stop that process, or use the admin CLI, which talks to a running server.`,
    );
  }
}

export function lockPath(dataDir: string): string {
  return path.join(dataDir, "countersign.lock");
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The live holder of the folder's lock, if any. */
export function readLock(dataDir: string): LockInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(lockPath(dataDir), "utf8")) as LockInfo;
    return alive(info.pid) ? info : undefined;
  } catch {
    return undefined;
  }
}

export function acquireDataDirLock(dataDir: string, holder: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = lockPath(dataDir);
  const info: LockInfo = { pid: process.pid, holder, startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, JSON.stringify(info), { flag: "wx", mode: 0o600 });
      let released = false;
      return {
        path: file,
        release() {
          if (released) return;
          released = true;
          try {
            const current = JSON.parse(readFileSync(file, "utf8")) as LockInfo;
            if (current.pid === process.pid) rmSync(file, { force: true });
          } catch {
            // Already gone.
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const current = readLock(dataDir);
      if (current && current.pid !== process.pid) throw new DataDirInUseError(dataDir, current);
      if (current && current.pid === process.pid) {
        throw new DataDirInUseError(dataDir, current);
      }
      rmSync(file, { force: true }); // stale: its process is gone
    }
  }
  throw new Error(`Could not lock ${dataDir}`);
}

/** Records extra facts (the admin socket) in a lock this process holds. */
export function updateLock(dataDir: string, extra: Partial<LockInfo>): void {
  const file = lockPath(dataDir);
  const current = JSON.parse(readFileSync(file, "utf8")) as LockInfo;
  if (current.pid !== process.pid) throw new Error("lock is not ours");
  writeFileSync(file, JSON.stringify({ ...current, ...extra }), { mode: 0o600 });
}
