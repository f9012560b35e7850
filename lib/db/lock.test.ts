import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DataDirInUseError, acquireDataDirLock, lockPath, readLock, updateLock } from "./lock";

const root = path.resolve(import.meta.dirname, "../..");
const tmp = () => mkdtempSync(path.join(os.tmpdir(), "cs-lock-"));

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(child.stdout);
}

function leftover(dataDir: string, pid: number, extra: Record<string, unknown> = {}) {
  writeFileSync(lockPath(dataDir), JSON.stringify({ pid, holder: "server", startedAt: "2026-01-01T00:00:00.000Z", token: "old", ...extra }));
}

describe("the data folder lock", () => {
  it("is held once: a second open in the same process is refused; release frees it", () => {
    const dir = tmp();
    const lock = acquireDataDirLock(dir, "first");
    expect(() => acquireDataDirLock(dir, "second")).toThrow(DataDirInUseError);
    expect(readLock(dir)).toMatchObject({ pid: process.pid, holder: "first" });
    lock.release();
    expect(existsSync(lockPath(dir))).toBe(false);
    acquireDataDirLock(dir, "again").release();
  });

  it("refuses while another live process holds it, naming that process", () => {
    const dir = tmp();
    const sleeper = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"]);
    try {
      leftover(dir, sleeper.pid!);
      expect(() => acquireDataDirLock(dir, "cli user add")).toThrow(new RegExp(`already open by process ${sleeper.pid} \\(server`));
      expect(JSON.parse(readFileSync(lockPath(dir), "utf8")).pid).toBe(sleeper.pid);
    } finally {
      sleeper.kill("SIGKILL");
    }
  });

  it("takes over a stale lock whose process is gone", () => {
    const dir = tmp();
    const pid = deadPid();
    leftover(dir, pid);
    expect(readLock(dir)).toBeUndefined();
    const lock = acquireDataDirLock(dir, "server");
    expect(JSON.parse(readFileSync(lockPath(dir), "utf8"))).toMatchObject({ pid: process.pid, holder: "server" });
    lock.release();
  });

  it("takes over a leftover bearing this process's own pid (a restart that got the same pid)", () => {
    const dir = tmp();
    leftover(dir, process.pid, { adminSocket: path.join(dir, "admin.sock") });
    expect(readLock(dir)).toBeUndefined();
    const lock = acquireDataDirLock(dir, "server");
    expect(readLock(dir)).toMatchObject({ pid: process.pid, holder: "server" });
    expect(readLock(dir)?.adminSocket).toBeUndefined();
    lock.release();
  });

  it("takes over an empty or garbled lock file", () => {
    const dir = tmp();
    writeFileSync(lockPath(dir), "");
    acquireDataDirLock(dir, "server").release();
    writeFileSync(lockPath(dir), "{not json");
    acquireDataDirLock(dir, "server").release();
  });

  it("records the admin socket in place, and only in its own lock", () => {
    const dir = tmp();
    const lock = acquireDataDirLock(dir, "server");
    updateLock(dir, { adminSocket: "/x/admin.sock" });
    expect(readLock(dir)).toMatchObject({ pid: process.pid, adminSocket: "/x/admin.sock" });
    lock.release();
    leftover(dir, process.pid);
    expect(() => updateLock(dir, { adminSocket: "/y" })).toThrow(/not ours/);
  });

  it.each([
    ["a free folder", (_dir: string) => {}],
    ["a stale lock", (dir: string) => leftover(dir, deadPid())],
  ])("of several processes racing for %s, exactly one wins", async (_name, prepare) => {
    const dir = tmp();
    prepare(dir);
    const startAt = Date.now() + 2500;
    const racers = Array.from({ length: 6 }, () =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ["--import", "tsx", path.join(root, "test/lock-racer.ts"), dir, String(startAt)], { cwd: root });
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (out += d));
        child.on("error", reject);
        child.on("exit", () => resolve(out.trim()));
      }),
    );
    const results = await Promise.all(racers);
    expect(results.filter((r) => r === "won")).toHaveLength(1);
    expect(results.filter((r) => r === "lost")).toHaveLength(5);
    // The winner released it on exit, and no temporary file was left behind.
    expect(readdirSync(dir)).toEqual([]);
  }, 30_000);
});
