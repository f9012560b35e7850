// The OpenAPI 3.1 description of the agent API, built from the same zod schemas the routes parse
// with, so the document cannot drift from what the server accepts.
import { z } from "zod";
import { CreateRequest, RedeemGrant, ReportOutcome } from "../requests/schema";
import { RunApprovedSql, RunSql } from "../executor/schema";
import { RunHttp } from "../executor/http/schema";
import { VERSION } from "../version";

const RiskLevel = z.enum(["low", "medium", "high", "critical"]);
const Status = z.enum(["pending", "cooling_down", "approved", "denied", "expired", "cancelled", "revoked", "executed", "failed"]);

export const RequestViewSchema = z.object({
  id: z.uuid(),
  status: Status,
  environment: z.string(),
  resource: z.string(),
  kind: z.enum(["sql", "http", "shell", "custom"]),
  summary: z.string(),
  operationDigest: z.string().regex(/^sha256:[A-Za-z0-9_-]{43}$/),
  risk: z.object({
    level: RiskLevel,
    findings: z.array(z.object({ id: z.string(), level: RiskLevel, message: z.string(), targets: z.array(z.string()).optional() })),
  }),
  requiredApprovals: z.number().int().min(0),
  approvals: z.number().int().min(0),
  policy: z.object({ version: z.number().int().nullable(), ruleId: z.string().nullable() }),
  reviewUrl: z.url(),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  decidedAt: z.iso.datetime().nullable(),
  grant: z
    .object({ token: z.string().optional().describe("absent for requests Countersign's own SQL executor runs: it redeems that grant itself"), expiresAt: z.iso.datetime() })
    .optional()
    .describe("present while approved and unredeemed"),
  coolDownUntil: z.iso.datetime().optional().describe("while cooling_down: when the grant is issued unless a reviewer cancels"),
  reason: z.string().optional().describe("why it was denied, revoked or cancelled"),
  outcome: z.object({ status: z.enum(["executed", "failed"]), detail: z.string().nullable(), reportedAt: z.iso.datetime().nullable() }).optional(),
});

export const RedemptionSchema = z.object({
  requestId: z.uuid(),
  jti: z.string(),
  operationDigest: z.string(),
  operation: z.record(z.string(), z.unknown()),
  environment: z.string(),
  resource: z.string(),
  redeemedAt: z.iso.datetime(),
});

export const SqlRunSchema = z.object({
  request: RequestViewSchema,
  result: z
    .discriminatedUnion("status", [
      z.object({
        status: z.literal("executed"),
        commands: z.array(z.string()).describe("command tags, one per statement: `DELETE 6`, `SELECT 3`"),
        rows: z.array(z.record(z.string(), z.unknown())).describe("the last statement's rows, capped"),
        fields: z.array(z.string()),
        rowCount: z.number().int().nullable(),
        truncated: z.boolean(),
      }),
      z.object({ status: z.literal("failed"), error: z.string(), code: z.string().optional() }),
    ])
    .optional()
    .describe("present once the statement ran (or failed to)"),
});

export const UpstreamResponseSchema = z.object({
  status: z.number().int(),
  headers: z.record(z.string(), z.union([z.string(), z.array(z.string())])),
  body: z.string().describe("the body, at most 1 MiB, the credential replaced by [credential] wherever echoed"),
  bodyEncoding: z.enum(["utf8", "base64"]),
  truncated: z.boolean().describe("true when the body was cut at the cap"),
});

export const HttpRunSchema = z.object({
  request: RequestViewSchema,
  response: UpstreamResponseSchema.optional().describe("present once the call was sent and answered"),
  result: z.object({ status: z.literal("failed"), error: z.string(), code: z.string().optional() }).optional().describe("present when the call was sent but did not complete"),
});

export const McpRunSchema = z.object({
  request: RequestViewSchema,
  result: z
    .object({ status: z.enum(["executed", "failed"]), result: z.record(z.string(), z.unknown()).optional(), error: z.string().optional() })
    .optional()
    .describe("an MCP gateway call: the upstream tool's result"),
});

export const ResourceListSchema = z.object({
  resources: z.array(z.object({ name: z.string(), environment: z.string(), kind: z.string(), description: z.string() })),
});

export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string(),
  instance: z.string().optional(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});

export const JwksSchema = z.object({
  keys: z.array(z.object({ kty: z.literal("OKP"), crv: z.literal("Ed25519"), x: z.string(), kid: z.string(), alg: z.literal("EdDSA"), use: z.literal("sig") })),
});

export const ProtectedResourceMetadataSchema = z.object({
  resource: z.string().describe("The protected resource's identifier: Countersign's URL, or its MCP endpoint's"),
  resource_name: z.string(),
  bearer_methods_supported: z.array(z.literal("header")).describe("An agent key goes in the Authorization header, never elsewhere"),
  resource_documentation: z.string().optional(),
});

export const HealthSchema = z.object({
  status: z.enum(["ok", "degraded"]),
  database: z.object({ kind: z.string(), reachable: z.boolean(), latencyMs: z.number().optional(), error: z.string().optional() }),
  version: z.string(),
  time: z.string(),
});

