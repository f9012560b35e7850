// Test databases: an in-memory embedded database, and a fresh PostgreSQL database on
// TEST_DATABASE_URL's server. Under CI=true PostgreSQL is required, never skipped.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { openEmbedded, openPostgres, type Database } from "../lib/db";

// Tests are the one place besides lib/env.ts that reads the environment: these variables
// configure the test run, not Countersign.
const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined;
const IN_CI = process.env.CI === "true" || process.env.CI === "1";

if (IN_CI && !TEST_DATABASE_URL) {
  throw new Error("CI=true but TEST_DATABASE_URL is not set: the PostgreSQL tests must run in CI.");
}

export type DatabaseKind = "embedded" | "postgres";

/** The database kinds this run covers: always embedded; PostgreSQL when TEST_DATABASE_URL is set. */
export const DATABASE_KINDS: DatabaseKind[] = TEST_DATABASE_URL ? ["embedded", "postgres"] : ["embedded"];

export interface TestDatabase extends Database {
  /** For PostgreSQL: the URL of this test's own database. */
  url?: string;
  drop(): Promise<void>;
}

export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (!TEST_DATABASE_URL) throw new Error("TEST_DATABASE_URL is not set");
  const name = `countersign_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === "embedded") {
    const database = await openEmbedded(undefined, { migrate: true });
    return { ...database, drop: () => database.close() };
  }
  const { url, drop } = await createPostgresDatabase();
  const database = await openPostgres(url, { migrate: true });
  return {
    ...database,
    url,
    async drop() {
      await database.close();
      await drop();
    },
  };
}
