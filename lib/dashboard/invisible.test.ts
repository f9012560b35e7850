import { describe, expect, it } from "vitest";
import { countInvisible, countInvisibleDeep, escapeInvisible, splitInvisible } from "./invisible";

describe("escapeInvisible", () => {
  it.each([
    ["bidi override (Trojan Source)", "access = 'user\u202E \u2066// admin\u2069\u2066'", "access = 'user\\u202E \\u2066// admin\\u2069\\u2066'"],
    ["every embedding and override", "\u202A\u202B\u202C\u202D\u202E", "\\u202A\\u202B\\u202C\\u202D\\u202E"],
    ["every isolate", "\u2066\u2067\u2068\u2069", "\\u2066\\u2067\\u2068\\u2069"],
    ["zero-width and marks", "DROP\u200BTABLE\u200C\u200D\u200E\u200F", "DROP\\u200BTABLE\\u200C\\u200D\\u200E\\u200F"],
    ["byte-order mark", "\uFEFFSELECT 1", "\\uFEFFSELECT 1"],
    ["line and paragraph separators", "a\u2028b\u2029c", "a\\u2028b\\u2029c"],
    ["ANSI escape sequence", "ok\u001b[2K\u001b[1Adone", "ok\\u001B[2K\\u001B[1Adone"],
    ["C0 controls", "\u0000\u0007\u0008\u000b\u000c", "\\u0000\\u0007\\u0008\\u000B\\u000C"],
    ["C1 controls and DEL", "\u007f\u0085\u009b", "\\u007F\\u0085\\u009B"],
    ["lone carriage return", "rm -rf /tmp/x\rSELECT 1", "rm -rf /tmp/x\\u000DSELECT 1"],
    ["soft hyphen and word joiner", "pass\u00ADword\u2060", "pass\\u00ADword\\u2060"],
    ["tag characters (ASCII smuggling)", "hi\u{E0041}\u{E0042}", "hi\\u{E0041}\\u{E0042}"],
    ["variation selectors", "x\uFE0F\u{E0100}", "x\\uFE0F\\u{E0100}"],
    ["lone surrogate", "a\uD800b", "a\\uD800b"],
  ])("makes %s visible", (_name, input, expected) => {
    expect(escapeInvisible(input)).toBe(expected);
  });

  it.each([
    ["plain ASCII", "DROP TABLE customers;"],
    ["tabs and line feeds", "a\tb\nc"],
    ["CRLF line endings", "line one\r\nline two\r\n"],
    ["non-Latin text", "Привет, مرحبا, こんにちは"],
    ["emoji (astral plane)", "deploy 🚀 done"],
    ["non-breaking space", "a\u00a0b"],
  ])("leaves %s alone", (_name, input) => {
    expect(escapeInvisible(input)).toBe(input);
    expect(countInvisible(input)).toBe(0);
  });

  it("splits into text and labelled escapes", () => {
    expect(splitInvisible("a\u202Eb")).toEqual([
      { kind: "text", text: "a" },
      { kind: "escape", text: "\\u202E", codePoint: 0x202e, label: "U+202E RIGHT-TO-LEFT OVERRIDE" },
      { kind: "text", text: "b" },
    ]);
  });

  it("counts invisible characters in nested values, keys included", () => {
    expect(countInvisibleDeep({ sql: "DROP\u200B", target: { ["res\u202E"]: ["\uFEFF", 1, null] } })).toBe(3);
  });
});
