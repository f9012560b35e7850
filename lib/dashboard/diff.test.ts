import { describe, expect, it } from "vitest";
import { classifyUnifiedDiff, diffStats, MAX_LINE_CHARS, MAX_PREVIEW_LINES, previewDiff } from "./diff";

describe("classifyUnifiedDiff", () => {
  it("tells additions, deletions, hunks and headers apart", () => {
    const diff = ["diff --git a/x.sql b/x.sql", "--- a/x.sql", "+++ b/x.sql", "@@ -1,2 +1,2 @@", " keep", "-DROP TABLE a;", "+DROP TABLE b;", ""].join("\n");
    const lines = classifyUnifiedDiff(diff);
    expect(lines.map((l) => l.kind)).toEqual(["meta", "meta", "meta", "hunk", "context", "del", "add"]);
    expect(diffStats(lines)).toEqual({ added: 1, removed: 1 });
  });

  it("reads CRLF diffs", () => {
    expect(classifyUnifiedDiff("+a\r\n-b\r\n").map((l) => [l.kind, l.text])).toEqual([
      ["add", "+a"],
      ["del", "-b"],
    ]);
  });
});

describe("previewDiff", () => {
  it("sends a small diff whole", () => {
    const preview = previewDiff("unified", "+a\n-b\n c\n");
    expect(preview).toMatchObject({ totalLines: 3, added: 1, removed: 1, complete: true });
    expect(preview.lines.map((l) => l.text)).toEqual(["+a", "-b", " c"]);
  });

  it("caps the number of lines but counts them all", () => {
    const content = Array.from({ length: 20_000 }, (_, i) => `+line ${i}`).join("\n");
    const preview = previewDiff("unified", content);
    expect(preview.lines).toHaveLength(MAX_PREVIEW_LINES);
    expect(preview).toMatchObject({ totalLines: 20_000, added: 20_000, complete: false });
  });

  it("cuts one very long line and says how long it was", () => {
    const preview = previewDiff("unified", `+${"x".repeat(300 * 1024)}\n-short\n`);
    expect(preview.lines[0].text).toHaveLength(MAX_LINE_CHARS);
    expect(preview.lines[0].length).toBe(300 * 1024 + 1);
    expect(preview.lines[1]).toEqual({ kind: "del", text: "-short" });
    expect(preview.complete).toBe(false);
  });

  it("stays within its character budget", () => {
    const content = Array.from({ length: 1_000 }, () => "y".repeat(1_500)).join("\n");
    const preview = previewDiff("text", content, { maxChars: 10_000 });
    expect(preview.lines.reduce((n, l) => n + l.text.length, 0)).toBeLessThanOrEqual(10_000 + 1_500);
    expect(preview.complete).toBe(false);
    expect(preview.totalLines).toBe(1_000);
  });

  it("never splits a surrogate pair", () => {
    const preview = previewDiff("unified", `+${"a".repeat(4)}😀😀`, { maxLineChars: 6 });
    expect(preview.lines[0].text).toBe("+aaaa");
  });
});
