import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from "../../test/databases";
import { applyMigrations, readMigrations } from "./migrate";
import { diffMigrationsToSchema } from "./schema-engine";

const root = path.resolve(import.meta.dirname, "../..");

describe("schema and migrations", () => {
  it("agree: the migrations folder produces exactly prisma/schema.prisma (no drift)", async () => {
    const sql = await diffMigrationsToSchema(
      path.join(root, "prisma/schema.prisma"),
      path.join(root, "prisma/migrations"),
    );
    expect(sql).toBe("");
  });
});

describe.each(DATABASE_KINDS)("migrations on %s", (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it("apply from empty and are recorded in _prisma_migrations", async () => {
    const rows = await database.withSql((sql) =>
      sql.query<{ migration_name: string; checksum: string }>(
        `SELECT migration_name, checksum FROM "_prisma_migrations" ORDER BY migration_name`,
      ),
    );
    expect(rows).toEqual(readMigrations().map((m) => ({ migration_name: m.name, checksum: m.checksum })));
    const tables = await database.withSql((sql) =>
      sql.query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`),
    );
    expect(tables.map((t) => t.tablename)).toEqual(
      expect.arrayContaining(["users", "agents", "agent_keys", "requests", "audit_events", "grants"]),
    );
  });

  it("are idempotent: a second run applies nothing", async () => {
    expect(await database.withSql((sql) => applyMigrations(sql))).toEqual([]);
  });
});
