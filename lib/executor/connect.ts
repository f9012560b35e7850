// Connections to a resource. Errors are rewritten so that neither the connection URL nor its
// password can reach a response, log line or audit row through an error message.
import pg from "pg";
// The standalone client's SQL executor scrubs messages the same way: one implementation serves both.
import { scrubConnectionSecrets } from "../../client/sql-executor";

export class ResourceConnectionError extends Error {
  override name = "ResourceConnectionError";
}

/** Removes the URL, its password and its user:password pair from a message. */
export const scrubSecret = scrubConnectionSecrets;

export async function connect(connectionUrl: string, applicationName: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: connectionUrl, application_name: applicationName, connectionTimeoutMillis: 10_000 });
  // An idle client's socket error must not crash the process.
  client.on("error", () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    const code = (error as { code?: string }).code;
    throw new ResourceConnectionError(
      `Could not connect to the resource${code ? ` (${code})` : ""}: ${scrubSecret(error instanceof Error ? error.message : String(error), connectionUrl)}`,
    );
  }
  return client;
}
