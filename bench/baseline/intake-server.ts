// The baseline for bench/intake.ts: the least a server can do and still take an agent's request
// the way Countersign must — node:http and a pg Pool(10), and per request: parse the JSON, look
// the key up by its SHA-256 hash, digest the operation (RFC 8785 + SHA-256), then in one
// transaction insert the request and a hash-chained audit row (advisory lock, read the last hash,
// insert). No risk parse, no policy, no grant: those are what Countersign adds, and what the
// ratio prices. It keeps its own tables in its own database.
//   node --import tsx bench/baseline/intake-server.ts postgresql://…/database  → prints {"port":…}
import http from "node:http";
import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import pg from "pg";

const AUDIT_LOCK_KEY = 8_785;
const GENESIS_HASH = "0".repeat(64);
const MAX_BODY = 1024 * 1024;

/** Creates the baseline's tables and stores these keys (by hash), one agent each. */
export async function prepareBaselineDatabase(url: string, keys: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`
      CREATE TABLE agent_keys (secret_hash text PRIMARY KEY, agent_id uuid NOT NULL DEFAULT gen_random_uuid());
      CREATE TABLE requests (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        agent_id uuid NOT NULL,
        status text NOT NULL,
        environment text NOT NULL,
        resource text NOT NULL,
        kind text NOT NULL,
        operation jsonb NOT NULL,
        operation_digest text NOT NULL,
        summary text NOT NULL,
        context jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      );
      CREATE TABLE audit_events (
        seq bigint PRIMARY KEY,
        at timestamptz NOT NULL,
        type text NOT NULL,
        actor_id uuid,
        subject_id uuid,
        data jsonb NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL
      );`);
    for (const key of keys) await client.query(`INSERT INTO agent_keys (secret_hash) VALUES ($1)`, [sha256Hex(key)]);
  } finally {
    await client.end();
  }
}

function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, "body too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

async function createRequest(pool: pg.Pool, req: http.IncomingMessage): Promise<unknown> {
  const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
  if (!token) throw new HttpError(401, "no key");
  let body: { operation?: { kind?: unknown; target?: { environment?: unknown; resource?: unknown } }; summary?: unknown; context?: unknown; ttlSeconds?: unknown };
  try {
    body = JSON.parse(await readBody(req));
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw new HttpError(400, "not JSON");
  }
  const operation = body.operation;
  const environment = operation?.target?.environment;
  const resource = operation?.target?.resource;
  if (typeof operation?.kind !== "string" || typeof environment !== "string" || typeof resource !== "string") throw new HttpError(422, "operation");
  const ttlSeconds = typeof body.ttlSeconds === "number" ? body.ttlSeconds : 900;

  const keys = await pool.query<{ agent_id: string }>(`SELECT agent_id FROM agent_keys WHERE secret_hash = $1`, [sha256Hex(token)]);
  if (keys.rowCount !== 1) throw new HttpError(401, "unknown key");
  const agentId = keys.rows[0]!.agent_id;
  const operationDigest = `sha256:${createHash("sha256").update(canonicalize(operation)!, "utf8").digest("base64url")}`;

  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const inserted = await client.query<{ id: string; created_at: Date; expires_at: Date }>(
      `INSERT INTO requests (agent_id, status, environment, resource, kind, operation, operation_digest, summary, context, expires_at)
       VALUES ($1, 'pending', $2, $3, $4, $5, $6, $7, $8, now() + make_interval(secs => $9))
       RETURNING id, created_at, expires_at`,
      [agentId, environment, resource, operation.kind, operation, operationDigest, typeof body.summary === "string" ? body.summary : "", body.context ?? null, ttlSeconds],
    );
    const request = inserted.rows[0]!;
    await client.query(`SELECT pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`);
    const last = await client.query<{ seq: string; hash: string }>(`SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1`);
    const row = {
      seq: String(BigInt(last.rows[0]?.seq ?? 0) + 1n),
      at: request.created_at.toISOString(),
      type: "request.created",
      actorId: agentId,
      subjectId: request.id,
      data: { environment, resource, kind: operation.kind, operationDigest },
    };
    const prevHash = last.rows[0]?.hash ?? GENESIS_HASH;
    const hash = sha256Hex(prevHash + canonicalize(row));
    await client.query(`INSERT INTO audit_events (seq, at, type, actor_id, subject_id, data, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [
      row.seq,
      row.at,
      row.type,
      row.actorId,
      row.subjectId,
      row.data,
      prevHash,
      hash,
    ]);
    await client.query("COMMIT");
    return { id: request.id, status: "pending", operationDigest, expiresAt: request.expires_at.toISOString() };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

export async function startBaselineServer(databaseUrl: string, port = 0): Promise<{ port: number; close(): Promise<void> }> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10, application_name: "baseline" });
  const server = http.createServer((req, res) => {
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method !== "POST" || req.url !== "/api/v1/requests") return answer(404, { title: "not found" });
    createRequest(pool, req).then(
      (created) => answer(201, created),
      (error) => answer(error instanceof HttpError ? error.status : 500, { title: error instanceof HttpError ? error.message : "internal error" }),
    );
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await pool.end();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const databaseUrl = process.argv[2];
  if (!databaseUrl) throw new Error("usage: intake-server.ts postgresql://…/database");
  const server = await startBaselineServer(databaseUrl);
  process.stdout.write(JSON.stringify({ port: server.port }) + "\n");
  process.on("SIGTERM", () => void server.close().then(() => process.exit(0)));
}
