// The planned effect is Countersign's measurement, stored beside (never instead of) the agent's
// own diff, and no agent can supply one.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASE_KINDS } from "../../test/databases";
import { createHarness, type Harness } from "../../test/api-harness";
import * as requestsRoute from "../../app/api/v1/requests/route";
import * as requestRoute from "../../app/api/v1/requests/[id]/route";
import { createRequest, CreateRequest } from ".";
import { boundPlannedEffect, readPlannedEffect } from "./planned-effect";

describe("planned effect values", () => {
  it("flattens the summary to one line and caps both parts", () => {
    const bounded = boundPlannedEffect({ summary: "Deletes 3 of 3 rows\nin `public.t`.", details: "x".repeat(600_000) });
    expect(bounded.summary).toBe("Deletes 3 of 3 rows in `public.t`.");
    expect(bounded.details).toHaveLength(500_000 + "\n… (truncated)".length);
    expect(bounded.details.endsWith("\n… (truncated)")).toBe(true);
  });

  it.each([[null], ["text"], [[]], [{ details: "no summary" }], [{ summary: 3 }]])("reads %j as no planned effect", (stored) => {
    expect(readPlannedEffect(stored)).toBeNull();
  });
});

describe.each(DATABASE_KINDS)("planned effect on %s", (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(kind);
  });
  afterAll(async () => {
    await h?.close();
  });

  const operation = (sql: string) => ({ kind: "sql", target: { environment: "staging", resource: "postgres/main" }, sql });

  it("is refused when an agent sends one: the API body has no such field", async () => {
    const agent = await h.agent();
    const summary = h.unique("forged");
    const res = await h.call(requestsRoute.POST, "POST", "/api/v1/requests", {
      key: agent.key,
      body: { operation: operation("DELETE FROM t"), summary, plannedEffect: { summary: "Changes nothing.", details: "" } },
    });
    expect(res.status).toBe(422);
    expect(res.body.type).toMatch(/validation_failed/);
    expect(JSON.stringify(res.body.errors)).toContain("plannedEffect");
    expect(await h.database.prisma.request.count({ where: { summary } })).toBe(0);
  });

  it("is stored beside the agent's own diff, redacted, and never shown to the agent", async () => {
    const agent = await h.agent();
    const prisma = h.database.prisma;
    const caller = {
      agent: await prisma.agent.findUniqueOrThrow({ where: { id: agent.id } }),
      key: await prisma.agentKey.findUniqueOrThrow({ where: { id: agent.keyId } }),
    };
    const body = CreateRequest.parse({ operation: operation("DELETE FROM t"), diff: { format: "text", content: "- every row of t (the agent's claim)" } });
    const plannedEffect = {
      summary: "Deletes 3 of 3 rows in `public.t` (8.0 kB).",
      details: "Deletes 3 of 3 rows in `public.t` (8.0 kB).\n  note: could not reach postgres://app:hunter2-secret@db/x",
    };
    const { view } = await createRequest(prisma, h.config, { caller: caller as never, body, plannedEffect });
    expect(view.status).toBe("pending");
    expect(view).not.toHaveProperty("plannedEffect");

    const row = await prisma.request.findUniqueOrThrow({ where: { id: view.id } });
    expect(row.plannedEffect).toEqual({ summary: plannedEffect.summary, details: "Deletes 3 of 3 rows in `public.t` (8.0 kB).\n  note: could not reach postgres://app:[REDACTED]@db/x" });
    expect(row.diff).toEqual({ format: "text", content: "- every row of t (the agent's claim)" });
    expect(JSON.stringify(row)).not.toContain("hunter2-secret");

    const read = await h.call(requestRoute.GET, "GET", `/api/v1/requests/${view.id}`, { key: agent.key, params: { id: view.id } });
    expect(read.status).toBe(200);
    expect(read.body).not.toHaveProperty("plannedEffect");
    expect(JSON.stringify(read.body)).not.toContain("Deletes 3 of 3 rows");

    const plain = await h.call(requestsRoute.POST, "POST", "/api/v1/requests", { key: agent.key, body: { operation: operation("DELETE FROM u") } });
    expect(plain.status).toBe(201);
    expect(plain.body).not.toHaveProperty("plannedEffect");
  });
});
