// What an admin sends to register a resource: a PostgreSQL database (its connection URL) or an
// HTTP API (its base URL, how the credential is injected, and the credential itself).
import { z } from "zod";
import { HTTP_PROVIDER_CATALOGS } from "../risk/http-providers";

export const RESOURCE_NAME = /^[a-z0-9][a-z0-9._/-]{0,99}$/;
export const RESOURCE_KINDS = ["postgres", "http", "mcp"] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

/** A PostgreSQL connection URL: postgres:// or postgresql://, with a host. */
export const PostgresUrl = z
  .string()
  .max(4096)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === "postgres:" || url.protocol === "postgresql:") && url.hostname.length > 0;
    } catch {
      return false;
    }
  }, "must be a postgres:// or postgresql:// URL with a host");

/** An HTTP API's base URL: http(s), a host, no credentials, query or fragment. */
export const BaseUrl = z
  .string()
  .max(2048)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === "https:" || url.protocol === "http:") && url.hostname.length > 0 && !url.username && !url.password && !url.search && !url.hash;
    } catch {
      return false;
    }
  }, "must be an http:// or https:// URL with a host and no credentials, query or fragment");

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/;
const QUERY_NAME = /^[A-Za-z0-9._~-]{1,100}$/;

/** How the credential reaches the upstream: `bearer`, `basic` (`user:password`), `header:NAME`, `query:NAME`. */
export const HttpAuth = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("bearer") }),
  z.strictObject({ type: z.literal("basic") }),
  z.strictObject({ type: z.literal("header"), name: z.string().regex(HEADER_NAME, "a header name") }),
  z.strictObject({ type: z.literal("query"), name: z.string().regex(QUERY_NAME, "a query parameter name") }),
]);
export type HttpAuth = z.infer<typeof HttpAuth>;

/** `bearer`, `basic`, `header:NAME` or `query:NAME`, as the CLI and the form write it. */
export function parseHttpAuth(text: string): HttpAuth | null {
  const [type, ...rest] = text.trim().split(":");
  const name = rest.join(":");
  const parsed = HttpAuth.safeParse(type === "header" || type === "query" ? { type, name } : { type });
  return parsed.success ? parsed.data : null;
}

export function formatHttpAuth(auth: HttpAuth): string {
  return auth.type === "header" || auth.type === "query" ? `${auth.type}:${auth.name}` : auth.type;
}

const METHOD = z.string().regex(/^[A-Z]{1,16}$/, "an upper-case HTTP method");
const PATH_PREFIX = z.string().regex(/^\/[^\s?#]*$/, "a path starting with /").max(500);

export const HttpConfig = z.strictObject({
  baseUrl: BaseUrl,
  auth: HttpAuth,
  /** Empty: every method. */
  allowedMethods: z.array(METHOD).max(20).default([]),
  /** Empty: every path under the base URL. */
  allowedPathPrefixes: z.array(PATH_PREFIX).max(50).default([]),
  /** Allow DNS answers that are loopback, private or link-local (off: such a host is refused). */
  allowPrivateNetwork: z.boolean().default(false),
  /** How long a call may take, connecting included, before it is a time-out. */
  timeoutSeconds: z.number().int().min(1).max(120).default(30),
  /** Which provider's catalog judges the calls; null: the base URL's host decides. */
  catalog: z.enum(Object.keys(HTTP_PROVIDER_CATALOGS) as [string, ...string[]]).nullable().default(null),
});
export type HttpConfig = z.infer<typeof HttpConfig>;

const Common = {
  name: z.string().regex(RESOURCE_NAME, "lower-case letters, digits, . _ / -; at most 100 characters"),
  environment: z.string().min(1).max(100),
  description: z.string().max(1000).default(""),
};

export const RegisterPostgresResource = z.strictObject({ ...Common, kind: z.literal("postgres").default("postgres"), connectionUrl: PostgresUrl });
export const RegisterHttpResource = z.strictObject({
  ...Common,
  kind: z.literal("http"),
  ...HttpConfig.shape,
  /** The credential: a token, `user:password` for basic, or a header's or parameter's value. */
  secret: z.string().min(1).max(16 * 1024),
});

/** An upstream MCP server: a stdio command (run by Countersign) or a Streamable HTTP URL. */
export const McpConfig = z.discriminatedUnion("transport", [
  z.strictObject({
    transport: z.literal("stdio"),
    command: z.string().min(1).max(1000),
    args: z.array(z.string().max(4096)).max(100).default([]),
    timeoutSeconds: z.number().int().min(1).max(300).default(30),
  }),
  z.strictObject({
    transport: z.literal("http"),
    url: z.url({ protocol: /^https?$/ }).max(2048),
    timeoutSeconds: z.number().int().min(1).max(300).default(30),
  }),
]);
export type McpConfig = z.infer<typeof McpConfig>;

export const RegisterMcpResource = z.strictObject({
  ...Common,
  kind: z.literal("mcp"),
  config: McpConfig,
  /** stdio: `KEY=value` lines for its environment; http: its auth header (`Name: value`, or a bare bearer token). May be empty. */
  secret: z.string().max(16 * 1024).default(""),
});

export const RegisterResource = z.union([RegisterPostgresResource, RegisterHttpResource, RegisterMcpResource]);
export type RegisterResource = z.input<typeof RegisterResource>;
