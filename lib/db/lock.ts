// One process per embedded data folder: two PGlite instances on one folder silently lose writes.
// The lock file is published whole and atomically (written to a temporary file, then hard-linked
// into place, which fails if a lock exists), so no reader ever sees a half-written lock. A stale
// lock (its process gone, or bearing this process's pid but not held by it: a restart that got
// the same pid) is removed only under a short-lived takeover mutex, after checking again that it
// is still the same stale file, so two processes can never both take it over.
import { linkSync, mkdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";

export interface DataDirLock {
  path: string;
  release(): void;
}

export interface LockInfo {
  pid: number;
  holder: string;
  startedAt: string;
  /** Unique to one acquisition: tells this process's lock from a leftover with the same pid. */
  token?: string;
  adminSocket?: string;
}

export class DataDirInUseError extends Error {
  override name = "DataDirInUseError";
  constructor(
    readonly dataDir: string,
    readonly info: LockInfo,
    hint = defaultHint(info),
  ) {
    super(`The embedded database in ${dataDir} is already open by process ${info.pid} (${info.holder}, since ${info.startedAt}). ${hint}`);
  }
}

function defaultHint(info: LockInfo): string {
  if (info.holder.startsWith("cli")) return "Only one process may open it: wait for that admin command to finish.";
  return "Only one process may open it: stop that process first. Admin commands (`npm run cli -- …`) work while a server runs: they go through the server.";
}

export function lockPath(dataDir: string): string {
  return path.join(dataDir, "countersign.lock");
}

// Locks this process holds, by path and token (shared through globalThis like the database).
const held = ((globalThis as unknown as { __countersignLocks?: Map<string, string> }).__countersignLocks ??= new Map());

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Whether the process named in a lock still holds it. */
function live(file: string, info: LockInfo): boolean {
  if (info.pid === process.pid) return held.get(file) === info.token;
  return alive(info.pid);
}

function readLockFile(file: string): { raw: string; info: LockInfo | undefined } | undefined {
  let raw: string;
  try {
    raw = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    const info = JSON.parse(raw) as LockInfo;
    return { raw, info: typeof info?.pid === "number" ? info : undefined };
  } catch {
    return { raw, info: undefined };
  }
}

/** The live holder of the folder's lock, if any. */
export function readLock(dataDir: string): LockInfo | undefined {
  const file = lockPath(dataDir);
  const current = readLockFile(file);
  return current?.info && live(file, current.info) ? current.info : undefined;
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Writes `content` to a fresh temporary file beside `file`; returns its path. */
function writeTemp(file: string, content: string): string {
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  writeFileSync(tmp, content, { flag: "wx", mode: 0o600 });
  return tmp;
}

// A takeover mutex left by a process that died inside it (it is held for microseconds).
const TAKEOVER_STALE_MS = 5_000;

/** Removes the lock file if it is still exactly `stale`. Returns false if another process is busy taking over. */
function removeStale(file: string, stale: string): boolean {
  const mutex = `${file}.takeover`;
  try {
    mkdirSync(mutex, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    try {
      if (Date.now() - statSync(mutex).mtimeMs > TAKEOVER_STALE_MS) rmdirSync(mutex);
    } catch {
      // Gone already.
    }
    return false;
  }
  try {
    if (readLockFile(file)?.raw === stale) rmSync(file, { force: true });
  } finally {
    rmdirSync(mutex);
  }
  return true;
}

export function acquireDataDirLock(dataDir: string, holder: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = lockPath(dataDir);
  const token = randomBytes(12).toString("hex");
  const info: LockInfo = { pid: process.pid, holder, startedAt: new Date().toISOString(), token };
  const deadline = Date.now() + 2_000;
  for (;;) {
    const tmp = writeTemp(file, JSON.stringify(info));
    try {
      linkSync(tmp, file);
      // Confirm what is published is ours before relying on it.
      if (readLockFile(file)?.info?.token !== token) throw new Error(`Could not lock ${dataDir}: the lock file changed under us`);
      held.set(file, token);
      return { path: file, release: () => releaseLock(file, token) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    } finally {
      rmSync(tmp, { force: true });
    }
    const current = readLockFile(file);
    if (current?.info && live(file, current.info)) throw new DataDirInUseError(dataDir, current.info);
    // Stale (its process is gone), or unreadable: take it over, unless someone else is doing so.
    if (current && !removeStale(file, current.raw)) {
      if (Date.now() > deadline) throw new Error(`Could not lock ${dataDir}: another process keeps taking over its stale lock`);
      sleep(10);
    }
  }
}

function releaseLock(file: string, token: string): void {
  if (held.get(file) !== token) return;
  held.delete(file);
  if (readLockFile(file)?.info?.token === token) rmSync(file, { force: true });
}

/** Records extra facts (the admin socket) in a lock this process holds, replacing the file atomically. */
export function updateLock(dataDir: string, extra: Partial<LockInfo>): void {
  const file = lockPath(dataDir);
  const current = readLockFile(file)?.info;
  if (!current || current.pid !== process.pid || held.get(file) !== current.token) throw new Error("lock is not ours");
  const tmp = writeTemp(file, JSON.stringify({ ...current, ...extra, token: current.token }));
  renameSync(tmp, file);
}
