import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from "../../test/databases";
import { authenticateAgentKey, createAgent, createAgentKey, revokeAgentKey, setAgentDisabled } from ".";
import { generateKey, hashKey, keyMatches, parseKey } from "./keys";

describe("agent keys", () => {
  it("look like csk_<lookup>_<secret> and are stored only as a SHA-256 hash", () => {
    const key = generateKey();
    expect(key.plaintext).toMatch(/^csk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(parseKey(key.plaintext)).toBe(key.lookupId);
    expect(key.secretHash).toBe(hashKey(key.plaintext));
    expect(key.secretHash).not.toContain(key.plaintext.slice(21));
    expect(keyMatches(key.plaintext, key.secretHash)).toBe(true);
    expect(keyMatches(key.plaintext.slice(0, -1) + (key.plaintext.endsWith("A") ? "B" : "A"), key.secretHash)).toBe(false);
    expect(parseKey("csk_nothex_x")).toBeNull();
  });
});

describe.each(DATABASE_KINDS)("agents on %s", (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it("authenticates a key, records last use, and refuses it once revoked, expired or the agent disabled (a read's gathered lookup alike)", async () => {
    const prisma = database.prisma;
    const { agent, key, plaintext } = await createAgent(prisma, { name: "bot-one", environments: ["staging"] }, { type: "system" });
    const stored = await prisma.agentKey.findUniqueOrThrow({ where: { id: key.id } });
    expect(stored.secretHash).toBe(hashKey(plaintext));
    expect(JSON.stringify(stored)).not.toContain(plaintext);

    const auth = await authenticateAgentKey(prisma, plaintext);
    expect(auth.agent.id).toBe(agent.id);
    expect((await authenticateAgentKey(prisma, plaintext, { gather: true })).agent.id).toBe(agent.id);
    expect((await prisma.agentKey.findUniqueOrThrow({ where: { id: key.id } })).lastUsedAt).not.toBeNull();

    await expect(authenticateAgentKey(prisma, plaintext.replace(/.$/, "x"))).rejects.toMatchObject({ code: "invalid_api_key" });
    const second = await createAgentKey(prisma, agent.id, { label: "ci", expiresAt: new Date(Date.now() - 1) }, { type: "system" });
    await expect(authenticateAgentKey(prisma, second.plaintext)).rejects.toMatchObject({ code: "invalid_api_key" });

    await setAgentDisabled(prisma, agent.id, true, { type: "system" });
    await expect(authenticateAgentKey(prisma, plaintext)).rejects.toMatchObject({ code: "agent_disabled", status: 403 });
    await expect(authenticateAgentKey(prisma, plaintext, { gather: true })).rejects.toMatchObject({ code: "agent_disabled", status: 403 });
    await setAgentDisabled(prisma, agent.id, false, { type: "system" });

    await revokeAgentKey(prisma, key.lookupId, { type: "system" });
    await expect(authenticateAgentKey(prisma, plaintext)).rejects.toMatchObject({ code: "invalid_api_key", status: 401 });
    await expect(authenticateAgentKey(prisma, plaintext, { gather: true })).rejects.toMatchObject({ code: "invalid_api_key", status: 401 });
    const types = (await prisma.auditEvent.findMany({ where: { subjectId: agent.id }, orderBy: { seq: "asc" } })).map((e) => e.type);
    expect(types).toEqual(["agent.created", "agent.key_created", "agent.key_created", "agent.disabled", "agent.enabled", "agent.key_revoked"]);
  });

  it("validates names, environments and scopes", async () => {
    await expect(createAgent(database.prisma, { name: "bad name!", environments: ["staging"] }, { type: "system" })).rejects.toMatchObject({
      code: "validation_failed",
      errors: [expect.objectContaining({ field: "name" })],
    });
    await expect(createAgent(database.prisma, { name: "no-envs", environments: [] }, { type: "system" })).rejects.toMatchObject({ code: "validation_failed" });
    await expect(
      createAgent(database.prisma, { name: "bad-scope", environments: ["x"], scopes: ["grants:everything" as never] }, { type: "system" }),
    ).rejects.toMatchObject({ code: "validation_failed" });
  });

  it("scopes an agent to resource patterns, any resource by default, validated like environments", async () => {
    const { agent } = await createAgent(database.prisma, { name: "any-resource", environments: ["staging"] }, { type: "system" });
    expect(agent.resources).toEqual(["*"]);
    const scoped = await createAgent(database.prisma, { name: "pg-only", environments: ["staging"], resources: ["postgres/*", "s3://logs", "postgres/*"] }, { type: "system" });
    expect(scoped.agent.resources).toEqual(["postgres/*", "s3://logs"]);
    const audit = await database.prisma.auditEvent.findFirstOrThrow({ where: { type: "agent.created", subjectId: scoped.agent.id } });
    expect(audit.data).toMatchObject({ resources: ["postgres/*", "s3://logs"] });
    for (const resources of [[], ["has space"], ["a,b"], [""]]) {
      await expect(createAgent(database.prisma, { name: "bad-resources", environments: ["staging"], resources }, { type: "system" })).rejects.toMatchObject({
        code: "validation_failed",
        errors: expect.arrayContaining([expect.objectContaining({ field: expect.stringMatching(/^resources/) })]),
      });
    }
  });
});
