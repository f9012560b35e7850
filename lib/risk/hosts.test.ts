import { domainToASCII, domainToUnicode } from "node:url";
import { describe, expect, it } from "vitest";
import { cloudMetadataService, decodePunycode, lookalikeHost } from "./hosts";

describe("decodePunycode", () => {
  it.each(["münchen", "例え", "аpi", "ѕuрabaѕe", "пример", "gíthub", "ok-with-hyphens-ü", "😀"])("decodes %s as the URL parser encoded it", (label) => {
    const ascii = domainToASCII(`${label}.example`).split(".")[0]!;
    expect(ascii.startsWith("xn--")).toBe(true);
    expect(decodePunycode(ascii.slice(4))).toBe(domainToUnicode(ascii));
  });

  it.each(["", "-", "abc-99999999999", "a-\u00ff"])("rejects or survives malformed input %j", (input) => {
    expect(() => decodePunycode(input)).not.toThrow();
  });
});

describe("cloudMetadataService", () => {
  it.each(["169.254.169.254", "[fd00:ec2::254]", "[::ffff:a9fe:a9fe]", "metadata.google.internal", "100.100.100.200", "169.254.170.2"])("knows %s", (host) => {
    expect(cloudMetadataService(host)).not.toBeNull();
  });

  it.each(["10.0.0.1", "[::1]", "[2001:db8::a9fe:a9fe]", "metadata.example.com", "api.github.com"])("leaves %s alone", (host) => {
    expect(cloudMetadataService(host)).toBeNull();
  });
});

describe("lookalikeHost", () => {
  const domains = ["github.com", "heroku.com"];

  it("only looks at international names", () => {
    expect(lookalikeHost("api.github.com", domains)).toBeNull();
    expect(lookalikeHost("gihtub.com", domains)).toBeNull();
  });

  it("decodes the name it reports", () => {
    expect(lookalikeHost(domainToASCII("аpi.github.com"), domains)?.shown).toBe("аpi.github.com");
  });

  it("reports a name that imitates a protected domain in one script", () => {
    expect(lookalikeHost(domainToASCII("gíthub.com"), domains)?.why).toBe("looks like github.com but is a different host");
    expect(lookalikeHost(domainToASCII("gíthub.com"), ["gitlab.com"])).toBeNull();
  });
});
