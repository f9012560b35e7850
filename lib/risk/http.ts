// HTTP risk: reads are low; every other call is high unless the catalog of known destructive
// cloud calls says more (or recognises a read sent with POST, such as a GraphQL query). The host
// alone can make a call high (a cloud metadata service) or critical (a look-alike of a provider's).
import { scanGraphql } from "./graphql";
import { type HttpCatalogEntry, type HttpRequestView, HTTP_CATALOG, PROVIDER_DOMAINS, matchHttpCatalog } from "./http-catalog";
import { cloudMetadataService, lookalikeHost } from "./hosts";
import { type Finding, type RiskAssessment, quoteName, toAssessment } from "./levels";

// Only GET and HEAD are reads: OPTIONS is whatever the server makes of it (WebDAV, custom APIs).
const READ_METHODS = new Set(["GET", "HEAD"]);

export interface HttpCall {
  method: string;
  url: string;
  body?: unknown;
}

export function assessHttp(call: HttpCall, catalog: readonly HttpCatalogEntry[] = HTTP_CATALOG): RiskAssessment {
  const method = call.method.toUpperCase();
  const request = toRequestView(method, call.url, call.body);
  if (!request) {
    return toAssessment([
      { id: "http.unclassified_write", level: "high", message: `Sends a ${method} request to a URL Countersign cannot parse` },
    ]);
  }
  return toAssessment([...hostFindings(request), ...requestFindings(request, catalog)]);
}

/** What the host alone says, whatever the method: a GET to a metadata service returns credentials. */
function hostFindings(request: HttpRequestView): Finding[] {
  const findings: Finding[] = [];
  const service = cloudMetadataService(request.host);
  if (service !== null) {
    findings.push({
      id: "http.cloud_metadata",
      level: "high",
      message: `Sends a ${request.method} request to ${quoteName(request.host)} (${service}); a metadata service hands out the machine's cloud credentials and settings`,
    });
  }
  const lookalike = lookalikeHost(request.host, PROVIDER_DOMAINS);
  if (lookalike !== null) {
    findings.push({
      id: "http.lookalike_host",
      level: "critical",
      message: `Sends the request to ${quoteName(request.host)}, displayed as ${quoteName(lookalike.shown)}, which ${lookalike.why}`,
    });
  }
  return findings;
}

function requestFindings(request: HttpRequestView, catalog: readonly HttpCatalogEntry[]): Finding[] {
  const { method, host } = request;
  const { findings, knownRead } = matchHttpCatalog(request, catalog);
  if (findings.length > 0 || knownRead) return findings;
  const graphql = graphqlRequest(request);
  if (graphql?.kind === "mutation") {
    const via = READ_METHODS.has(method) ? ` through a ${method} request's ?query= parameter` : "";
    return [{ id: "http.unclassified_write", level: "high", message: `Runs ${graphql.what} on ${quoteName(host)}${via}, which Countersign does not classify` }];
  }
  if (graphql?.kind === "persisted") {
    return [
      {
        id: "http.unclassified_write",
        level: "high",
        message: `Sends ${quoteName(host)} a GraphQL request naming a persisted query (a hash or an id), which runs a document the request does not hold, so Countersign cannot rule out a mutation`,
      },
    ];
  }
  if (graphql?.kind === "read" || READ_METHODS.has(method)) return [];
  return [{ id: "http.unclassified_write", level: "high", message: `Sends a ${method} request to ${quoteName(host)}, which Countersign cannot classify` }];
}

type GraphqlRequest = { kind: "read" } | { kind: "mutation"; what: string } | { kind: "persisted" };

/** Keys of a GraphQL-over-HTTP request body; any other key means the body is something else. */
const GRAPHQL_BODY_KEYS = new Set(["query", "variables", "operationName", "extensions"]);
/** Keys that name a stored document instead of sending one (Apollo, Relay and others). */
const PERSISTED_KEYS = ["id", "documentId", "doc_id", "queryId"];

/**
 * A GraphQL request to any host, judged by its documents: only queries (and subscriptions, which
 * read a stream of results) make a read; a mutation in any document or operation makes a write,
 * whatever `operationName` picks; a persisted query runs a document the request does not hold.
 * A POST counts only when its body is nothing but GraphQL requests whose documents all parse;
 * in `?query=`, text that does not parse is an ordinary search string, so only a parsed mutation
 * counts. Null when the request is not GraphQL as far as Countersign can tell.
 */
