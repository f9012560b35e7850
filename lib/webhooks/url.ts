// Where a webhook may point. https anywhere else; plain http only to this machine (a local
// receiver, a collector beside the server), whatever NODE_ENV says: on any other network the
// body — request details — would cross it in clear. Never at Countersign itself (a loop that
// would feed its own API), and never at a cloud metadata service (a classic SSRF target that
// hands out credentials). The host is checked as written when the endpoint is added, and as
// resolved before every delivery, so a name later pointed at a metadata address is refused too.
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import type { Config } from "../env";

const METADATA_HOSTS = new Set(["metadata", "metadata.google.internal", "metadata.goog", "metadata.azure.com", "instance-data", "instance-data.ec2.internal"]);
const LOOPBACK_NAMES = new Set(["localhost", "localhost."]);

function bare(hostname: string): string {
  return hostname.replace(/^\[|\]$/g, "").toLowerCase();
}

/** The IPv4 address inside an IPv4-mapped IPv6 one, in either spelling (`::ffff:1.2.3.4`, `::ffff:102:304`, as URL writes it). */
function mappedV4(address: string): string | null {
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (dotted) return dotted[1];
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(address);
  if (!hex) return null;
  const [high, low] = [parseInt(hex[1], 16), parseInt(hex[2], 16)];
  return [high >> 8, high & 255, low >> 8, low & 255].join(".");
}

/** 127.0.0.0/8, ::1 and IPv4-mapped loopback. */
export function isLoopbackAddress(address: string): boolean {
  const a = bare(address);
  if (isIP(a) === 4) return a.startsWith("127.");
  if (a === "::1") return true;
  return mappedV4(a)?.startsWith("127.") ?? false;
}

/** Link-local (169.254.0.0/16, fe80::/10: AWS, GCP, Azure, OCI metadata), AWS's IPv6 one, Alibaba's, and unspecified addresses. */
export function isMetadataAddress(address: string): boolean {
  const a = bare(address);
  const v4 = mappedV4(a) ?? (isIP(a) === 4 ? a : null);
  if (v4) return v4.startsWith("169.254.") || v4 === "100.100.100.200" || v4 === "0.0.0.0";
  if (isIP(a) !== 6) return false;
  return /^fe[89ab][0-9a-f]:/.test(a) || a === "fd00:ec2::254" || a === "::";
}

export function isLoopbackHost(hostname: string): boolean {
  const h = bare(hostname);
  return LOOPBACK_NAMES.has(h) || h.endsWith(".localhost") || isLoopbackAddress(h);
}

function portOf(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
}

/** Why this URL may not be a webhook endpoint, or null when it may. */
export function webhookUrlProblem(value: string, cfg: Pick<Config, "publicUrl" | "port">): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "must be an absolute http(s) URL";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return "must be an https:// URL";
  if (url.username || url.password) return "must not carry a user name or password (the signature authenticates Countersign)";
  const host = bare(url.hostname);
  if (METADATA_HOSTS.has(host) || isMetadataAddress(host)) return "must not point at a cloud metadata address";
  let self: URL | null = null;
  try {
    self = new URL(cfg.publicUrl);
  } catch {
    self = null;
  }
  const sameHost = self !== null && bare(self.hostname) === host && portOf(self) === portOf(url);
  const ownPort = isLoopbackHost(host) && portOf(url) === cfg.port;
  if (sameHost || ownPort) return "must not point at Countersign itself";
  if (url.protocol === "http:" && !isLoopbackHost(host)) return "must be https:// (plain http only to localhost)";
  return null;
}

/** Before a delivery: the problem with where the host resolves now, or null. */
export async function resolvedUrlProblem(value: string, cfg: Pick<Config, "port">): Promise<string | null> {
  const url = new URL(value);
  const host = bare(url.hostname);
  if (isIP(host)) return null; // checked as written
  let addresses: Array<{ address: string }>;
  try {
    addresses = await lookup(host, { all: true });
  } catch {
    return null; // the delivery's own error says the host does not resolve
  }
  if (addresses.some((a) => isMetadataAddress(a.address))) return "the host resolves to a cloud metadata or link-local address";
  if (url.protocol === "http:" && addresses.some((a) => !isLoopbackAddress(a.address))) return "plain http is allowed only to loopback addresses";
  if (addresses.some((a) => isLoopbackAddress(a.address)) && portOf(url) === cfg.port) return "the host resolves to Countersign itself";
  return null;
}
