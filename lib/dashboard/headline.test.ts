import { describe, expect, it } from "vitest";
import { codeSpans, measuredSentence, operationHeadline } from "./headline";

const target = { environment: "production", resource: "postgres/main" };

describe("the operation in one line, by its own kind", () => {
  it("reads the kind from the operation", () => {
    expect(operationHeadline({ kind: "sql", target, sql: "\n\n  DELETE FROM a;\nDELETE FROM b;\n" })).toBe("DELETE FROM a; …");
    expect(operationHeadline({ kind: "mcp", target, tool: "delete_file", arguments: { recursive: true, path: "/srv/app/.env" } })).toBe("delete_file path=/srv/app/.env");
    expect(operationHeadline(null)).toBe("operation");
  });
});

describe("the measured sentence", () => {
  it("is the measurement's summary, and nothing when there is none", () => {
    expect(measuredSentence({ summary: "Deletes 1 of 200 rows in `public.items` (8.0 kB).", details: "" })).toBe("Deletes 1 of 200 rows in `public.items` (8.0 kB).");
    expect(measuredSentence(null)).toBeNull();
    expect(measuredSentence({ details: "no summary" })).toBeNull();
    expect(measuredSentence({ summary: "  " })).toBeNull();
  });

  it("splits inline code out of a sentence, leaving unpaired backticks as text", () => {
    expect(codeSpans("Deletes 1 row in `public.items`; `x")).toEqual([
      { text: "Deletes 1 row in ", code: false },
      { text: "public.items", code: true },
      { text: "; `x", code: false },
    ]);
    expect(codeSpans("")).toEqual([]);
  });
});