const schema = (s: z.ZodType, io: "input" | "output" = "output") => z.toJSONSchema(s, { target: "draft-2020-12", io, unrepresentable: "any" });

function problems(...statuses: number[]) {
  const descriptions: Record<number, string> = {
    400: "Malformed request (bad JSON, JSON nested more than 64 deep, bad header)",
    401: "No, unknown, revoked or expired API key (or, for redeem, a bad or expired grant)",
    403: "Missing scope, environment or resource not allowed, agent disabled or quarantined (for redeem: not this key's grant)",
    404: "No such request (another agent's request answers the same)",
    409: "The request or grant is not in a state that allows this",
    413: "Body over 1 MiB",
    415: "Body is not JSON",
    422: "Validation failed; `errors[]` names the fields",
    429: "Rate limited: too many requests for this key, or too many failed attempts from this source (see Retry-After)",
    503: "Countersign's database is down or restarting (`database_unavailable`, retry after `Retry-After` seconds); for the executors also: the resource's database or HTTP upstream cannot be reached. Nothing ran and a grant stays unspent, so the call can be retried",
  };
  // Any call can meet a database that is restarting.
  const all = statuses.includes(503) ? statuses : [...statuses, 503];
  return Object.fromEntries(
    all.map((s) => [String(s), { description: descriptions[s], content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } } }]),
  );
}

const idParam = { name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } };
const json = (ref: string) => ({ "application/json": { schema: { $ref: `#/components/schemas/${ref}` } } });

