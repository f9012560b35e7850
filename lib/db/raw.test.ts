// The bare driver the agent API's hot path writes on (lib/db/raw.ts): transactions that commit or
// roll back whole, results shaped as Prisma's raw queries shape them, and a request created on it
// that reads back through Prisma exactly as the creator answered it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASE_KINDS, createPostgresDatabase } from "../../test/databases";
import { createHarness, type Harness } from "../../test/api-harness";
import { openPostgres, rawSql, type Database } from ".";
import { isUniqueViolation } from "../errors";
import { createRequest, CreateRequest } from "../requests";
import { toRequestView } from "../requests/view";
import { REQUEST_INCLUDE } from "../requests/shared";
import { verifyAuditChain } from "../audit";

describe.each(DATABASE_KINDS)("bare SQL on %s", (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(kind);
    await h.database.prisma.$executeRawUnsafe(`CREATE TABLE raw_probe (id int PRIMARY KEY, note text)`);
  });
  afterAll(async () => {
    await h?.close();
  });
  const prisma = () => h.database.prisma;
  const notes = async () =>
    (await prisma().$queryRawUnsafe<Array<{ note: string }>>(`SELECT note FROM raw_probe ORDER BY id`)).map((r) => r.note);

  it("commits a transaction's statements together, and rolls all of them back when it throws", async () => {
    const sql = rawSql(prisma());
    await sql.transaction(async (tx) => {
      await tx.$executeRawUnsafe(`INSERT INTO raw_probe (id, note) VALUES ($1, $2)`, 1, "kept");
      await tx.$executeRawUnsafe(`INSERT INTO raw_probe (id, note) VALUES ($1, $2)`, 2, "kept too");
    });
    const failure = await sql
      .transaction(async (tx) => {
        await tx.$executeRawUnsafe(`INSERT INTO raw_probe (id, note) VALUES ($1, $2)`, 3, "rolled back");
        throw new Error("the caller gave up");
      })
      .catch((e: unknown) => e);
    expect((failure as Error).message).toBe("the caller gave up");
    expect(await notes()).toEqual(["kept", "kept too"]);
    // The connection went back to the pool usable: the next transaction works.
    expect(await sql.transaction((tx) => tx.$executeRawUnsafe(`UPDATE raw_probe SET note = note || '!' WHERE id = 1`))).toBe(1);
    expect(await notes()).toEqual(["kept!", "kept too"]);
  });

  it("reports a unique violation as one, whichever way the statement was sent", async () => {
    const bare = await rawSql(prisma())
      .transaction((tx) => tx.$executeRawUnsafe(`INSERT INTO raw_probe (id, note) VALUES (1, 'again')`))
      .catch((e: unknown) => e);
    const viaPrisma = await prisma()
      .$transaction((tx) => tx.$executeRawUnsafe(`INSERT INTO raw_probe (id, note) VALUES (1, 'again')`))
      .catch((e: unknown) => e);
    expect(isUniqueViolation(bare)).toBe(true);
    expect(isUniqueViolation(viaPrisma)).toBe(true);
    expect(isUniqueViolation(new Error("something else"))).toBe(false);
  });

  it("shapes results as Prisma's raw queries do: bigint, Date, parsed JSON, arrays", async () => {
    const query = `SELECT 9007199254740993::bigint AS big, '2026-12-06 03:25:00.123+00'::timestamptz AS at,
                          '2026-12-06 03:25:00.123'::timestamp AS naive, '{"a":[1,"x"]}'::jsonb AS doc, ARRAY['p','q'] AS list, 7 AS n`;
    const [bare] = await rawSql(prisma()).$queryRawUnsafe<Array<Record<string, unknown>>>(query);
    const [viaPrisma] = await prisma().$queryRawUnsafe<Array<Record<string, unknown>>>(query);
    expect(bare).toEqual({
      big: 9007199254740993n,
      at: new Date("2026-12-06T03:25:00.123Z"),
      naive: new Date("2026-12-06T03:25:00.123Z"),
      doc: { a: [1, "x"] },
      list: ["p", "q"],
      n: 7,
    });
    expect(bare).toEqual(viaPrisma);
  });

  it("stores a created request exactly as its creator answered, with its grant and a sound audit chain", async () => {
    const agent = await h.agent();
    const caller = {
      agent: await prisma().agent.findUniqueOrThrow({ where: { id: agent.id } }),
      key: await prisma().agentKey.findUniqueOrThrow({ where: { id: agent.keyId } }),
    };
    for (const [sql, environment, status] of [
      ["SELECT id FROM orders WHERE id = 42", "staging", "approved"],
      ["UPDATE orders SET status = 'shipped' WHERE id = 42", "production", "pending"],
    ] as const) {
      const body = CreateRequest.parse({
        operation: { kind: "sql", target: { environment, resource: "postgres/main" }, sql },
        summary: "Look at order 42 with password=hunter2",
        context: { reasoning: "asked by the customer", transcript: [{ role: "user", content: "where is order 42?" }] },
        diff: { format: "json", content: "{\"status\": \"shipped\"}" },
      });
      const { view } = await createRequest(prisma(), h.config, { caller: caller as never, body, idempotencyKey: `bare-${status}` });
      expect(view.status).toBe(status);
      const stored = await prisma().request.findUniqueOrThrow({ where: { id: view.id }, include: REQUEST_INCLUDE });
      expect(toRequestView(stored, h.config)).toEqual(view);
      expect(stored.summary).not.toContain("hunter2");
      expect(stored.context).toEqual({ reasoning: "asked by the customer", transcript: [{ role: "user", content: "where is order 42?" }] });
      expect(stored.diff).toEqual({ format: "json", content: '{"status": "shipped"}' });
      expect(stored.keyId).toBe(agent.keyId);
      expect(stored.updatedAt).toEqual(stored.createdAt);
      if (status === "approved") expect(stored.grant?.token).toBe(view.grant?.token);
      // The same Idempotency-Key and body answers with the stored request.
      const again = await createRequest(prisma(), h.config, { caller: caller as never, body, idempotencyKey: `bare-${status}` });
      expect(again).toEqual({ view, created: false });
    }
    expect(await verifyAuditChain(prisma())).toMatchObject({ ok: true });
  });
});

