import { describe, expect, it } from "vitest";
import { cutTokenLine, tokenize, tokenizeJson, tokenizeShell, tokenizeSql, tokenLines, type Language, type Token } from "./highlight";

const types = (tokens: Token[]) => tokens.filter((t) => t.type !== "whitespace").map((t) => [t.type, t.text]);

describe("tokenizeSql", () => {
  it("colours keywords, identifiers and punctuation", () => {
    expect(types(tokenizeSql("DROP TABLE customers;"))).toEqual([
      ["keyword", "DROP"],
      ["keyword", "TABLE"],
      ["identifier", "customers"],
      ["punctuation", ";"],
    ]);
  });

  it("keeps strings, quoted identifiers, numbers and comments whole", () => {
    const sql = `DELETE FROM "Order Items" WHERE note = 'it''s -- not a comment' AND id > 4.5e3 -- real comment\n/* a /* nested */ block */ RETURNING $1;`;
    expect(types(tokenizeSql(sql))).toEqual([
      ["keyword", "DELETE"],
      ["keyword", "FROM"],
      ["identifier", '"Order Items"'],
      ["keyword", "WHERE"],
      ["identifier", "note"],
      ["operator", "="],
      ["string", "'it''s -- not a comment'"],
      ["keyword", "AND"],
      ["identifier", "id"],
      ["operator", ">"],
      ["number", "4.5e3"],
      ["comment", "-- real comment"],
      ["comment", "/* a /* nested */ block */"],
      ["keyword", "RETURNING"],
      ["variable", "$1"],
      ["punctuation", ";"],
    ]);
  });

  it("reads dollar quoting and escape strings", () => {
    expect(types(tokenizeSql("DO $body$ BEGIN DROP TABLE x; END $body$; SELECT E'a\\'b', $$x$$"))).toEqual([
      ["keyword", "DO"],
      ["string", "$body$ BEGIN DROP TABLE x; END $body$"],
      ["punctuation", ";"],
      ["keyword", "SELECT"],
      ["string", "E'a\\'b'"],
      ["punctuation", ","],
      ["string", "$$x$$"],
    ]);
  });

  it("runs unterminated strings and comments to the end", () => {
    expect(types(tokenizeSql("SELECT 'open"))).toEqual([
      ["keyword", "SELECT"],
      ["string", "'open"],
    ]);
    expect(types(tokenizeSql("/* open"))).toEqual([["comment", "/* open"]]);
  });
});

describe("tokenizeJson", () => {
  it("tells keys from string values", () => {
    const json = JSON.stringify({ kind: "sql", n: -1.5, ok: true, none: null, list: ["a"] }, null, 2);
    expect(types(tokenizeJson(json))).toEqual([
      ["punctuation", "{"],
      ["key", '"kind"'],
      ["punctuation", ":"],
      ["string", '"sql"'],
      ["punctuation", ","],
      ["key", '"n"'],
      ["punctuation", ":"],
      ["number", "-1.5"],
      ["punctuation", ","],
      ["key", '"ok"'],
      ["punctuation", ":"],
      ["literal", "true"],
      ["punctuation", ","],
      ["key", '"none"'],
      ["punctuation", ":"],
      ["literal", "null"],
      ["punctuation", ","],
      ["key", '"list"'],
      ["punctuation", ":"],
      ["punctuation", "["],
      ["string", '"a"'],
      ["punctuation", "]"],
      ["punctuation", "}"],
    ]);
  });

  it("keeps escaped quotes inside strings", () => {
    expect(types(tokenizeJson('{"a":"x\\"y"}'))).toContainEqual(["string", '"x\\"y"']);
  });
});

describe("tokenizeShell", () => {
  it("marks commands, flags, strings and variables", () => {
    expect(types(tokenizeShell(`rm -rf "$HOME/data" | tee 'log' # gone`))).toEqual([
      ["keyword", "rm"],
      ["literal", "-rf"],
      ["string", '"$HOME/data"'],
      ["operator", "|"],
      ["keyword", "tee"],
      ["string", "'log'"],
      ["comment", "# gone"],
    ]);
  });
});

describe("tokenize", () => {
  const samples: Array<[Language, string]> = [
    ["sql", "SELECT * FROM t WHERE a = 'x' -- c\n/* d */ $1 $$e$$ $tag$f$tag$ E'\\n' \"q\"\"q\" 1.5e-3 .5 $ ;"],
    ["sql", "'unterminated \n \u202E\u200B"],
    ["json", JSON.stringify({ a: "\u202E", b: [1, -2e5, null], "k\"": { x: false } }, null, 2)],
    ["json", "{not json at all: ]"],
    ["shell", "FOO=1 bash -c 'echo $FOO' && ${X} `id` > /dev/null # c\nls"],
    ["text", "anything\nat all"],
  ];

  it.each(samples)("loses nothing: %s tokens concatenate to the input", (language, src) => {
    expect(tokenize(src, language).map((t) => t.text).join("")).toBe(src);
  });

  it("handles a large input in linear time", () => {
    const big = "INSERT INTO t VALUES (1, 'x', \"y\"); -- c\n".repeat(20_000);
    const started = performance.now();
    const tokens = tokenizeSql(big);
    expect(tokens.map((t) => t.text).join("")).toBe(big);
    // Quadratic work on 900 kB would take minutes; the bound leaves room for a busy machine.
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it("splits tokens into lines", () => {
    const lines = tokenLines(tokenizeSql("SELECT 'a\nb'\nFROM t"));
    expect(lines.map((l) => l.map((t) => t.text).join(""))).toEqual(["SELECT 'a", "b'", "FROM t"]);
    expect(lines[1][0]).toEqual({ type: "string", text: "b'" });
  });
});

describe("cutTokenLine", () => {
  it("keeps a short line whole", () => {
    const line = tokenLines(tokenizeSql("DROP TABLE t;"))[0];
    expect(cutTokenLine(line, 100)).toEqual({ tokens: line, length: 13, truncated: false });
  });

  it("cuts a long line to the limit, keeping the tokens' types and the whole length", () => {
    const sql = `SELECT '${"x".repeat(300 * 1024)}';`;
    const { tokens, length, truncated } = cutTokenLine(tokenLines(tokenizeSql(sql))[0], 2000);
    expect(truncated).toBe(true);
    expect(length).toBe(sql.length);
    expect(tokens.map((t) => t.text).join("")).toBe(sql.slice(0, 2000));
    expect(tokens.at(-1)!.type).toBe("string");
  });

  it("never splits a surrogate pair", () => {
    const text = `${"a".repeat(9)}😀😀`;
    const { tokens } = cutTokenLine([{ type: "text", text }], 10);
    expect(tokens.map((t) => t.text).join("")).toBe("a".repeat(9));
  });
});
