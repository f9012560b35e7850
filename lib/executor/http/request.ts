// The exact request the broker will send, built from what the agent asked and the resource's
// registration, and checked against it: the path stays under the base URL and the allowed
// prefixes, the method is allowed, and nothing the agent sends can carry or replace a credential.
// Pure: the HTTP operation it returns is what is digested, reviewed and sent.
import { AppError } from "../../errors";
import type { HttpConfig } from "../../resources/schema";
import type { Operation } from "../../operations/schema";
import { asProviderUrl } from "../../risk/http-providers";
import type { RunHttp } from "./schema";

export type HttpOperation = Extract<Operation, { kind: "http" }>;

// Never from the agent: credentials, and what the broker itself decides about the connection.
const FORBIDDEN_HEADERS = new Set([
  "authorization", "proxy-authorization", "cookie", "x-api-key", "api-key", "x-auth-token", "private-token", "x-access-token",
  "host", "content-length", "connection", "transfer-encoding", "upgrade", "te", "trailer", "keep-alive", "proxy-connection", "expect",
]);

/** The broker's request for the agent's input, or a 4xx AppError naming the field. */
export function buildHttpOperation(resource: { name: string; environment: string; http: HttpConfig }, input: Pick<RunHttp, "method" | "path" | "query" | "headers" | "body">): HttpOperation {
  const { http } = resource;
  const method = input.method.toUpperCase();
  if (http.allowedMethods.length && !http.allowedMethods.includes(method)) {
    throw new AppError("http_not_allowed", `${resource.name} allows only ${http.allowedMethods.join(", ")}; ${method} was refused.`, [{ field: "method", message: "not allowed by the resource" }]);
  }
  const path = normalisedPath(input.path);
  const base = new URL(http.baseUrl);
  const basePath = base.pathname.replace(/\/+$/, "");
  if (http.allowedPathPrefixes.length && !http.allowedPathPrefixes.some((prefix) => underPrefix(path, prefix))) {
    throw new AppError("http_not_allowed", `${resource.name} allows only paths under ${http.allowedPathPrefixes.join(", ")}.`, [{ field: "path", message: "not under an allowed prefix" }]);
  }
  const url = new URL(`${base.origin}${basePath}${path}`);
  for (const [name, value] of Object.entries(input.query ?? {})) {
    if (http.auth.type === "query" && name === http.auth.name) {
      throw new AppError("validation_failed", "The credential is added by Countersign.", [{ field: `query.${name}`, message: "carries the resource's credential parameter" }]);
    }
    for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(name, v);
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers ?? {})) {
    const lower = name.toLowerCase();
    if (FORBIDDEN_HEADERS.has(lower) || (http.auth.type === "header" && lower === http.auth.name.toLowerCase())) {
      throw new AppError("validation_failed", "Credentials and connection headers are added by Countersign, never sent by the agent.", [
        { field: `headers.${name}`, message: "not allowed: the broker sets it" },
      ]);
    }
    if (/[\r\n\0]/.test(value)) throw new AppError("validation_failed", "A header value is not valid.", [{ field: `headers.${name}`, message: "no line breaks or NUL" }]);
    headers[lower] = value;
  }
  return {
    kind: "http",
    target: { environment: resource.environment, resource: resource.name },
    method,
    url: url.toString(),
    ...(Object.keys(headers).length ? { headers } : {}),
    ...(input.body !== undefined ? { body: input.body } : {}),
  };
}

/** The operation as the registered provider's catalog judges it (a stand-in host becomes the provider's). */
export function classifiedAs(operation: HttpOperation, http: HttpConfig): HttpOperation {
  return http.catalog ? { ...operation, url: asProviderUrl(operation.url, http.catalog) } : operation;
}

function normalisedPath(raw: string): string {
  const bad = (why: string) => new AppError("validation_failed", "The path is not valid.", [{ field: "path", message: why }]);
  if (!raw.startsWith("/") || raw.startsWith("//")) throw bad("must start with a single /");
  if (/[\s\\?#\0-\x1f\x7f]/.test(raw)) throw bad("no spaces, backslashes, control characters, ? or # (give the query as query)");
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw bad("has a malformed percent escape");
  }
  // Neither written nor encoded: `..` would leave the base URL or an allowed prefix.
  if (decoded.split("/").some((segment) => segment === ".." || segment === ".")) throw bad("no . or .. segments");
  if (/[\\\0-\x1f\x7f]/.test(decoded) || decoded.includes("//")) throw bad("no encoded backslashes, control characters or empty segments");
  return raw;
}

function underPrefix(path: string, prefix: string): boolean {
  const p = prefix.replace(/\/+$/, "");
  return p === "" || path === p || path.startsWith(`${p}/`);
}
