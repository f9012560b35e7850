// The admin socket: a Unix socket in the embedded data folder (owner-only) through which the CLI
// asks a running server to run admin commands, so the embedded database is never opened twice.
import http from "node:http";
import { rmSync } from "node:fs";
import path from "node:path";
import { createHash } from "node:crypto";
import os from "node:os";
import type { AdminContext } from "../admin/commands";
import { runAdminCommand } from "../admin/commands";
import { isAppError } from "../errors";
import { log } from "../log";

const MAX_BODY = 1024 * 1024;
// Unix socket paths are limited to ~107 bytes; fall back to the temp folder for deep data folders.
const MAX_SOCKET_PATH = 100;

export function adminSocketPath(dataDir: string): string {
  const preferred = path.join(dataDir, "admin.sock");
  if (preferred.length <= MAX_SOCKET_PATH) return preferred;
  const digest = createHash("sha256").update(dataDir).digest("hex").slice(0, 16);
  return path.join(os.tmpdir(), `countersign-${digest}.sock`);
}

export async function startAdminSocket(ctx: AdminContext, socketPath: string): Promise<{ close(): Promise<void> }> {
  rmSync(socketPath, { force: true });
  const server = http.createServer(async (req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
    };
    if (req.method !== "POST" || req.url !== "/run") return reply(404, { ok: false, error: { code: "not_found", message: "POST /run" } });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY) return reply(413, { ok: false, error: { code: "payload_too_large", message: "too large" } });
      chunks.push(chunk as Buffer);
    }
    let command: string;
    let args: Record<string, unknown>;
    try {
      ({ command, args } = JSON.parse(Buffer.concat(chunks).toString("utf8")));
    } catch {
      return reply(400, { ok: false, error: { code: "bad_request", message: "invalid JSON" } });
    }
    try {
      const result = await runAdminCommand(ctx, command, args ?? {});
      log.info("admin command", { command });
      reply(200, { ok: true, result });
    } catch (error) {
      if (isAppError(error)) {
        reply(error.status, { ok: false, error: { code: error.code, message: error.message, errors: error.errors } });
      } else {
        log.error("admin command failed", { command, err: error });
        reply(500, { ok: false, error: { code: "internal", message: (error as Error).message } });
      }
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    // Owner-only from the moment it exists: the socket file is created by the bind inside listen(),
    // with this umask, rather than made private afterwards (a window in which anyone could connect,
    // e.g. in the shared temp folder). listen() binds synchronously, so the umask is restored at once.
    const umask = process.umask(0o177);
    try {
      server.listen(socketPath, () => resolve());
    } finally {
      process.umask(umask);
    }
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          rmSync(socketPath, { force: true });
          resolve();
        });
      }),
  };
}
