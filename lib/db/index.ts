// Opens Countersign's database: PostgreSQL when DATABASE_URL is set, otherwise the embedded
// PGlite in the data folder. One Database per process, shared through globalThis so that the
// custom server, Next.js route bundles and the CLI all use the same connection.
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/client";
import type { Config } from "../env";
import { config } from "../env";
import { applyMigrations, grantAppRole, type SqlRunner } from "./migrate";
import { acquireDataDirLock, type DataDirLock } from "./lock";
import { log } from "../log";
import { AppError } from "../errors";
import { pgliteSql, poolSql, rawSql as rawSqlOf, registerRawSql, type RawSql } from "./raw";

export type { PrismaClient };
export type { RawSql, RawTx } from "./raw";

/** Interactive transaction limits: generous waits, since audited writes queue on one lock. */
export const TX_OPTIONS = { maxWait: 15_000, timeout: 30_000 } as const;
export type Tx = Omit<PrismaClient, "$connect" | "$disconnect" | "$on" | "$transaction" | "$extends">;

export interface Database {
  kind: "postgres" | "embedded";
  prisma: PrismaClient;
  /** A plain SQL runner on its own connection (migrations, maintenance). */
  withSql<T>(fn: (sql: SqlRunner) => Promise<T>): Promise<T>;
  /**
   * Subscribes to NOTIFY on a channel. On PostgreSQL this holds one dedicated connection per
   * channel and process, reconnecting after failures (`onReconnect` lets the caller re-read what
   * it may have missed); on the embedded database it is PGlite's in-process notification.
   */
  listen(channel: string, onMessage: (payload: string) => void, onReconnect?: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
  /** Embedded only: a dump of the data folder. */
  dump?: () => Promise<Blob | File>;
}

export interface OpenOptions {
  /** Apply pending migrations (the server, the CLI and tests do). */
  migrate?: boolean;
  /**
   * PostgreSQL: migrate through this URL (a role that owns the schema) instead of the app's own,
   * then grant the app's role what it needs, and on audit_events only SELECT and INSERT.
   */
  migrationUrl?: string;
  /** For an embedded database: who is opening it, for the lock's error message. */
  holder?: string;
  /** For an in-memory embedded database: start from this dump (tests reuse a migrated one). */
  loadDataDir?: Blob;
  /**
   * For an embedded database: PostgreSQL's shared_buffers (default 128MB). PGlite zeroes them at
   * every start, a third of an in-memory database's start-up; the tests' small databases need few.
   */
  sharedBuffers?: string;
}

export async function openPostgres(url: string, options: OpenOptions = {}): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 10, application_name: "countersign" });
  pool.on("error", (err) => log.warn("database pool error", { err }));
  const withSql: Database["withSql"] = async (fn) => {
    const client = await pool.connect();
    try {
      return await fn({
        exec: async (sql) => void (await client.query(sql)),
        query: async (sql, params) => (await client.query(sql, params as unknown[])).rows,
      });
    } finally {
      client.release();
    }
  };
  if (options.migrate && options.migrationUrl) {
    const [{ role }] = await withSql((sql) => sql.query<{ role: string }>(`SELECT current_user AS role`));
    await migrateAs(options.migrationUrl, role);
  } else if (options.migrate) {
    await withSql((sql) => applyMigrations(sql));
  }
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  registerRawSql(prisma, poolSql(pool, pg.types, { prepare: !behindTransactionPooler(url) }));
  return {
    kind: "postgres",
    prisma,
    withSql,
    listen: (channel, onMessage, onReconnect) => listenPostgres(url, channel, onMessage, onReconnect),
    close: async () => {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

/**
 * `?pgbouncer=true` on DATABASE_URL (Prisma's own convention) says a pooler in transaction mode
 * stands between Countersign and PostgreSQL: statements are then never prepared by name.
 */
function behindTransactionPooler(url: string): boolean {
  try {
    return new URL(url).searchParams.get("pgbouncer") === "true";
  } catch {
    return false;
  }
}

/** Applies migrations as the owning role, then grants `appRole` its privileges. */
async function migrateAs(migrationUrl: string, appRole: string): Promise<void> {
  const client = new pg.Client({ connectionString: migrationUrl, application_name: "countersign-migrate" });
  await client.connect();
  try {
    const sql: SqlRunner = {
      exec: async (text) => void (await client.query(text)),
      query: async (text, params) => (await client.query(text, params as unknown[])).rows,
    };
    await applyMigrations(sql);
    const [{ owner }] = await sql.query<{ owner: string }>(`SELECT current_user AS owner`);
    if (owner !== appRole) await grantAppRole(sql, appRole);
    // The split only protects the audit log if the app's role cannot act as the table's owner.
    const [app] = await sql.query<{ superuser: boolean; owner: boolean }>(
      `SELECT r.rolsuper AS superuser, pg_has_role($1, t.tableowner, 'USAGE') AS owner
         FROM pg_roles r, pg_tables t WHERE r.rolname = $1 AND t.tablename = 'audit_events' AND t.schemaname = current_schema()`,
      [appRole],
    );
    if (app && (app.superuser || app.owner)) {
      log.warn("DATABASE_URL's role can switch off the audit log's append-only guard: give the app a role that is not a superuser and does not own the tables", {
        role: appRole,
        superuser: app.superuser,
        owner: app.owner,
      });
    }
  } finally {
    await client.end();
  }
}

/** Backoff between LISTEN reconnect attempts: quick at first, then at most every few seconds. */
export const LISTEN_RETRY_MS = { first: 250, max: 4_000 } as const;

async function listenPostgres(
  url: string,
  channel: string,
  onMessage: (payload: string) => void,
  onReconnect?: () => void,
): Promise<() => Promise<void>> {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`invalid channel ${channel}`);
  let client: pg.Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  let delay: number = LISTEN_RETRY_MS.first;
  const connect = async (isReconnect: boolean): Promise<void> => {
    // Keep-alive probes notice a peer that vanished without closing the connection.
    const c = new pg.Client({ connectionString: url, application_name: "countersign-listen", keepAlive: true });
    let lost = false;
    // A terminated backend (57P01), a restarting server or a reset socket shows up as "error",
    // "end" or both: whichever comes first schedules one reconnect.
    const onLost = (err?: unknown) => {
      if (lost) return;
      lost = true;
      if (client === c) client = undefined;
      if (stopped) return;
      log.warn("LISTEN connection lost; reconnecting", { channel, err });
      c.end().catch(() => {});
      schedule();
    };
    c.on("notification", (msg) => msg.channel === channel && onMessage(msg.payload ?? ""));
    c.on("error", onLost);
    c.on("end", () => onLost());
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
    } catch (error) {
      lost = true;
      c.end().catch(() => {});
      throw error;
    }
    if (stopped) {
      await c.end();
      return;
    }
    client = c;
    delay = LISTEN_RETRY_MS.first;
    if (isReconnect) {
      log.info("LISTEN connection re-established", { channel });
      // Whatever was decided while nobody listened: the caller re-reads it now.
      onReconnect?.();
    }
  };
  const schedule = () => {
    if (stopped || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      connect(true).catch((err) => {
        log.warn("LISTEN reconnect failed", { channel, err, retryMs: delay });
        schedule();
      });
    }, delay);
    delay = Math.min(delay * 2, LISTEN_RETRY_MS.max);
    retry.unref();
  };
  await connect(false);
  return async () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    await client?.end().catch(() => {});
  };
}

