// Connections to a resource. A failure is reported as a code only ("could not connect to the
// resource (ENOTFOUND)"): the driver's messages name the host, the user and the database, and
// they would reach responses, log lines and audit rows.
import pg from "pg";
// The standalone client's SQL executor scrubs messages the same way: one implementation serves both.
import { connectionFailureCode, scrubConnectionSecrets } from "../../client/sql-executor";

export class ResourceConnectionError extends Error {
  override name = "ResourceConnectionError";
  constructor(readonly code: string) {
    super(`Could not connect to the resource (${code}).`);
  }
}

/** Removes the URL and every part of it (password, user, host, port, database) from a message. */
export const scrubSecret = scrubConnectionSecrets;

export const CONNECT_TIMEOUT_MS = 10_000;

export async function connect(connectionUrl: string, applicationName: string, options: { timeoutMs?: number } = {}): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: connectionUrl,
    application_name: applicationName,
    connectionTimeoutMillis: Math.max(100, Math.floor(options.timeoutMs ?? CONNECT_TIMEOUT_MS)),
  });
  // An idle client's socket error must not crash the process.
  client.on("error", () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new ResourceConnectionError(connectionFailureCode(error));
  }
  return client;
}
