// What an HTTP request's host alone says about it: a cloud metadata service (which hands out the
// machine's credentials), or a name made to look like a provider's (mixed scripts, look-alike
// letters). Works on the host as the WHATWG URL parser leaves it: lower-case, IPv4 in dotted
// decimal however it was written, IPv6 compressed in brackets, international names in punycode.

/** Metadata and credential endpoints, by host, with who serves them. */
const METADATA_HOSTS: ReadonlyMap<string, string> = new Map([
  ["169.254.169.254", "the instance metadata service of AWS, Google Cloud, Azure, Oracle Cloud, DigitalOcean and OpenStack"],
  ["fd00:ec2::254", "the AWS instance metadata service (IPv6)"],
  ["169.254.170.2", "the Amazon ECS task metadata and credentials endpoint"],
  ["169.254.170.23", "the Amazon EKS Pod Identity credentials agent"],
  ["fd00:ec2::23", "the Amazon EKS Pod Identity credentials agent (IPv6)"],
  ["100.100.100.200", "the Alibaba Cloud instance metadata service"],
  ["192.0.0.192", "the Oracle Cloud instance metadata service"],
  ["168.63.129.16", "the Azure platform endpoint (WireServer), which serves certificates and extension settings"],
  ["metadata.google.internal", "the Google Cloud metadata server"],
  ["metadata.goog", "the Google Cloud metadata server"],
  ["metadata", "the Google Cloud metadata server"],
  ["instance-data", "the AWS instance metadata service"],
  ["instance-data.ec2.internal", "the AWS instance metadata service"],
  ["metadata.tencentyun.com", "the Tencent Cloud instance metadata service"],
  ["api.metadata.cloud.ibm.com", "the IBM Cloud instance metadata service"],
  ["metadata.platformequinix.com", "the Equinix Metal metadata service"],
  ["metadata.packet.net", "the Equinix Metal metadata service"],
]);

/** Which metadata service a host is, or null. Link-local IPv4 (169.254.0.0/16) always counts. */
export function cloudMetadataService(host: string): string | null {
  const bare = host.replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "");
  const known = METADATA_HOSTS.get(bare);
  if (known) return known;
  const ipv4 = bare.includes(":") ? embeddedIpv4(bare) : /^\d+\.\d+\.\d+\.\d+$/.test(bare) ? bare : null;
  if (ipv4 !== null) {
    const embedded = METADATA_HOSTS.get(ipv4);
    if (embedded) return `${embedded}, written as an IPv6 address`;
    if (ipv4.startsWith("169.254.")) return "a link-local address, where cloud metadata and credential services listen";
    return null;
  }
  // Wildcard DNS names that resolve to the address they spell (169-254-169-254.sslip.io, a9fea9fe.nip.io).
  if (/(?:^|[.-])169[.-]254[.-]\d{1,3}[.-]\d{1,3}(?:$|[.-])/.test(bare) || bare.split(".").some((label) => METADATA_HEX_LABELS.has(label))) {
    return "a name that spells a cloud metadata address, as wildcard DNS services resolve it";
  }
  return null;
}

const METADATA_HEX_LABELS: ReadonlySet<string> = new Set(
  [...METADATA_HOSTS.keys()]
    .filter((h) => /^\d+\.\d+\.\d+\.\d+$/.test(h))
    .map((h) => h.split(".").map((octet) => Number(octet).toString(16).padStart(2, "0")).join("")),
);

/**
 * The IPv4 address an IPv6 address carries (IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible
 * `::a.b.c.d`, NAT64 `64:ff9b::a.b.c.d`), as the URL parser serialises them, or null.
 */
function embeddedIpv4(ipv6: string): string | null {
  const groups = expandIpv6(ipv6);
  if (!groups) return null;
  const prefix = groups.slice(0, 6);
  const mapped = prefix.slice(0, 5).every((g) => g === 0) && (prefix[5] === 0 || prefix[5] === 0xffff);
  const nat64 = prefix[0] === 0x64 && prefix[1] === 0xff9b && prefix.slice(2).every((g) => g === 0);
  if (!mapped && !nat64) return null;
  const [high, low] = [groups[6]!, groups[7]!];
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join(".");
}

function expandIpv6(text: string): number[] | null {
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string) => (part === "" ? [] : part.split(":").map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN)));
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return null;
  const groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  return groups.some(Number.isNaN) ? null : groups;
}

// ---------------------------------------------------------------------------------------------
// Look-alike names

/** Script combinations that are ordinary in one name (Japanese, Chinese, Korean with Latin). */
const ALLOWED_MIXES: readonly ReadonlySet<string>[] = [
  new Set(["Latin", "Han", "Hiragana", "Katakana"]),
  new Set(["Latin", "Han", "Bopomofo"]),
  new Set(["Latin", "Han", "Hangul"]),
];

const SCRIPTS = [
  "Latin", "Cyrillic", "Greek", "Armenian", "Georgian", "Cherokee", "Coptic", "Hebrew", "Arabic", "Syriac", "Thaana",
  "Devanagari", "Bengali", "Gurmukhi", "Gujarati", "Oriya", "Tamil", "Telugu", "Kannada", "Malayalam", "Sinhala",
  "Thai", "Lao", "Tibetan", "Myanmar", "Khmer", "Mongolian", "Han", "Hiragana", "Katakana", "Hangul", "Bopomofo",
  "Ethiopic", "Canadian_Aboriginal", "Runic", "Ogham", "Tifinagh", "Vai", "Lisu", "Nko",
].map((name) => ({ name, pattern: new RegExp(`^\\p{Script=${name}}$`, "u") }));

