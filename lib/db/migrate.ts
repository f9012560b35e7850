// Applies prisma/migrations/*/migration.sql in order, keeping Prisma's `_prisma_migrations`
// bookkeeping so `prisma migrate deploy` on a connected host reads the same history.
import { createHash, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

export interface SqlRunner {
  /** Runs a script of one or more statements. */
  exec(sql: string): Promise<void>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

// Inside Next.js bundles import.meta.dirname is undefined; the server runs from the repository root.
export const MIGRATIONS_DIR = path.resolve(import.meta.dirname ?? path.join(process.cwd(), "lib/db"), "../../prisma/migrations");

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

const BOOKKEEPING = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

// Any constant works; it only has to be the same for every Countersign instance.
const MIGRATION_LOCK_KEY = 7_321_004_117;

export class MigrationError extends Error {
  override name = "MigrationError";
}

/** Brings the database up to date. Safe to call from several instances at once. */
export async function applyMigrations(db: SqlRunner, dir = MIGRATIONS_DIR): Promise<string[]> {
  const migrations = readMigrations(dir);
  await db.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
  try {
    await db.exec(BOOKKEEPING);
    const rows = await db.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
      `SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL`,
    );
    const applied = new Map(rows.map((r) => [r.migration_name, r]));
    const known = new Set(migrations.map((m) => m.name));
    for (const row of rows) {
      if (!known.has(row.migration_name)) {
        throw new MigrationError(
          `The database has migration ${row.migration_name}, which this version of Countersign does not know. ` +
            `Is an older version running against a newer database?`,
        );
      }
    }
    const done: string[] = [];
    for (const migration of migrations) {
      const row = applied.get(migration.name);
      if (row) {
        if (!row.finished_at) {
          throw new MigrationError(`Migration ${migration.name} started earlier but did not finish; resolve it by hand.`);
        }
        if (row.checksum !== migration.checksum) {
          throw new MigrationError(`Migration ${migration.name} was edited after it was applied.`);
        }
        continue;
      }
      const id = randomUUID();
      await db.exec("BEGIN");
      try {
        await db.exec(migration.sql);
        await db.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
           VALUES ($1, $2, $3, now(), now(), 1)`,
          [id, migration.checksum, migration.name],
        );
        await db.exec("COMMIT");
      } catch (error) {
        await db.exec("ROLLBACK");
        throw new MigrationError(`Migration ${migration.name} failed: ${(error as Error).message}`);
      }
      done.push(migration.name);
    }
    return done;
  } finally {
    await db.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY})`);
  }
}

/** Quotes a PostgreSQL identifier (a role name read from the server). */
function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Run by the migrating role (which owns the schema) for the role the app connects as: everything
 * the app needs on every table, and on `audit_events` only SELECT and INSERT. The app role owns
 * nothing, so it can neither change audit rows nor disable or drop the table's triggers. Re-run
 * after every migration, so tables added later are covered too.
 */
export async function grantAppRole(db: SqlRunner, appRole: string): Promise<void> {
  const role = quoteIdent(appRole);
  await db.exec(`
    GRANT USAGE ON SCHEMA public TO ${role};
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role};
    GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO ${role};
    REVOKE ALL ON "_prisma_migrations" FROM ${role};
    GRANT SELECT ON "_prisma_migrations" TO ${role};
    REVOKE ALL ON "audit_events" FROM ${role};
    GRANT SELECT, INSERT ON "audit_events" TO ${role};
    GRANT EXECUTE ON FUNCTION countersign_audit_head() TO ${role};
  `);
}
