import { describe, expect, it } from "vitest";
import { AppError } from "../errors";
import { problemResponse, toProblem } from "./problem";

describe("problem details", () => {
  it.each([
    ["an AppError", new AppError("request_already_decided", "The request is approved."), 409, "request_already_decided"],
    ["a unique violation no domain function handled (Prisma P2002)", Object.assign(new Error("Unique constraint failed on the fields: (`name`)"), { code: "P2002" }), 409, "conflict"],
    ["another Prisma error", Object.assign(new Error("Foreign key constraint failed"), { code: "P2003" }), 500, "internal"],
    ["anything else", new Error("boom: secret detail"), 500, "internal"],
  ])("%s → %i %s", async (_name, error, status, code) => {
    const res = problemResponse(error, "/api/v1/requests");
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const body = await res.json();
    expect(body).toMatchObject({ status, code, type: `urn:countersign:problem:${code}`, instance: "/api/v1/requests" });
    // Neither the database's message nor the error's own text reaches the client.
    if (code !== "request_already_decided") expect(JSON.stringify(body)).not.toMatch(/constraint|secret|name/);
  });

  it("the unique-violation problem reveals no table or field", () => {
    const problem = toProblem(Object.assign(new Error("Unique constraint failed on the fields: (`idempotency_key`)"), { code: "P2002", meta: { target: ["idempotency_key"] } }));
    expect(problem).toEqual({
      type: "urn:countersign:problem:conflict",
      title: "Conflict",
      status: 409,
      detail: "This conflicts with something that already exists.",
      code: "conflict",
    });
  });
});

describe("a database that cannot be reached", () => {
  // Real errors from the real drivers: nothing listens on this port.
  async function closedPort(): Promise<number> {
    const net = await import("node:net");
    return new Promise((resolve) => {
      const server = net.createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
  }

  it("is 503 database_unavailable with Retry-After, from node-postgres and from Prisma's driver adapter alike", async () => {
    const { default: pg } = await import("pg");
    const { PrismaPg } = await import("@prisma/adapter-pg");
    const { PrismaClient } = await import("../db/generated/client");
    const url = `postgresql://postgres@127.0.0.1:${await closedPort()}/countersign`;
    const client = new pg.Client({ connectionString: url });
    const fromPg = await client.connect().then(() => null, (error: unknown) => error);
    const pool = new pg.Pool({ connectionString: url });
    const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
    const fromPrisma = await prisma.request.findFirst().then(() => null, (error: unknown) => error);
    const fromTransaction = await prisma.$transaction(async (tx) => tx.request.count()).then(() => null, (error: unknown) => error);
    await prisma.$disconnect();
    await pool.end();
    // What Prisma reports for a query on a connection the server closed while shutting down (57P01).
    const adminShutdown = Object.assign(new Error("Raw query failed. Code: `57P01`."), {
      code: "P2010",
      meta: { driverAdapterError: { name: "DriverAdapterError", cause: { originalCode: "57P01", kind: "postgres", code: "57P01" } } },
    });
    for (const error of [fromPg, fromPrisma, fromTransaction, adminShutdown]) {
      expect(error).toBeTruthy();
      const res = problemResponse(error, "/api/v1/requests");
      expect(res.status).toBe(503);
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
      const body = await res.json();
      expect(body).toMatchObject({ status: 503, code: "database_unavailable", type: "urn:countersign:problem:database_unavailable" });
      expect(JSON.stringify(body)).not.toMatch(/127\.0\.0\.1|57P01|ECONNREFUSED/);
    }
  });

  it("leaves other database errors internal (a syntax error is not an outage)", () => {
    const syntax = Object.assign(new Error("Raw query failed. Code: `42601`."), {
      code: "P2010",
      meta: { driverAdapterError: { name: "DriverAdapterError", cause: { originalCode: "42601", kind: "postgres", code: "42601" } } },
    });
    expect(toProblem(syntax).status).toBe(500);
  });
});
