// Raw SQL on the bare driver, for the agent API's hot path. Prisma's client spends about a
// millisecond of CPU on each statement it sends, even a raw one, against a tenth of that for the
// same statement on node-postgres or PGlite directly: a request's creation, its agent's key lookup
// and its reads send theirs here instead. Helpers written against `RawTx` take either a Prisma
// transaction or a bare one, so the SQL they send is written once.
import { createHash } from "node:crypto";
import type pg from "pg";
import type { PGlite, Transaction as PGliteTransaction } from "@electric-sql/pglite";
import type { PrismaClient } from "./generated/client";

/**
 * The raw-SQL half of a Prisma transaction: a Prisma `Tx` is one, and so is a bare transaction.
 * Results come back as Prisma's raw queries return them: int8 as bigint, timestamps as Date, JSON
 * parsed.
 */
export interface RawTx {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
}

/** Raw SQL outside a transaction (each statement on its own), and bare transactions. */
export interface RawSql extends RawTx {
  /** BEGIN, `fn`, COMMIT on one connection; ROLLBACK and rethrow when `fn` throws. */
  transaction<T>(fn: (tx: RawTx) => Promise<T>): Promise<T>;
}

const INT8 = 20;
const TIMESTAMP = 1114;

/** How many distinct statements each connection keeps prepared, at most; later ones are sent unnamed. */
const MAX_PREPARED = 200;

/**
 * Over a node-postgres pool (the server's own, shared with Prisma's adapter). Statements are
 * prepared once per connection and then only bound and executed, which halved PostgreSQL's CPU
 * for a request's creation; the first MAX_PREPARED distinct texts are, so a statement built with a
 * varying number of values cannot fill the server's memory. `prepare: false` for a pooler that
 * cannot keep a prepared statement on one connection (PgBouncer in transaction mode).
 */
export function poolSql(pool: pg.Pool, pgTypes: typeof pg.types, options: { prepare?: boolean } = {}): RawSql {
  // Per query, so the pool's other users (Prisma's adapter parses for itself) are left alone.
  const types = {
    getTypeParser: (oid: number, format?: "text" | "binary") => {
      if (oid === INT8) return (value: string) => BigInt(value);
      // Prisma stores UTC in timestamp columns without a zone.
      if (oid === TIMESTAMP) return (value: string) => new Date(`${value.replace(" ", "T")}Z`);
      return pgTypes.getTypeParser(oid, format as "text");
    },
  } as pg.CustomTypesConfig;
  // A name from the text's digest: one text, one name, on every connection.
  const names = new Map<string, string>();
  const nameOf = (text: string): string | undefined => {
    if (options.prepare === false) return undefined;
    let name = names.get(text);
    if (name === undefined && names.size < MAX_PREPARED) {
      names.set(text, (name = `countersign_${createHash("sha256").update(text).digest("hex").slice(0, 32)}`));
    }
    return name;
  };
  const on = (client: pg.Pool | pg.PoolClient): RawTx => ({
    $queryRawUnsafe: async <T>(text: string, ...values: unknown[]) => (await client.query({ name: nameOf(text), text, values, types })).rows as T,
    $executeRawUnsafe: async (text: string, ...values: unknown[]) =>
      (await client.query({ name: nameOf(text), text, values, types })).rowCount ?? 0,
  });
  return {
    ...on(pool),
    transaction: async (fn) => {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query("BEGIN");
        try {
          const result = await fn(on(client));
          await client.query("COMMIT");
          return result;
        } catch (error) {
          // A connection that cannot roll back is closed rather than handed to the next caller.
          await client.query("ROLLBACK").catch((rollbackError: Error) => (broken = rollbackError));
          throw error;
        }
      } finally {
        client.release(broken);
      }
    },
  };
}

const PGLITE_PARSERS = { [INT8]: (value: string) => BigInt(value), [TIMESTAMP]: (value: string) => new Date(`${value.replace(" ", "T")}Z`) };

/** Over the embedded database: its transactions take PGlite's own lock, as Prisma's adapter's do. */
export function pgliteSql(db: PGlite): RawSql {
  const on = (client: PGlite | PGliteTransaction): RawTx => ({
    $queryRawUnsafe: async <T>(text: string, ...values: unknown[]) => (await client.query(text, values, { parsers: PGLITE_PARSERS })).rows as T,
    $executeRawUnsafe: async (text: string, ...values: unknown[]) => (await client.query(text, values, { parsers: PGLITE_PARSERS })).affectedRows ?? 0,
  });
  return { ...on(db), transaction: (fn) => db.transaction((tx) => fn(on(tx))) };
}

// Each Database registers its bare SQL under its Prisma client, so code handed a client (every
// route and lib/ function is) reaches the same connections without a second parameter.
const registry = new WeakMap<PrismaClient, RawSql>();

export function registerRawSql(prisma: PrismaClient, sql: RawSql): void {
  registry.set(prisma, sql);
}

/**
 * The bare SQL of the database behind `prisma`. A client opened some other way (none is, outside
 * tests) gets its own raw queries and transactions, which behave the same, only slower.
 */
export function rawSql(prisma: PrismaClient, transactionOptions?: { maxWait: number; timeout: number }): RawSql {
  return (
    registry.get(prisma) ?? {
      $queryRawUnsafe: (query, ...values) => prisma.$queryRawUnsafe(query, ...values),
      $executeRawUnsafe: (query, ...values) => prisma.$executeRawUnsafe(query, ...values),
      transaction: (fn) => prisma.$transaction((tx) => fn(tx), transactionOptions),
    }
  );
}
