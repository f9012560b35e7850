// Test databases: an in-memory embedded database, and a fresh PostgreSQL database on
// TEST_DATABASE_URL's server. Under CI=true PostgreSQL is required, never skipped.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createHash } from "node:crypto";
import pg from "pg";
import { readMigrations } from "../lib/db/migrate";
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

/** A fresh, empty PostgreSQL database; or a copy of `template`. */
export async function createPostgresDatabase(template?: string): Promise<{ url: string; drop(): Promise<void> }> {
  if (!TEST_DATABASE_URL) throw new Error("TEST_DATABASE_URL is not set");
  const name = `countersign_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(template ? `CREATE DATABASE ${name} TEMPLATE ${template}` : `CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
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

/**
 * The split deployment of the README's "Deploying on PostgreSQL": a role that owns a fresh
 * database (and runs migrations) and a separate, non-superuser role the app connects as.
 */
export async function createOwnedPostgresDatabase(): Promise<{ ownerUrl: string; appUrl: string; owner: string; app: string; drop(): Promise<void> }> {
  if (!TEST_DATABASE_URL) throw new Error("TEST_DATABASE_URL is not set");
  const suffix = randomBytes(6).toString("hex");
  const name = `countersign_test_${suffix}`;
  const owner = `countersign_owner_${suffix}`;
  const app = `countersign_app_${suffix}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE ROLE ${owner} LOGIN PASSWORD 'owner-${suffix}'`);
    await admin.query(`CREATE ROLE ${app} LOGIN PASSWORD 'app-${suffix}'`);
    await admin.query(`CREATE DATABASE ${name} OWNER ${owner}`);
  } finally {
    await admin.end();
  }
  const urlAs = (role: string, password: string) => {
    const url = new URL(TEST_DATABASE_URL);
    url.pathname = `/${name}`;
    url.username = role;
    url.password = password;
    return url.toString();
  };
  return {
    ownerUrl: urlAs(owner, `owner-${suffix}`),
    appUrl: urlAs(app, `app-${suffix}`),
    owner,
    app,
    async drop() {
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.query(`DROP ROLE IF EXISTS ${app}`);
        await c.query(`DROP ROLE IF EXISTS ${owner}`);
      } finally {
        await c.end();
      }
    },
  };
}

// A fresh in-memory PGlite costs seconds to start and migrate; loading a migrated dump is much
// cheaper. The dump is cached in the temp folder, keyed by the migrations it contains.
async function migratedDump(): Promise<Blob | undefined> {
  const file = path.join(os.tmpdir(), `countersign-test-pglite-${migrationsKey()}.tar.gz`);
  if (existsSync(file)) return new Blob([readFileSync(file)]);
  const fresh = await openEmbedded(undefined, { migrate: true });
  try {
    const dump = await fresh.dump!();
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
    renameSync(tmp, file);
  } finally {
    await fresh.close();
  }
  return new Blob([readFileSync(file)]);
}

// Likewise on PostgreSQL: migrating a fresh database takes seconds, copying a migrated template a
// fraction of one. The template is made once per set of migrations, under a temporary name and
// renamed into place, so two test workers making it at once cannot leave a half-migrated one.
let migratedTemplate: Promise<string> | undefined;

function postgresTemplate(): Promise<string> {
  migratedTemplate ??= (async () => {
    const name = `countersign_template_${migrationsKey()}`;
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    try {
      const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
      if (exists.rowCount) return name;
      const { url, drop } = await createPostgresDatabase();
      const fresh = await openPostgres(url, { migrate: true });
      await fresh.close();
      const partial = new URL(url).pathname.slice(1);
      try {
        await admin.query(`ALTER DATABASE ${partial} RENAME TO ${name}`);
      } catch (error) {
        // Another worker made it first (duplicate_database): use theirs.
        if ((error as { code?: string }).code !== "42P04") throw error;
        await drop();
      }
      return name;
    } finally {
      await admin.end();
    }
  })().catch((error) => {
    migratedTemplate = undefined;
    throw error;
  });
  return migratedTemplate;
}

function migrationsKey(): string {
  return createHash("sha256").update(readMigrations().map((m) => m.checksum).join()).digest("hex").slice(0, 16);
}

export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === "embedded") {
    const database = await openEmbedded(undefined, { migrate: true, loadDataDir: await migratedDump(), sharedBuffers: "16MB" });
    return { ...database, drop: () => database.close() };
  }
  const { url, drop } = await createPostgresDatabase(await postgresTemplate());
  // Still migrates: with the template current this only checks that every migration is applied.
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
