// Where a webhook may point, as written and as resolved.
import { describe, expect, it } from "vitest";
import { isMetadataAddress, resolvedUrlProblem, webhookUrlProblem } from "./url";

const cfg = { publicUrl: "https://countersign.example.com", port: 3000 };

describe("webhookUrlProblem", () => {
  it.each([
    ["https://siem.example.com/hook", null],
    ["https://siem.example.com:8443/hook?token=abc", null],
    ["http://localhost:9000/hook", null],
    ["http://127.0.0.1:9000/hook", null],
    ["http://[::1]:9000/hook", null],
    ["http://siem.example.com/hook", /https/],
    ["http://10.0.0.5/hook", /https/],
    ["https://169.254.169.254/latest/meta-data", /metadata/],
    ["http://169.254.170.2/v2/credentials", /metadata/],
    ["https://[fd00:ec2::254]/", /metadata/],
    ["https://[fe80::1]/", /metadata/],
    ["https://[::ffff:169.254.169.254]/", /metadata/],
    ["https://100.100.100.200/", /metadata/],
    ["https://metadata.google.internal/computeMetadata/v1/", /metadata/],
    ["https://countersign.example.com/api/v1/requests", /Countersign itself/],
    ["https://countersign.example.com:443/x", /Countersign itself/],
    ["http://localhost:3000/api/v1/requests", /Countersign itself/],
    ["http://127.0.0.2:3000/", /Countersign itself/],
    ["https://user:pw@siem.example.com/", /user name or password/],
    ["ftp://siem.example.com/", /https/],
    ["not a url", /absolute/],
  ])("%s → %s", (url, expected) => {
    const problem = webhookUrlProblem(url, cfg);
    if (expected === null) expect(problem).toBeNull();
    else expect(problem).toMatch(expected);
  });

  it("another port on Countersign's host is another service", () => {
    expect(webhookUrlProblem("https://countersign.example.com:8443/x", cfg)).toBeNull();
  });
});

describe("isMetadataAddress", () => {
  it.each([
    ["169.254.169.254", true],
    ["0.0.0.0", true],
    ["::", true],
    ["fe80::abcd", true],
    ["10.0.0.1", false],
    ["8.8.8.8", false],
    ["2001:db8::1", false],
  ])("%s → %s", (address, expected) => expect(isMetadataAddress(address)).toBe(expected));
});

describe("resolvedUrlProblem", () => {
  it("refuses a name that resolves to Countersign's own port on this machine", async () => {
    expect(await resolvedUrlProblem("http://localhost:3000/hook", cfg)).toMatch(/Countersign itself/);
    expect(await resolvedUrlProblem("http://localhost:9000/hook", cfg)).toBeNull();
  });
});

describe("IPv4-mapped IPv6 addresses, as URL spells them", () => {
  it("are judged as the IPv4 address inside", () => {
    expect(new URL("https://[::ffff:127.0.0.1]/").hostname).toBe("[::ffff:7f00:1]");
    expect(webhookUrlProblem("http://[::ffff:127.0.0.1]:9000/", cfg)).toBeNull();
    expect(webhookUrlProblem("http://[::ffff:10.0.0.1]:9000/", cfg)).toMatch(/https/);
  });
});