/** Opens a PGlite database. `dataDir` undefined means in memory (tests). */
export async function openEmbedded(dataDir: string | undefined, options: OpenOptions = {}): Promise<Database> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { PrismaPGlite } = await import("pglite-prisma-adapter");
  let lock: DataDirLock | undefined;
  if (dataDir) lock = acquireDataDirLock(dataDir, options.holder ?? "countersign");
  try {
    const startParams = options.sharedBuffers ? [...PGlite.defaultStartParams, "-c", `shared_buffers=${options.sharedBuffers}`] : undefined;
    const db = dataDir
      ? await PGlite.create(`${dataDir}/pgdata`, { startParams })
      : await PGlite.create({ loadDataDir: options.loadDataDir, startParams });
    const runner: SqlRunner = {
      exec: async (sql) => void (await db.exec(sql)),
      query: async (sql, params) => (await db.query(sql, params as unknown[])).rows as never,
    };
    if (options.migrate) await applyMigrations(runner);
    const prisma = new PrismaClient({ adapter: new PrismaPGlite(db) });
    registerRawSql(prisma, pgliteSql(db));
    return {
      kind: "embedded",
      prisma,
      dump: () => db.dumpDataDir("gzip"),
      withSql: (fn) => fn(runner),
      listen: async (channel, onMessage) => {
        const unsubscribe = await db.listen(channel, onMessage);
        return async () => unsubscribe();
      },
      close: async () => {
        await prisma.$disconnect();
        await db.close();
        lock?.release();
      },
    };
  } catch (error) {
    lock?.release();
    throw error;
  }
}

export async function openDatabase(cfg: Config = config(), options: OpenOptions = {}): Promise<Database> {
  return cfg.databaseUrl
    ? openPostgres(cfg.databaseUrl, { migrationUrl: cfg.databaseMigrationUrl, ...options })
    : openEmbedded(cfg.dataDir, options);
}

const holder = globalThis as unknown as { __countersignDb?: Promise<Database>; __countersignDbShutDown?: boolean };

/** The process's database, opened (and migrated) on first use; never again after shutDownDatabase(). */
export function database(): Promise<Database> {
  if (holder.__countersignDbShutDown) {
    return Promise.reject(new AppError("unavailable", "Countersign is shutting down; try again in a moment."));
  }
  holder.__countersignDb ??= openDatabase(config(), { migrate: true, holder: "server" }).catch((error) => {
    holder.__countersignDb = undefined;
    throw error;
  });
  return holder.__countersignDb;
}

/** Raw SQL and transactions on the bare driver of the database behind `prisma` (lib/db/raw.ts). */
export function rawSql(prisma: PrismaClient): RawSql {
  return rawSqlOf(prisma, TX_OPTIONS);
}

export async function db(): Promise<PrismaClient> {
  return (await database()).prisma;
}

/** Installs an already-open database as the process's (tests, CLI). */
export function useDatabase(value: Database | undefined): void {
  holder.__countersignDb = value ? Promise.resolve(value) : undefined;
}

/**
 * The server's last word on its database: closes it, and from then on database() refuses rather
 * than reopening it (on the embedded database that would take the folder's lock again).
 */
export async function shutDownDatabase(): Promise<void> {
  holder.__countersignDbShutDown = true;
  await closeDatabase();
}

export async function closeDatabase(): Promise<void> {
  const current = holder.__countersignDb;
  holder.__countersignDb = undefined;
  if (current) await (await current).close();
}
