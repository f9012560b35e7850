// Resource administration: register, replace the connection URL, remove — each audited in the same
// transaction, and the URL (or its password) never in a view, an error or an audit row.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from "../../test/databases";
import { loadConfig, type Config } from "../env";
import { verifyAuditChain } from "../audit";
import { listResources, registerResource, removeResource, resourceConnection, updateResourceConnection } from ".";

const ADMIN = { type: "cli" } as const;
const FIRST = "postgresql://app:first-Pa55word@db-a.internal:5432/main";
const ROTATED = "postgresql://app:second-Pa55word@db-a.internal:5432/main";
const MOVED = "postgres://app2:third-Pa55word@db-b.internal:6543/other?sslmode=require";
const SECRETS = [FIRST, ROTATED, MOVED, "first-Pa55word", "second-Pa55word", "third-Pa55word", "db-b.internal"];

function configWith(authSecret: string): Config {
  return loadConfig({ AUTH_SECRET: authSecret, COUNTERSIGN_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "cs-res-")), LOG_LEVEL: "silent" });
}

describe.each(DATABASE_KINDS)("resource administration on %s", (kind) => {
  let database: TestDatabase;
  const cfg = configWith(randomBytes(32).toString("base64url"));
  const name = (prefix: string) => `${prefix}-${randomBytes(3).toString("hex")}`;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.drop();
  });

  const auditOf = async (id: string) =>
    (await database.prisma.auditEvent.findMany({ where: { subjectId: id }, orderBy: { seq: "asc" } })).map((e) => ({ type: e.type, data: e.data }));

  it("registers, lists without URLs, and refuses duplicates and bad URLs with field errors", async () => {
    const prisma = database.prisma;
    const resourceName = name("pg/main");
    const view = await registerResource(prisma, cfg, { name: resourceName, environment: "staging", connectionUrl: FIRST, description: "orders" }, ADMIN);
    expect(view).toMatchObject({ name: resourceName, environment: "staging", kind: "postgres", description: "orders" });
    expect(Object.keys(view).sort()).toEqual(["createdAt", "description", "environment", "id", "kind", "name", "updatedAt"]);
    expect((await listResources(prisma)).map((r) => r.name)).toContain(resourceName);

    await expect(registerResource(prisma, cfg, { name: resourceName, environment: "staging", connectionUrl: FIRST }, ADMIN)).rejects.toMatchObject({
      code: "already_exists",
      status: 409,
      message: `A resource named ${resourceName} already exists.`,
    });
    const bad = await registerResource(prisma, cfg, { name: name("x"), environment: "staging", connectionUrl: "mysql://root:first-Pa55word@h/db" }, ADMIN).catch((e) => e);
    expect(bad).toMatchObject({ code: "validation_failed", status: 422, errors: [{ field: "connectionUrl", message: expect.stringMatching(/postgres/) }] });
    expect(JSON.stringify(bad.errors) + bad.message).not.toContain("first-Pa55word");
  });

  it("replaces the connection URL, auditing which parts changed but never their values", async () => {
    const prisma = database.prisma;
    const resourceName = name("pg/rotate");
    const view = await registerResource(prisma, cfg, { name: resourceName, environment: "production", connectionUrl: FIRST }, ADMIN);

    await updateResourceConnection(prisma, cfg, resourceName, ROTATED, ADMIN);
    expect((await resourceConnection(prisma, cfg, resourceName)).connectionUrl).toBe(ROTATED);
    await updateResourceConnection(prisma, cfg, resourceName, MOVED, ADMIN);
    expect((await resourceConnection(prisma, cfg, resourceName)).connectionUrl).toBe(MOVED);

    const audit = await auditOf(view.id);
    expect(audit).toEqual([
      { type: "resource.registered", data: { name: resourceName, environment: "production", kind: "postgres" } },
      { type: "resource.connection_updated", data: { name: resourceName, changed: ["password"] } },
      { type: "resource.connection_updated", data: { name: resourceName, changed: ["user", "password", "host", "port", "database", "options"] } },
    ]);
    const stored = await prisma.resource.findUniqueOrThrow({ where: { name: resourceName } });
    for (const secret of SECRETS) {
      expect(JSON.stringify(audit)).not.toContain(secret);
      expect(stored.connectionUrlEnc).not.toContain(secret);
    }
  });

  it.each([
    ["not a URL", "validation_failed", 422],
    ["https://example.com/db", "validation_failed", 422],
    ["postgresql:///no-host", "validation_failed", 422],
  ])("refuses the replacement URL %j (422) and keeps the old one", async (url, code, status) => {
    const resourceName = name("pg/keep");
    await registerResource(database.prisma, cfg, { name: resourceName, environment: "staging", connectionUrl: FIRST }, ADMIN);
    await expect(updateResourceConnection(database.prisma, cfg, resourceName, url, ADMIN)).rejects.toMatchObject({ code, status, errors: [{ field: "connectionUrl" }] });
    expect((await resourceConnection(database.prisma, cfg, resourceName)).connectionUrl).toBe(FIRST);
  });

  it("recovers a resource registered under another AUTH_SECRET by replacing its URL", async () => {
    const prisma = database.prisma;
    const resourceName = name("pg/old-secret");
    const view = await registerResource(prisma, configWith(randomBytes(32).toString("base64url")), { name: resourceName, environment: "staging", connectionUrl: FIRST }, ADMIN);
    await expect(resourceConnection(prisma, cfg, resourceName)).rejects.toThrow(/cannot be decrypted with this AUTH_SECRET/);
    await updateResourceConnection(prisma, cfg, resourceName, ROTATED, ADMIN);
    expect((await resourceConnection(prisma, cfg, resourceName)).connectionUrl).toBe(ROTATED);
    expect((await auditOf(view.id)).at(-1)).toEqual({ type: "resource.connection_updated", data: { name: resourceName, changed: null, previousUnreadable: true } });
  });

  it("removes a resource (audited); the name can then be registered again as a new resource", async () => {
    const prisma = database.prisma;
    const resourceName = name("pg/gone");
    const first = await registerResource(prisma, cfg, { name: resourceName, environment: "staging", connectionUrl: FIRST }, ADMIN);
    const removed = await removeResource(prisma, resourceName, ADMIN);
    expect(removed).toMatchObject({ id: first.id, name: resourceName });
    expect((await listResources(prisma)).map((r) => r.name)).not.toContain(resourceName);
    await expect(resourceConnection(prisma, cfg, resourceName)).rejects.toMatchObject({ code: "not_found" });
    expect((await auditOf(first.id)).map((e) => e.type)).toEqual(["resource.registered", "resource.removed"]);
    expect((await auditOf(first.id))[1].data).toEqual({ name: resourceName, environment: "staging", kind: "postgres" });

    await expect(removeResource(prisma, resourceName, ADMIN)).rejects.toMatchObject({ code: "not_found", status: 404 });
    await expect(updateResourceConnection(prisma, cfg, resourceName, ROTATED, ADMIN)).rejects.toMatchObject({ code: "not_found", status: 404 });
    const again = await registerResource(prisma, cfg, { name: resourceName, environment: "production", connectionUrl: ROTATED }, ADMIN);
    expect(again.id).not.toBe(first.id);
    expect((await verifyAuditChain(prisma)).ok).toBe(true);
  });
});
