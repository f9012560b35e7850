// Classifies the lines of a planned change for display: additions, deletions, hunk headers and
// file headers of a unified diff. Pure and dependency-free: used on the server and in the browser.

export type DiffLineKind = "add" | "del" | "hunk" | "meta" | "context";

export interface DiffLine {
  kind: DiffLineKind;
  text: string;
}

export function splitLines(text: string): string[] {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

export function classifyUnifiedDiff(text: string): DiffLine[] {
  return splitLines(text).map((line) => {
    if (line.startsWith("+++ ") || line.startsWith("--- ") || /^(diff |index |new file|deleted file|similarity |rename |Binary files)/.test(line)) {
      return { kind: "meta", text: line };
    }
    if (line.startsWith("@@")) return { kind: "hunk", text: line };
    if (line.startsWith("+")) return { kind: "add", text: line };
    if (line.startsWith("-")) return { kind: "del", text: line };
    return { kind: "context", text: line };
  });
}

export function diffStats(lines: DiffLine[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const line of lines) {
    if (line.kind === "add") added++;
    else if (line.kind === "del") removed++;
  }
  return { added, removed };
}
