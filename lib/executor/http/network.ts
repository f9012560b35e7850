// The broker's connection to an upstream API: the host is resolved once and every address checked
// (loopback, private, link-local and other non-public ranges are refused unless the resource
// allows a private network), the socket is opened to the checked address (so a second DNS answer
// cannot redirect it), and only then — once the grant is redeemed — is the request written on it.
// Redirects are never followed; the body read back is capped; the credential is scrubbed from
// everything echoed.
import { BlockList, isIP } from "node:net";
import net from "node:net";
import tls from "node:tls";
import http from "node:http";
import https from "node:https";
import { lookup } from "node:dns/promises";
import type { HttpAuth } from "../../resources/schema";

export const DEFAULT_HTTP_TIMEOUT_MS = 30_000;
export const MAX_RESPONSE_BYTES = 1024 * 1024;

/** Why the upstream was not reached: nothing was sent, so the grant stays unspent. */
export class UpstreamUnreachableError extends Error {
  override name = "UpstreamUnreachableError";
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** The host resolves to an address the resource may not reach. */
export class PrivateNetworkError extends Error {
  override name = "PrivateNetworkError";
}

const NON_PUBLIC = new BlockList();
for (const [net4, prefix] of [
  ["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16], ["172.16.0.0", 12], ["192.0.0.0", 24],
  ["192.0.2.0", 24], ["192.168.0.0", 16], ["198.18.0.0", 15], ["198.51.100.0", 24], ["203.0.113.0", 24], ["224.0.0.0", 4], ["240.0.0.0", 4],
] as const) NON_PUBLIC.addSubnet(net4, prefix, "ipv4");
for (const [net6, prefix] of [["::", 128], ["::1", 128], ["fc00::", 7], ["fe80::", 10], ["ff00::", 8], ["2001:db8::", 32], ["100::", 64]] as const) {
  NON_PUBLIC.addSubnet(net6, prefix, "ipv6");
}

/** True for loopback, private, link-local, shared, documentation, multicast and reserved addresses (IPv4-mapped and NAT64 included). */
export function isNonPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return NON_PUBLIC.check(address, "ipv4");
  if (family !== 6) return true;
  const lower = address.toLowerCase();
  const mapped = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped) return NON_PUBLIC.check(mapped[1]!, "ipv4");
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const n = (parseInt(hex[1]!, 16) << 16) | parseInt(hex[2]!, 16);
    return NON_PUBLIC.check([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join("."), "ipv4");
  }
  return NON_PUBLIC.check(address, "ipv6");
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[]>;
  /** UTF-8 text, or base64 for a body that is not text. */
  body: string;
  bodyEncoding: "utf8" | "base64";
  /** True when the body was longer than the cap and was cut. */
  truncated: boolean;
}

export interface OutgoingRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
}

/** A connection opened to the upstream's checked address, ready to send one request. */
export interface UpstreamConnection {
  send(request: OutgoingRequest): Promise<UpstreamResponse>;
  close(): void;
}

interface ConnectOptions {
  allowPrivateNetwork: boolean;
  timeoutMs?: number;
}

/** Resolves, checks and connects (TLS handshake included). Throws before anything is sent. */
export async function connectUpstream(rawUrl: string, options: ConnectOptions): Promise<UpstreamConnection> {
  const url = new URL(rawUrl);
  const timeoutMs = options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
  const hostname = url.hostname.replace(/^\[|\]$/g, "");
  let addresses: Array<{ address: string; family: number }>;
  try {
    addresses = isIP(hostname) ? [{ address: hostname, family: isIP(hostname) }] : await lookup(hostname, { all: true, verbatim: true });
  } catch (error) {
    throw new UpstreamUnreachableError("The upstream's host name did not resolve.", codeOf(error));
  }
  if (addresses.length === 0) throw new UpstreamUnreachableError("The upstream's host name did not resolve.", "ENOTFOUND");
  if (!options.allowPrivateNetwork) {
    const blocked = addresses.find((a) => isNonPublicAddress(a.address));
    if (blocked) throw new PrivateNetworkError(`The host resolves to a loopback, private or link-local address (${blocked.address}); this resource does not allow a private network.`);
  }
  const { address } = addresses[0]!;
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  const socket = await new Promise<net.Socket>((resolve, reject) => {
    const onError = (error: Error) => reject(new UpstreamUnreachableError("Could not connect to the upstream.", codeOf(error)));
    const s: net.Socket =
      url.protocol === "https:"
        ? tls.connect({ host: address, port, servername: isIP(hostname) ? undefined : hostname, ALPNProtocols: ["http/1.1"] }, () => resolve(s))
        : net.connect({ host: address, port }, () => resolve(s));
    s.setTimeout(timeoutMs, () => s.destroy(Object.assign(new Error("connect timed out"), { code: "ETIMEDOUT" })));
    s.once("error", onError);
  });
  socket.setTimeout(0);
  let used = false;
  return {
    send(request) {
      if (used) throw new Error("an upstream connection sends one request");
      used = true;
      return sendOn(socket, url, request, timeoutMs);
    },
    close() {
      socket.destroy();
    },
  };
}

