// Countersign's PostgreSQL wire-protocol proxy: any PostgreSQL client connects with the agent's
// key as its password and a registered resource's name as its database, and every statement it
// sends becomes a Countersign request, run once on the resource when policy or people allow it.
import net from "node:net";
import { readFileSync } from "node:fs";
import type { Database } from "../../db";
import type { Config, PgProxyConfig } from "../../env";
import { log } from "../../log";
import { RateLimiter } from "../../http/rate-limit";
import { PgSession, type ProxyContext } from "./session";

export interface PgProxy {
  host: string;
  port: number;
  close(): Promise<void>;
}

/** The same per-key budget as the HTTP API's (lib/http/with-agent.ts). */
const STATEMENTS_PER_KEY_PER_MINUTE = 600;
const SHUTDOWN_GRACE_MS = 5_000;

export class PgProxyStartError extends Error {
  override name = "PgProxyStartError";
}

function readTls(paths: PgProxyConfig["tls"]) {
  if (!paths) return undefined;
  try {
    return { cert: readFileSync(paths.certPath), key: readFileSync(paths.keyPath) };
  } catch (error) {
    throw new PgProxyStartError(`Could not read the PostgreSQL proxy's TLS certificate or key (${(error as NodeJS.ErrnoException).code ?? "error"}): check COUNTERSIGN_PG_PROXY_TLS_CERT and COUNTERSIGN_PG_PROXY_TLS_KEY.`);
  }
}

/** Listens on proxy.host:proxy.port (port 0: any free port, reported back). */
export async function startPgProxy(database: Database, cfg: Config, proxy: PgProxyConfig): Promise<PgProxy> {
  const ctx: ProxyContext = {
    database,
    cfg,
    proxy,
    tls: readTls(proxy.tls),
    sessions: new Map(),
    perKey: new RateLimiter(STATEMENTS_PER_KEY_PER_MINUTE, 60_000),
  };
  // Sessions not yet authenticated are not in ctx.sessions; shutdown reaches them through this set.
  const open = new Set<PgSession>();
  const server = net.createServer((socket) => {
    const session = new PgSession(socket, ctx);
    open.add(session);
    socket.once("close", () => open.delete(session));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(new PgProxyStartError(`The PostgreSQL proxy could not listen on ${proxy.host}:${proxy.port} (${error.code ?? error.message}).`)),
    );
    server.listen(proxy.port, proxy.host, () => resolve());
  });
  const address = server.address() as net.AddressInfo;
  log.info("pg proxy listening", { host: address.address, port: address.port, tls: Boolean(ctx.tls) });
  return {
    host: address.address,
    port: address.port,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // A statement being run is given a few seconds to finish; a waiting one is withdrawn.
      const finished = Promise.all([...open].map((session) => session.terminate()));
      await Promise.race([finished, new Promise((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS).unref())]);
      await closed;
    },
  };
}
