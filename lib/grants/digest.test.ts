import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalJson, operationDigest, OPERATION_DIGEST_PATTERN } from "./digest";

/** A double from its IEEE 754 bit pattern, as the RFC 8785 number vectors are given. */
function fromBits(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

describe("canonicalJson follows RFC 8785", () => {
  // RFC 8785 Appendix B: IEEE 754 bit pattern → expected JSON number.
  it.each([
    ["0000000000000000", "0"],
    ["8000000000000000", "0"], // -0
    ["0000000000000001", "5e-324"],
    ["8000000000000001", "-5e-324"],
    ["7fefffffffffffff", "1.7976931348623157e+308"],
    ["ffefffffffffffff", "-1.7976931348623157e+308"],
    ["4340000000000000", "9007199254740992"],
    ["c340000000000000", "-9007199254740992"],
    ["4430000000000000", "295147905179352830000"],
    ["44b52d02c7e14af5", "9.999999999999997e+22"],
    ["44b52d02c7e14af6", "1e+23"],
    ["44b52d02c7e14af7", "1.0000000000000001e+23"],
    ["444b1ae4d6e2ef4e", "999999999999999700000"],
    ["444b1ae4d6e2ef4f", "999999999999999900000"],
    ["444b1ae4d6e2ef50", "1e+21"],
    ["3eb0c6f7a0b5ed8c", "9.999999999999997e-7"],
    ["3eb0c6f7a0b5ed8d", "0.000001"],
    ["41b3de4355555553", "333333333.3333332"],
    ["41b3de4355555554", "333333333.33333325"],
    ["41b3de4355555555", "333333333.3333333"],
    ["41b3de4355555556", "333333333.3333334"],
    ["41b3de4355555557", "333333333.33333343"],
    ["becbf647612f3696", "-0.0000033333333333333333"],
    ["43143ff3c1cb0959", "1424953923781206.2"],
  ])("number %s serialises as %s", (bits, expected) => {
    expect(canonicalJson({ n: fromBits(bits) })).toBe(`{"n":${expected}}`);
  });

  it.each([
    ["7fffffffffffffff", "NaN"],
    ["7ff0000000000000", "Infinity"],
    ["fff0000000000000", "-Infinity"],
  ])("refuses %s (%s): it has no JSON form", (bits) => {
    expect(() => canonicalJson({ n: fromBits(bits) })).toThrow(/not a finite number/);
  });

  it("parsed number literals: 1e21, 333333333.33333329, -0, 4.50, 2e-3", () => {
    const parsed = JSON.parse(`[1e21, 333333333.33333329, -0, 4.50, 2e-3, 1E30, 0.000000000000000000000000001]`);
    expect(canonicalJson(parsed)).toBe(`[1e+21,333333333.3333333,0,4.5,0.002,1e+30,1e-27]`);
  });

  it("reproduces the example of RFC 8785 section 3.2.2 byte for byte", () => {
    const input = String.raw`{
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }`;
    const expected = String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`;
    const canonical = canonicalJson(JSON.parse(input));
    expect(canonical).toBe(expected);
    // The RFC also gives the UTF-8 bytes of the result, which is what gets hashed.
    const rfcBytes = `
      7b 22 6c 69 74 65 72 61 6c 73 22 3a 5b 6e 75 6c 6c 2c 74 72
      75 65 2c 66 61 6c 73 65 5d 2c 22 6e 75 6d 62 65 72 73 22 3a
      5b 33 33 33 33 33 33 33 33 33 2e 33 33 33 33 33 33 33 2c 31
      65 2b 33 30 2c 34 2e 35 2c 30 2e 30 30 32 2c 31 65 2d 32 37
      5d 2c 22 73 74 72 69 6e 67 22 3a 22 e2 82 ac 24 5c 75 30 30
      30 66 5c 6e 41 27 42 5c 22 5c 5c 5c 5c 5c 22 2f 22 7d`.replace(/\s+/g, "");
    expect(Buffer.from(canonical, "utf8").toString("hex")).toBe(rfcBytes);
  });

  it("sorts keys by UTF-16 code units, as in RFC 8785 section 3.2.3 (not by code point)", () => {
    const input = JSON.parse(String.raw`{
      "\u20ac": "Euro Sign",
      "\r": "Carriage Return",
      "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One",
      "\ud83d\ude00": "Emoji: Grinning Face",
      "\u0080": "Control",
      "\u00f6": "Latin Small Letter O With Diaeresis"
    }`);
    const canonical = canonicalJson(input);
    // JSON.parse re-orders integer-like keys, so read the order from the text instead.
    const order = [...canonical.matchAll(/":"([^"]+)"/g)].map((m) => m[1]);
    expect(order).toEqual([
      "Carriage Return",
      "One",
      "Control",
      "Latin Small Letter O With Diaeresis",
      "Euro Sign",
      "Emoji: Grinning Face", // U+1F600 is D83D DE00 in UTF-16: before U+FB33, though after it by code point
      "Hebrew Letter Dalet With Dagesh",
    ]);
    expect(canonical.startsWith(`{"\\r":"Carriage Return","1":"One","\u0080":"Control"`)).toBe(true);
  });

  it("sorts nested object keys and keeps array order", () => {
    expect(canonicalJson({ b: [3, 1, 2], a: { z: 1, y: { d: 0, c: 0 } } })).toBe(`{"a":{"y":{"c":0,"d":0},"z":1},"b":[3,1,2]}`);
  });

  it.each([
    ["quote and backslash", `a"b\\c`, String.raw`"a\"b\\c"`],
    ["named control escapes", "\b\t\n\f\r", String.raw`"\b\t\n\f\r"`],
    ["other controls as lower-case \\u00xx", "\u0000\u001f\u000b", String.raw`"\u0000\u001f\u000b"`],
    ["solidus left alone", "a/b", `"a/b"`],
    ["DEL and non-ASCII left literal", "\u007fé€😀", `"\u007fé€😀"`],
    ["line and paragraph separators left literal", "\u2028\u2029", `"\u2028\u2029"`],
  ])("string escaping: %s", (_name, value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  it("emits no whitespace and the literals null, true, false", () => {
    expect(canonicalJson({ a: null, b: true, c: false, d: [], e: {} })).toBe(`{"a":null,"b":true,"c":false,"d":[],"e":{}}`);
  });

  it.each([
    ["a bigint", { n: 10n }, /bigint/],
    ["a function", { f: () => 1 }, /function/],
    ["a lone high surrogate", { s: "\ud800" }, /unpaired/],
    ["a lone low surrogate in a key", { ["\udc00"]: 1 }, /unpaired/],
    ["undefined at the top", undefined, /undefined/],
  ])("refuses %s with a validation error", (_name, value, message) => {
    let caught: unknown;
    try {
      canonicalJson(value);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ name: "AppError", code: "validation_failed", status: 422 });
    expect((caught as Error).message).toMatch(message);
  });
});

describe("operationDigest", () => {
  const sample = {
    kind: "sql",
    target: { environment: "production", resource: "postgres/main" },
    sql: "DROP TABLE customers;",
  };

  it("matches a digest computed independently (hand-written canonical text, Python hashlib)", () => {
    const handWritten = `{"kind":"sql","sql":"DROP TABLE customers;","target":{"environment":"production","resource":"postgres/main"}}`;
    const viaNode = "sha256:" + createHash("sha256").update(handWritten, "utf8").digest("base64url");
    // Computed once with Python: base64.urlsafe_b64encode(hashlib.sha256(text).digest()).rstrip("=")
    const viaPython = "sha256:N9NUzHsT3XHTyhdEjqDU7kpsvJVJD9iGua1BKlgYp8c";
    expect(viaNode).toBe(viaPython);
    expect(operationDigest(sample)).toBe(viaPython);
  });

  it("hashes the UTF-8 bytes of non-ASCII text and serialises numbers canonically (Python reference)", () => {
    const op = { target: { resource: "x", environment: "staging" }, params: { é: "€", z: [true, null, -1.5], n: 1e21 }, kind: "custom" };
    // Python over {"kind":"custom","params":{"n":1e+21,"z":[true,null,-1.5],"é":"€"},"target":{…}}:
    // "é" (U+00E9) sorts after "z".
    expect(canonicalJson(op)).toBe(`{"kind":"custom","params":{"n":1e+21,"z":[true,null,-1.5],"é":"€"},"target":{"environment":"staging","resource":"x"}}`);
    expect(operationDigest(op)).toBe("sha256:3YxLx1hgrqW6S4bExID1FavjA3X2tOzRw9XWpY14mbw");
  });

  it("has the form sha256: + 43 unpadded base64url characters", () => {
    expect(operationDigest(sample)).toMatch(OPERATION_DIGEST_PATTERN);
    expect(operationDigest(sample)).not.toContain("=");
  });

  it("does not depend on key order, at any depth", () => {
    const reordered = { sql: "DROP TABLE customers;", target: { resource: "postgres/main", environment: "production" }, kind: "sql" };
    expect(operationDigest(reordered)).toBe(operationDigest(sample));
    expect(operationDigest(JSON.parse(JSON.stringify(sample, null, 4)))).toBe(operationDigest(sample));
  });

  it.each([
    ["trailing whitespace in SQL", { ...sample, sql: "DROP TABLE customers; " }],
    ["an extra space inside SQL", { ...sample, sql: "DROP  TABLE customers;" }],
    ["case in SQL", { ...sample, sql: "drop table customers;" }],
    ["case in the resource", { ...sample, target: { ...sample.target, resource: "Postgres/main" } }],
    ["another environment", { ...sample, target: { ...sample.target, environment: "staging" } }],
    ["an extra field", { ...sample, note: "" }],
  ])("changes with %s", (_name, changed) => {
    expect(operationDigest(changed)).not.toBe(operationDigest(sample));
  });

  it("changes with array order and with number vs string", () => {
    expect(operationDigest({ a: [1, 2] })).not.toBe(operationDigest({ a: [2, 1] }));
    expect(operationDigest({ a: 1 })).not.toBe(operationDigest({ a: "1" }));
  });
});