function graphqlRequest(request: HttpRequestView): GraphqlRequest | null {
  const urlDocuments = request.query.getAll("query");
  let persisted = urlDocuments.length === 0 && namesPersistedQuery(request.query.get("extensions"));
  const bodyDocuments: string[] = [];
  if (request.method === "POST" && (request.json !== undefined || request.form !== undefined || (request.text ?? "").trim() !== "")) {
    const body = graphqlBody(request.json);
    if (body === null) return null;
    bodyDocuments.push(...body.documents);
    persisted ||= body.persisted;
  } else if (!READ_METHODS.has(request.method) && request.method !== "POST") {
    return null;
  }
  if (persisted) return { kind: "persisted" };
  const mutations: string[] = [];
  let operations = 0;
  for (const [document, fromUrl] of [...bodyDocuments.map((d) => [d, false] as const), ...urlDocuments.map((d) => [d, true] as const)]) {
    const scan = scanGraphql(document);
    if (!scan.ok) {
      if (fromUrl && READ_METHODS.has(request.method)) continue;
      return null;
    }
    operations += scan.operations.length;
    if (scan.operations.includes("mutation")) {
      if (scan.rootMutationFields.length === 0) mutations.push("");
      for (const field of scan.rootMutationFields) mutations.push(field);
    }
  }
  if (mutations.length > 0) {
    const names = [...new Set(mutations.filter((m) => m !== ""))].map(quoteName).join(", ");
    return { kind: "mutation", what: names === "" ? "a GraphQL mutation" : `GraphQL mutation ${names}` };
  }
  return operations > 0 ? { kind: "read" } : null;
}

/** The documents of a body made only of GraphQL requests (one, or a batch), or null. */
function graphqlBody(json: unknown): { documents: string[]; persisted: boolean } | null {
  const items = Array.isArray(json) ? json : [json];
  if (items.length === 0) return null;
  const documents: string[] = [];
  let persisted = false;
  for (const item of items) {
    if (item === null || typeof item !== "object" || Array.isArray(item)) return null;
    const request = item as Record<string, unknown>;
    const keys = Object.keys(request);
    if (keys.some((key) => !GRAPHQL_BODY_KEYS.has(key) && !PERSISTED_KEYS.includes(key))) return null;
    if (keys.some((key) => PERSISTED_KEYS.includes(key)) || namesPersistedQuery(request.extensions)) {
      persisted = true;
      continue;
    }
    if (typeof request.query !== "string") return null;
    documents.push(request.query);
  }
  return { documents, persisted };
}

/** True when `extensions` (an object, or JSON text from a URL) names a persisted query. */
function namesPersistedQuery(extensions: unknown): boolean {
  let value = extensions;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      return false;
    }
  }
  return value !== null && typeof value === "object" && "persistedQuery" in value;
}

export function toRequestView(method: string, url: string, body: unknown): HttpRequestView | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  const path = parsed.pathname
    .split("/")
    .map(safeDecode)
    .filter((segment) => segment !== "")
    .join("/");
  const view: HttpRequestView = {
    method: method.toUpperCase(),
    host: parsed.hostname.toLowerCase().replace(/\.$/, ""),
    path: `/${path}`,
    query: parsed.searchParams,
    json: undefined,
    form: undefined,
    text: undefined,
  };
  if (typeof body === "string") {
    view.text = body;
    const trimmed = body.trim();
    if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
      try {
        view.json = JSON.parse(trimmed) as unknown;
      } catch {
        // not JSON: left as text
      }
    } else if (trimmed.includes("=")) {
      view.form = parseForm(trimmed);
    }
  } else if (body !== null && typeof body === "object") {
    view.json = body;
  }
  return view;
}

/**
 * Any text body with an `=` is read as form data, as tolerantly as a server would: stray `&`,
 * line breaks between pairs, unencoded spaces. A strict pattern let a body that AWS accepts
 * (`&Action=DeleteDBSnapshot&…`) skip the catalog. Names and values are trimmed.
 */
function parseForm(text: string): URLSearchParams {
  const form = new URLSearchParams();
  for (const [name, value] of new URLSearchParams(text.replace(/[\r\n]+/g, "&"))) {
    const key = name.trim();
    if (key !== "") form.append(key, value.trim());
  }
  return form;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
