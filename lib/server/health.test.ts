import { afterEach, describe, expect, it } from "vitest";
import { createTestDatabase } from "../../test/databases";
import { openPostgres, useDatabase, type Database } from "../db";
import { GET } from "../../app/api/health/route";

describe("GET /api/health", () => {
  let opened: Database | undefined;
  afterEach(async () => {
    useDatabase(undefined);
    await opened?.close().catch(() => {});
    opened = undefined;
  });

  it("answers 200 with the database's kind while it answers", async () => {
    opened = await createTestDatabase("embedded");
    useDatabase(opened);
    const res = await GET();
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toMatchObject({ status: "ok", database: { kind: "embedded", reachable: true } });
  });

  it("answers 503 when the database does not answer, revealing nothing of why", async () => {
    // Nothing listens on port 1: every query fails to connect.
    opened = await openPostgres("postgresql://countersign:hunter2-secret@127.0.0.1:1/countersign");
    useDatabase(opened);
    const res = await GET();
    expect(res.status).toBe(503);
    const body = await res.json();
    expect(body).toMatchObject({ status: "degraded", database: { reachable: false, error: "The database did not answer." } });
    expect(JSON.stringify(body)).not.toMatch(/hunter2|127\.0\.0\.1|ECONNREFUSED/);
  });
});