export function openApiDocument(serverUrl: string) {
  return {
    openapi: "3.1.0",
    info: {
      title: "Countersign agent API",
      version: VERSION,
      description:
        "Agents submit the exact operation they want to run; policy allows, refuses, or sends it to human reviewers; an approval yields a signed, single-use grant bound to that operation, which the executor redeems before running anything. Every error is RFC 9457 problem details: a path under /api/v1 that no route serves answers 404, and a method a path does not serve answers 405 with an Allow header.",
    },
    servers: [{ url: serverUrl }],
    security: [{ agentKey: [] }],
    paths: {
      "/api/v1/requests": {
        post: {
          operationId: "createRequest",
          summary: "Ask to run an operation",
          parameters: [{ name: "Idempotency-Key", in: "header", required: false, schema: { type: "string", maxLength: 200 }, description: "Same key and same body → the same response; another body → 422" }],
          requestBody: { required: true, content: json("CreateRequest") },
          responses: {
            "201": {
              description: "Created: pending, approved (with grant) or denied (with reason); an Idempotency-Key replay answers the same",
              content: json("Request"),
            },
            ...problems(400, 401, 403, 413, 415, 422, 429),
          },
        },
      },
      "/api/v1/requests/{id}": {
        get: {
          operationId: "getRequest",
          summary: "Read a request; with ?wait=N, long-poll until it leaves pending",
          parameters: [idParam, { name: "wait", in: "query", required: false, description: "Seconds to long-poll for a decision; without it the read answers at once.", schema: { type: "integer", minimum: 1, maximum: 60 } }],
          responses: { "200": { description: "The request", content: json("Request") }, ...problems(401, 403, 404, 422, 429) },
        },
      },
      "/api/v1/requests/{id}/cancel": {
        post: {
          operationId: "cancelRequest",
          summary: "Withdraw a pending request",
          parameters: [idParam],
          responses: { "200": { description: "The cancelled request", content: json("Request") }, ...problems(401, 403, 404, 409, 429) },
        },
      },
      "/api/v1/requests/{id}/outcome": {
        post: {
          operationId: "reportOutcome",
          summary: "Report whether the redeemed operation ran (the redeemer only)",
          parameters: [idParam],
          requestBody: { required: true, content: json("ReportOutcome") },
          responses: {
            "200": { description: "The request, now executed or failed", content: json("Request") },
            ...problems(400, 401, 403, 404, 409, 413, 415, 422, 429),
          },
        },
      },
      "/api/v1/requests/{id}/execute": {
        post: {
          operationId: "executeRequest",
          summary: "Have Countersign run the approved statement (or send the approved HTTP call) of a request made through its executors, once",
          description:
            "For a request made with POST /api/v1/resources/{name}/sql or /http that was still pending when that call answered. Redeems the grant and runs the stored statement (or sends the stored call) once on the registered resource; of concurrent calls at most one runs it, the others answer 409. An HTTP call answers as POST /api/v1/resources/{name}/http does (HttpRun).",
          parameters: [idParam],
          requestBody: { required: false, content: json("RunApprovedSql") },
          responses: {
            "200": { description: "It ran (or failed to): the request and the result, or for an HTTP call the upstream's response", content: json("ExecuteRun") },
            "202": { description: "Still waiting for people: the request, without a result", content: json("SqlRun") },
            ...problems(400, 401, 403, 404, 409, 413, 415, 422, 429, 503),
          },
        },
      },
      "/api/v1/resources": {
        get: {
          operationId: "listResources",
          summary: "The registered resources this agent may target, by environment and resource pattern (never a connection URL)",
          responses: { "200": { description: "The resources", content: json("ResourceList") }, ...problems(401, 403, 429) },
        },
      },
      "/api/v1/resources/{name}/sql": {
        post: {
          operationId: "runSql",
          summary: "Ask Countersign to run SQL on a registered resource",
          description:
            "The environment comes from the resource's registration. Countersign measures the statement's effect read-only (shown to reviewers only, never in this API), asks policy (and people), and once approved runs it once. While people decide the answer is 202; run it later with POST /api/v1/requests/{id}/execute.",
          parameters: [{ name: "name", in: "path", required: true, schema: { type: "string" }, description: "The resource name, percent-encoded" }],
          requestBody: { required: true, content: json("RunSql") },
          responses: {
            "200": { description: "Ran (with result), or decided without running (denied)", content: json("SqlRun") },
            "202": { description: "Waiting for people: the request, without a result", content: json("SqlRun") },
            ...problems(400, 401, 403, 404, 413, 415, 422, 429, 503),
          },
        },
      },
      "/api/v1/resources/{name}/http": {
        post: {
          operationId: "runHttp",
          summary: "Ask Countersign to call a registered HTTP API with the credential it holds",
          description:
            "The environment comes from the resource's registration. Countersign builds the exact request under the resource's base URL (credentials and connection headers from the agent are refused), classifies it with the provider's catalog, asks policy (and people), and once approved sends it once with the credential added, following no redirect. While people decide the answer is 202; send it later with POST /api/v1/requests/{id}/execute.",
          parameters: [{ name: "name", in: "path", required: true, schema: { type: "string" }, description: "The resource name, percent-encoded" }],
          requestBody: { required: true, content: json("RunHttp") },
          responses: {
            "200": { description: "Sent (with the upstream's response), or decided without sending (denied)", content: json("HttpRun") },
            "202": { description: "Waiting for people: the request, without a response", content: json("HttpRun") },
            ...problems(400, 401, 403, 404, 409, 413, 415, 422, 429, 503),
          },
        },
      },
      "/api/v1/grants/redeem": {
        post: {
          operationId: "redeemGrant",
          summary: "Redeem a grant once, for exactly the approved operation",
          description:
            "The grant must verify and its claims (aud, env, sub, op) must match the stored request it names; a grant that does not answers 409 grant_request_mismatch and nothing may run. 409 also for a grant already redeemed or revoked; 422 when the operation does not digest to the grant's op.",
          requestBody: { required: true, content: json("RedeemGrant") },
          responses: {
            "200": { description: "Redeemed: run the operation now", content: json("Redemption") },
            ...problems(400, 401, 403, 409, 413, 415, 422, 429),
          },
        },
      },
      "/.well-known/jwks.json": {
        get: { operationId: "jwks", summary: "Public keys that verify grants", security: [], responses: { "200": { description: "JWK set", content: json("Jwks") } } },
      },
      "/.well-known/oauth-protected-resource": {
        get: {
          operationId: "protectedResourceMetadata",
          summary: "OAuth protected resource metadata (RFC 9728) for Countersign itself",
          description: "No authorization_servers: agents authenticate with their API key as a bearer token.",
          security: [],
          responses: { "200": { description: "Metadata", content: json("ProtectedResourceMetadata") } },
        },
      },
      "/.well-known/oauth-protected-resource/api/mcp": {
        get: {
          operationId: "mcpProtectedResourceMetadata",
          summary: "OAuth protected resource metadata (RFC 9728) for the MCP endpoint, named by its 401s' resource_metadata",
          security: [],
          responses: { "200": { description: "Metadata", content: json("ProtectedResourceMetadata") } },
        },
      },
      "/api/health": {
        get: {
          operationId: "health",
          summary: "Liveness and database reachability",
          security: [],
          responses: { "200": { description: "Healthy", content: json("Health") }, "503": { description: "Database unreachable", content: json("Health") } },
        },
      },
    },
    components: {
      securitySchemes: { agentKey: { type: "http", scheme: "bearer", description: "An agent key, `csk_…`" } },
      schemas: {
        CreateRequest: schema(CreateRequest, "input"),
        RedeemGrant: schema(RedeemGrant, "input"),
        ReportOutcome: schema(ReportOutcome, "input"),
        RunSql: schema(RunSql, "input"),
        RunApprovedSql: schema(RunApprovedSql, "input"),
        SqlRun: schema(SqlRunSchema),
        RunHttp: schema(RunHttp, "input"),
        HttpRun: schema(HttpRunSchema),
        ExecuteRun: schema(z.union([SqlRunSchema, HttpRunSchema, McpRunSchema])),
        ResourceList: schema(ResourceListSchema),
        Request: schema(RequestViewSchema),
        Redemption: schema(RedemptionSchema),
        Problem: schema(ProblemSchema),
        Jwks: schema(JwksSchema),
        ProtectedResourceMetadata: schema(ProtectedResourceMetadataSchema),
        Health: schema(HealthSchema),
      },
    },
  };
}