function sendOn(socket: net.Socket, base: URL, request: OutgoingRequest, timeoutMs: number): Promise<UpstreamResponse> {
  const target = new URL(request.url);
  const { body, contentType } = encodeBody(request.body);
  const headers: Record<string, string> = { ...(request.headers ?? {}) };
  if (body !== undefined) {
    if (!Object.keys(headers).some((h) => h.toLowerCase() === "content-type") && contentType) headers["content-type"] = contentType;
    headers["content-length"] = String(body.length);
  }
  headers.host = target.host;
  headers.connection = "close";
  const client = base.protocol === "https:" ? https : http;
  return new Promise<UpstreamResponse>((resolve, reject) => {
    const req = client.request({
      method: request.method,
      path: `${target.pathname}${target.search}`,
      headers,
      createConnection: () => socket as never,
    });
    const timer = setTimeout(() => req.destroy(Object.assign(new Error(`no complete answer within ${timeoutMs / 1000} s`), { code: "ETIMEDOUT" })), timeoutMs);
    req.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.once("response", (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      res.on("data", (chunk: Buffer) => {
        if (truncated) return;
        if (size + chunk.length > MAX_RESPONSE_BYTES) {
          chunks.push(chunk.subarray(0, MAX_RESPONSE_BYTES - size));
          size = MAX_RESPONSE_BYTES;
          truncated = true;
          res.destroy();
          finish();
          return;
        }
        chunks.push(chunk);
        size += chunk.length;
      });
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        const raw = Buffer.concat(chunks);
        const text = isText(String(res.headers["content-type"] ?? ""));
        const headersOut: Record<string, string | string[]> = {};
        for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) headersOut[name] = value;
        resolve({ status: res.statusCode ?? 0, headers: headersOut, body: raw.toString(text ? "utf8" : "base64"), bodyEncoding: text ? "utf8" : "base64", truncated });
      };
      res.once("end", finish);
      res.once("error", (error) => {
        if (truncated) return;
        clearTimeout(timer);
        reject(error);
      });
    });
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

function encodeBody(body: unknown): { body: Buffer | undefined; contentType: string | null } {
  if (body === undefined) return { body: undefined, contentType: null };
  if (typeof body === "string") return { body: Buffer.from(body, "utf8"), contentType: "text/plain; charset=utf-8" };
  return { body: Buffer.from(JSON.stringify(body), "utf8"), contentType: "application/json" };
}

const isText = (contentType: string) => contentType === "" || /^(?:text\/|application\/(?:[\w.+-]*\+)?(?:json|xml|javascript|x-www-form-urlencoded|graphql))/i.test(contentType);

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  return typeof code === "string" && /^[A-Z0-9_]{2,32}$/.test(code) ? code : "unknown";
}

/** The request with the credential added as the resource says: nothing the agent sent carries it. */
export function withCredential(request: OutgoingRequest, auth: HttpAuth, secret: string): OutgoingRequest {
  const headers = { ...(request.headers ?? {}) };
  let url = request.url;
  switch (auth.type) {
    case "bearer":
      headers.authorization = `Bearer ${secret}`;
      break;
    case "basic":
      headers.authorization = `Basic ${Buffer.from(secret, "utf8").toString("base64")}`;
      break;
    case "header":
      headers[auth.name.toLowerCase()] = secret;
      break;
    case "query": {
      const u = new URL(url);
      u.searchParams.set(auth.name, secret);
      url = u.toString();
      break;
    }
  }
  return { ...request, url, headers };
}

/** Every form the credential can take in an echo (raw, URL-encoded, basic-encoded), replaced. */
export function scrubCredential(text: string, secret: string): string {
  const forms = new Set([secret, encodeURIComponent(secret), Buffer.from(secret, "utf8").toString("base64")].filter((f) => f.length >= 4));
  let out = text;
  for (const form of [...forms].sort((a, b) => b.length - a.length)) out = out.split(form).join("[credential]");
  return out;
}

export function scrubResponse(response: UpstreamResponse, secret: string): UpstreamResponse {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    headers[name] = Array.isArray(value) ? value.map((v) => scrubCredential(v, secret)) : scrubCredential(value, secret);
  }
  const body = response.bodyEncoding === "utf8" ? scrubCredential(response.body, secret) : response.body;
  return { ...response, headers, body };
}
