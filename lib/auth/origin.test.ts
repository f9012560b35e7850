import { describe, expect, it } from "vitest";
import { isSameOrigin } from "./origin";

const PUBLIC = "https://countersign.example.com";

describe("isSameOrigin", () => {
  it.each([
    ["the public origin", { origin: PUBLIC, host: "internal:3000" }, true],
    ["the Host the request was sent to", { origin: "http://127.0.0.1:4100", host: "127.0.0.1:4100" }, true],
    ["a proxy's forwarded host", { origin: "https://cs.example.org", host: "internal:3000", "x-forwarded-host": "cs.example.org", "x-forwarded-proto": "https" }, true],
    ["same-origin fetch metadata", { origin: PUBLIC, "sec-fetch-site": "same-origin" }, true],
    ["another site", { origin: "https://evil.example", host: "countersign.example.com" }, false],
    ["a sibling subdomain", { origin: "https://evil.countersign.example.com", host: "countersign.example.com" }, false],
    ["cross-site fetch metadata", { origin: PUBLIC, "sec-fetch-site": "cross-site" }, false],
    ["same-site (not same-origin) fetch metadata", { origin: PUBLIC, "sec-fetch-site": "same-site" }, false],
    ["no Origin header", { host: "countersign.example.com" }, false],
    ["an opaque origin", { origin: "null", host: "countersign.example.com" }, false],
  ])("%s → %s", (_name, headers, expected) => {
    expect(isSameOrigin(new Headers(headers as Record<string, string>), PUBLIC)).toBe(expected);
  });
});
