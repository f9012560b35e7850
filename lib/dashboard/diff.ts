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

/** One line as the page receives it: cut to `MAX_LINE_CHARS` when longer (`length` is the whole). */
export interface PreviewLine extends DiffLine {
  length?: number;
}

export interface DiffPreview {
  format: string;
  lines: PreviewLine[];
  totalLines: number;
  added: number;
  removed: number;
  /** Whether `lines` holds every line of the diff, each in full. */
  complete: boolean;
}

export const MAX_LINE_CHARS = 2_000;
export const MAX_PREVIEW_LINES = 2_000;
export const MAX_PREVIEW_CHARS = 256 * 1024;

function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  // Never split a surrogate pair.
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

/**
 * What the request page sends to the browser: the first lines of the diff, each line cut to a
 * readable length, within a total budget — so a 20,000-line diff or one 512 KiB line costs the
 * page a few hundred kilobytes at most. The whole diff stays downloadable as plain text.
 */
export function previewDiff(
  format: string,
  content: string,
  limits: { maxLines?: number; maxLineChars?: number; maxChars?: number } = {},
): DiffPreview {
  const { maxLines = MAX_PREVIEW_LINES, maxLineChars = MAX_LINE_CHARS, maxChars = MAX_PREVIEW_CHARS } = limits;
  const all = format === "unified" ? classifyUnifiedDiff(content) : splitLines(content).map((text): DiffLine => ({ kind: "context", text }));
  const { added, removed } = diffStats(all);
  const lines: PreviewLine[] = [];
  let budget = maxChars;
  let complete = true;
  for (const line of all) {
    if (lines.length >= maxLines || budget <= 0) {
      complete = false;
      break;
    }
    if (line.text.length > maxLineChars) {
      complete = false;
      lines.push({ kind: line.kind, text: cut(line.text, maxLineChars), length: line.text.length });
    } else {
      lines.push(line);
    }
    budget -= Math.min(line.text.length, maxLineChars) + 1;
  }
  return { format, lines, totalLines: all.length, added, removed, complete };
}
