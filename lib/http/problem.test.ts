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
