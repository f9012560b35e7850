import { describe, expect, it } from "vitest";
import { classifyUnifiedDiff, diffStats } from "./diff";

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
