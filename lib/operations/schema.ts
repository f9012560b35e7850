// The operation: the exact thing an executor will run. Its canonical form is what gets
// digested, reviewed and bound into the grant, so the schema is strict about shape.
import { z } from "zod";

// Strict like the rest: an extra key would be dropped silently, and the digested operation would
// differ from what the agent sent.
/** An environment's name, as environments are defined (lib/environments): no look-alikes, no spaces. */
export const ENVIRONMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
// A resource name is free-form (`postgres/main`, `s3://backups`), but shown to reviewers and matched
// by policy: no control, format (zero-width, bidi), private-use or unassigned characters, no
// separator but the plain space, and none at either end.
const RESOURCE_NAME = /^(?![ ])[^\p{C}\p{Z}]*(?:[ ]+[^\p{C}\p{Z}]+)*$/u;

export const Target = z.strictObject({
  environment: z.string().min(1).max(100).regex(ENVIRONMENT_NAME, "letters, digits, '.', '_' and '-' only, starting with a letter or digit"),
  resource: z
    .string()
    .min(1)
    .max(200)
    // A refinement, not .regex(): the pattern needs lookahead and Unicode property escapes, which
    // many languages' regex engines lack, so it must not appear in published JSON Schemas (the MCP
    // tools', the OpenAPI document's) for clients to compile.
    .refine((name) => RESOURCE_NAME.test(name), "no control, invisible or bidirectional-override characters, and no spaces at either end"),
});
export type Target = z.infer<typeof Target>;

export const SqlOperation = z.strictObject({
  kind: z.literal("sql"),
  target: Target,
  sql: z.string().min(1).max(512 * 1024),
});
export type SqlOperation = z.infer<typeof SqlOperation>;

export const HttpOperation = z.strictObject({
  kind: z.literal("http"),
  target: Target,
  method: z
    .string()
    .min(1)
    .max(16)
    .regex(/^[A-Za-z]+$/, "must be an HTTP method name"),
  url: z.url({ protocol: /^https?$/ }),
  /** Headers sent as they are (never credentials: a broker adds those after approval). */
  headers: z.record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/, "a header name"), z.string().max(8192)).optional(),
  body: z.unknown().optional(),
});

export const ShellOperation = z.strictObject({
  kind: z.literal("shell"),
  target: Target,
  command: z.string().min(1).max(64 * 1024),
  cwd: z.string().max(4096).optional(),
});

export const CustomOperation = z.strictObject({
  kind: z.literal("custom"),
  target: Target,
  action: z.string().min(1).max(200),
  params: z.record(z.string(), z.unknown()).optional(),
});

/** The hints an MCP server declares for a tool (never trusted to lower the risk). */
export const McpAnnotations = z.strictObject({
  readOnlyHint: z.boolean().optional(),
  destructiveHint: z.boolean().optional(),
  idempotentHint: z.boolean().optional(),
  openWorldHint: z.boolean().optional(),
});

/** A call to a tool of an upstream MCP server registered as a resource (the MCP gateway). */
export const McpOperation = z.strictObject({
  kind: z.literal("mcp"),
  target: Target,
  /** The upstream's own tool name. */
  tool: z.string().min(1).max(200),
  arguments: z.record(z.string(), z.unknown()),
  /** As the upstream declared them when the call was made: part of what is approved. */
  annotations: McpAnnotations.optional(),
});

export const Operation = z.discriminatedUnion("kind", [
  SqlOperation,
  HttpOperation,
  ShellOperation,
  CustomOperation,
  McpOperation,
]);
export type Operation = z.infer<typeof Operation>;
export type OperationKind = Operation["kind"];
export const OPERATION_KINDS = ["sql", "http", "shell", "custom", "mcp"] as const;