const NEUTRAL = /^[\p{Script=Common}\p{Script=Inherited}]$/u;

/** The scripts of the letters in a name (digits, hyphens and combining marks belong to none). */
function scriptsOf(label: string): Set<string> {
  const scripts = new Set<string>();
  for (const char of label) {
    if (NEUTRAL.test(char)) continue;
    scripts.add(SCRIPTS.find((s) => s.pattern.test(char))?.name ?? "Other");
  }
  return scripts;
}

/** Letters of other scripts (and Latin letters outside ASCII) that render like an ASCII letter. */
const CONFUSABLES: Record<string, string> = {
  // Cyrillic
  а: "a", е: "e", ё: "e", һ: "h", і: "i", ї: "i", ј: "j", к: "k", ӏ: "l", о: "o", р: "p", с: "c", у: "y", х: "x",
  ѕ: "s", ԁ: "d", ԛ: "q", ԝ: "w", ү: "y",
  // Greek
  α: "a", β: "b", ε: "e", η: "n", ι: "i", κ: "k", ν: "v", ο: "o", ρ: "p", τ: "t", υ: "u", χ: "x", ϲ: "c", ϳ: "j",
  // Armenian
  ո: "n", ս: "u", օ: "o", հ: "h", զ: "q", ց: "g",
  // Latin letters outside ASCII (accented ones lose their accent instead)
  ı: "i", ɑ: "a", ɡ: "g", ɩ: "i", ƅ: "b",
};

/** What a host looks like on screen, reduced to ASCII where its letters are look-alikes. */
function skeleton(text: string): string {
  let out = "";
  for (const char of text.normalize("NFD")) {
    if (/^\p{M}$/u.test(char)) continue; // accents: `í` reads as `i`
    out += CONFUSABLES[char] ?? char;
  }
  return out;
}

export interface LookalikeHost {
  /** The host as displayed, international letters decoded. */
  shown: string;
  /** Why it is a look-alike, completing "The host …". */
  why: string;
}

/**
 * A host made to look like another: a name (label) mixing scripts, such as Cyrillic `а` among
 * Latin letters, or an international name that renders like one of `protectedDomains`.
 */
export function lookalikeHost(host: string, protectedDomains: readonly string[]): LookalikeHost | null {
  const labels = host.replace(/\.$/, "").split(".");
  if (!labels.some((label) => label.startsWith("xn--"))) return null;
  const decoded = labels.map((label) => (label.startsWith("xn--") ? decodePunycode(label.slice(4)) : label));
  if (decoded.some((label) => label === null)) return { shown: host, why: "has a name in punycode that does not decode" };
  const shown = (decoded as string[]).join(".");
  for (const label of decoded as string[]) {
    const scripts = scriptsOf(label);
    if (scripts.size > 1 && !ALLOWED_MIXES.some((allowed) => [...scripts].every((s) => allowed.has(s)))) {
      return { shown, why: `mixes ${[...scripts].sort().join(" and ")} letters in one name, as look-alike hosts do` };
    }
  }
  const looksLike = skeleton(shown);
  const imitated = protectedDomains.find((domain) => looksLike === domain || looksLike.endsWith(`.${domain}`));
  if (imitated) return { shown, why: `looks like ${imitated} but is a different host` };
  return null;
}

// RFC 3492 (Punycode) decoding, for the `xn--` labels the URL parser produces.
const BASE = 36;
const T_MIN = 1;
const T_MAX = 26;

/** Decodes the part of a label after `xn--`; null when it is not valid punycode (or longer than a DNS label can be). */
export function decodePunycode(input: string): string | null {
  if (input.length > 59) return null;
  const output: number[] = [];
  const delimiter = input.lastIndexOf("-");
  for (let j = 0; j < Math.max(delimiter, 0); j++) {
    const code = input.charCodeAt(j);
    if (code >= 0x80) return null;
    output.push(code);
  }
  let n = 128;
  let bias = 72;
  let i = 0;
  for (let index = delimiter > 0 ? delimiter + 1 : 0; index < input.length; ) {
    const previous = i;
    for (let weight = 1, k = BASE; ; k += BASE) {
      if (index >= input.length) return null;
      const digit = digitOf(input.charCodeAt(index++));
      if (digit >= BASE) return null;
      i += digit * weight;
      if (i > 0x7fffffff) return null;
      const threshold = k <= bias ? T_MIN : k >= bias + T_MAX ? T_MAX : k - bias;
      if (digit < threshold) break;
      weight *= BASE - threshold;
    }
    const length = output.length + 1;
    bias = adapt(i - previous, length, previous === 0);
    n += Math.floor(i / length);
    i %= length;
    if (n > 0x10ffff) return null;
    output.splice(i++, 0, n);
  }
  return String.fromCodePoint(...output);
}

function digitOf(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 22; // 0-9 → 26-35
  if (code >= 0x41 && code <= 0x5a) return code - 0x41;
  if (code >= 0x61 && code <= 0x7a) return code - 0x61;
  return BASE;
}

function adapt(delta: number, length: number, first: boolean): number {
  let d = first ? Math.floor(delta / 700) : delta >> 1;
  d += Math.floor(d / length);
  let k = 0;
  while (d > ((BASE - T_MIN) * T_MAX) >> 1) {
    d = Math.floor(d / (BASE - T_MIN));
    k += BASE;
  }
  return k + Math.floor(((BASE - T_MIN + 1) * d) / (d + 38));
}
