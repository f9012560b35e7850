// HTTP risk: reads are low; every other call is high unless the catalog of known destructive
// cloud calls says more (or recognises a read sent with POST, such as a GraphQL query).
import { scanGraphql } from "./graphql";
import { type HttpCatalogEntry, type HttpRequestView, HTTP_CATALOG, matchHttpCatalog } from "./http-catalog";
import { type RiskAssessment, quoteName, toAssessment } from "./levels";

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
  const { findings, knownRead } = matchHttpCatalog(request, catalog);
  if (findings.length === 0 && !knownRead && READ_METHODS.has(method)) {
    const mutation = urlMutation(request);
    if (mutation !== null) {
      return toAssessment([
        {
          id: "http.unclassified_write",
          level: "high",
          message: `Runs ${mutation} on ${quoteName(request.host)} through a ${method} request's ?query= parameter, which Countersign does not classify`,
        },
      ]);
    }
  }
  if (findings.length > 0 || knownRead || READ_METHODS.has(method)) return toAssessment(findings);
  return toAssessment([
    {
      id: "http.unclassified_write",
      level: "high",
      message: `Sends a ${method} request to ${quoteName(request.host)}, which Countersign cannot classify`,
    },
  ]);
}

/**
 * A GraphQL mutation in a `?query=` parameter: GraphQL servers commonly accept documents by GET,
 * and many run mutations sent that way. Text that does not parse as GraphQL is an ordinary search
 * string, so only a parsed mutation counts.
 */
function urlMutation(request: HttpRequestView): string | null {
  for (const document of request.query.getAll("query")) {
    const scan = scanGraphql(document);
    if (!scan.ok || !scan.operations.includes("mutation")) continue;
    const names = [...new Set(scan.rootMutationFields)].map(quoteName).join(", ");
    return names === "" ? "a GraphQL mutation" : `GraphQL mutation ${names}`;
  }
  return null;
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
