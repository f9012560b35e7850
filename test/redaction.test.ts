// Secrets an agent pastes into what it tells reviewers (summary, context, diff) are redacted before
// anything is stored: neither the request row, its audit rows nor the API's answers hold them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASE_KINDS } from "./databases";
import { createHarness, type Harness } from "./api-harness";
import * as requestsRoute from "../app/api/v1/requests/route";
import * as requestRoute from "../app/api/v1/requests/[id]/route";
import { verifyAuditChain } from "../lib/audit";

const BEARER = "eyQk3b9ZpLmN0xR7tV2wY5s";
const URL_PASSWORD = "Tr0ub4dor-and-3";
const AWS_KEY = "AKIAIOSFODNN7EXAMPLE";
const AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const PEM_BODY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj";
const PEM = `-----BEGIN PRIVATE KEY-----\n${PEM_BODY}\nMgM2cLOmtjvPDaGq1ZDHtPo0ZH3qKr8nE4wdc1pQ2R7s\n-----END PRIVATE KEY-----`;
const SECRETS = [BEARER, URL_PASSWORD, AWS_KEY, AWS_SECRET, PEM_BODY, "BEGIN PRIVATE KEY"];

describe.each(DATABASE_KINDS)("redaction through the agent API on %s", (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(kind);
  });
  afterAll(async () => {
    await h?.close();
  });

  it("stores and audits the request with every secret replaced by the marker", async () => {
    const agent = await h.agent();
    const res = await h.call(requestsRoute.POST, "POST", "/api/v1/requests", {
      key: agent.key,
      body: {
        operation: { kind: "sql", target: { environment: "production", resource: "postgres/main" }, sql: "DELETE FROM sessions WHERE expired" },
        summary: `Clean sessions; I called the API with Authorization: Bearer ${BEARER} and postgres://admin:${URL_PASSWORD}@db.internal:5432/prod`,
        context: {
          reasoning: `The deploy uses ${AWS_KEY} with aws_secret_access_key = ${AWS_SECRET}`,
          transcript: [
            { role: "tool", content: `curl -H 'Authorization: Bearer ${BEARER}' https://api.internal` },
            { role: "tool", content: `cat id_rsa\n${PEM}` },
          ],
        },
        diff: { format: "text", content: `- url: postgres://admin:${URL_PASSWORD}@db.internal/prod\n+ key: ${PEM}\n` },
      },
    });
    expect(res.status).toBe(201);
    const answered = JSON.stringify(res.body);

    const row = await h.database.prisma.request.findUniqueOrThrow({ where: { id: res.body.id } });
    const stored = JSON.stringify({ summary: row.summary, context: row.context, diff: row.diff });
    const audit = JSON.stringify(
      await h.database.prisma.auditEvent.findMany({ where: { subjectType: "request", subjectId: row.id } }),
      (_k, v) => (typeof v === "bigint" ? v.toString() : v),
    );
    const read = await h.call(requestRoute.GET, "GET", `/api/v1/requests/${row.id}`, { key: agent.key, params: { id: row.id } });
    expect(read.status).toBe(200);

    for (const text of [stored, audit, answered, JSON.stringify(read.body)]) {
      for (const secret of SECRETS) expect(text).not.toContain(secret);
    }
    expect(row.summary).toContain("Authorization: Bearer [REDACTED]");
    expect(row.summary).toContain("postgres://admin:[REDACTED]@db.internal:5432/prod");
    expect(JSON.stringify(row.context)).toContain("[REDACTED] with aws_secret_access_key = [REDACTED]");
    expect(JSON.stringify(row.context)).toContain("[REDACTED PRIVATE KEY]");
    expect((row.diff as { content: string }).content).toContain("+ key: [REDACTED PRIVATE KEY]");
    // The audit row of the creation carries the redacted summary, and the chain is intact.
    expect(audit).toContain("Bearer [REDACTED]");
    expect((await verifyAuditChain(h.database.prisma)).ok).toBe(true);
    // What the reviewers approve is the operation itself, unchanged.
    expect(row.operation).toMatchObject({ sql: "DELETE FROM sessions WHERE expired" });
  });
});
