import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, statSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import type { AdminContext } from "../admin/commands";
import { startAdminSocket } from "./admin-socket";

describe("the admin socket", () => {
  // A folder anyone may enter, as the temp folder the socket falls back to is: only the socket's
  // own mode keeps other users out.
  const dir = mkdtempSync(path.join(os.tmpdir(), "cs-admin-"));
  const socketPath = path.join(dir, "admin.sock");
  let socket: { close(): Promise<void> };
  beforeAll(async () => {
    chmodSync(dir, 0o755);
    socket = await startAdminSocket({} as AdminContext, socketPath);
  });
  afterAll(async () => {
    await socket?.close();
  });

  it("is created owner-only and its owner can connect", async () => {
    expect(statSync(socketPath).mode & 0o777).toBe(0o600);
    await new Promise<void>((resolve, reject) => {
      const client = net.connect(socketPath, () => {
        client.end();
        resolve();
      });
      client.on("error", reject);
    });
  });

  // Switching to another user needs root, as CI runs; elsewhere the mode check above stands alone.
  it.runIf(process.getuid?.() === 0)("refuses another user's connection", () => {
    const probe = `require("net").connect(${JSON.stringify(socketPath)}).on("connect", () => { console.log("connected"); process.exit(0); }).on("error", (e) => { console.log(e.code); process.exit(0); })`;
    const result = spawnSync("runuser", ["-u", "nobody", "--", process.execPath, "-e", probe], { encoding: "utf8" });
    expect(result.stderr).toBe("");
    expect(result.stdout.trim()).toBe("EACCES");
  });
});