describe.runIf(DATABASE_KINDS.includes("postgres"))("prepared statements on PostgreSQL", () => {
  let target: { url: string; drop(): Promise<void> };
  const opened: Database[] = [];
  beforeAll(async () => {
    target = await createPostgresDatabase();
  });
  afterAll(async () => {
    for (const database of opened) await database.close();
    await target?.drop();
  });

  /** Runs one statement twice in a transaction, then lists what that connection holds prepared. */
  async function preparedAfterUse(url: string): Promise<string[]> {
    const database = await openPostgres(url);
    opened.push(database);
    return rawSql(database.prisma).transaction(async (tx) => {
      for (let i = 0; i < 2; i++) await tx.$queryRawUnsafe(`SELECT $1::int + 1 AS next`, i);
      const rows = await tx.$queryRawUnsafe<Array<{ name: string }>>(`SELECT name FROM pg_prepared_statements ORDER BY name`);
      return rows.map((r) => r.name);
    });
  }

  it("prepares each statement once per connection, by a name from its text", async () => {
    const first = await preparedAfterUse(target.url);
    expect(first.filter((name) => name.startsWith("countersign_"))).toHaveLength(2);
    // Another instance names the same text alike.
    expect(await preparedAfterUse(target.url)).toEqual(first);
  });

  it("prepares nothing behind a pooler in transaction mode (?pgbouncer=true)", async () => {
    const url = new URL(target.url);
    url.searchParams.set("pgbouncer", "true");
    expect(await preparedAfterUse(url.toString())).toEqual([]);
  });
});
