// Characters that change how an operation reads without being seen: bidirectional controls
// (Trojan Source: text displayed in another order than it runs) and invisible characters
// (zero-width, word joiner, byte-order mark, Unicode tags that smuggle ASCII). Inside an
// operation, what a reviewer reads can differ from what runs, so any of them is critical.
import type { Operation } from "../operations/schema";
import type { Finding } from "./levels";

const NAMES: Record<number, string> = {
  0x061c: "ARABIC LETTER MARK",
  0x180e: "MONGOLIAN VOWEL SEPARATOR",
  0x200b: "ZERO WIDTH SPACE",
  0x200c: "ZERO WIDTH NON-JOINER",
  0x200d: "ZERO WIDTH JOINER",
  0x200e: "LEFT-TO-RIGHT MARK",
  0x200f: "RIGHT-TO-LEFT MARK",
  0x202a: "LEFT-TO-RIGHT EMBEDDING",
  0x202b: "RIGHT-TO-LEFT EMBEDDING",
  0x202c: "POP DIRECTIONAL FORMATTING",
  0x202d: "LEFT-TO-RIGHT OVERRIDE",
  0x202e: "RIGHT-TO-LEFT OVERRIDE",
  0x2060: "WORD JOINER",
  0x2061: "FUNCTION APPLICATION",
  0x2062: "INVISIBLE TIMES",
  0x2063: "INVISIBLE SEPARATOR",
  0x2064: "INVISIBLE PLUS",
  0x2066: "LEFT-TO-RIGHT ISOLATE",
  0x2067: "RIGHT-TO-LEFT ISOLATE",
  0x2068: "FIRST STRONG ISOLATE",
  0x2069: "POP DIRECTIONAL ISOLATE",
  0xfeff: "ZERO WIDTH NO-BREAK SPACE",
};

const HIDDEN = /[\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u{e0000}-\u{e007f}]/gu;

// Where these characters are part of what is shown, not hidden in it: a zero-width joiner inside
// an emoji sequence (👩‍💻), and the tag characters of a subdivision flag (🏴 + tags + cancel tag).
const EMOJI_JOINER = /(?<=\p{Extended_Pictographic}[\u{1f3fb}-\u{1f3ff}\ufe0f]?)\u200d(?=\p{Extended_Pictographic})/gu;
const FLAG_TAGS = /(?<=\u{1f3f4})[\u{e0020}-\u{e007e}]+\u{e007f}/gu;

/** The hidden characters of a text, in order (code points), leaving emoji sequences alone. */
export function hiddenCodePoints(text: string): number[] {
  const stripped = text.replace(EMOJI_JOINER, "").replace(FLAG_TAGS, "");
  return [...stripped.matchAll(HIDDEN)].map((match) => match[0].codePointAt(0)!);
}

/** Hidden characters in every string of a JSON-like value, object keys included. */
function hiddenDeep(value: unknown, found: number[], depth = 0): void {
  const collect = (text: string) => {
    for (const codePoint of hiddenCodePoints(text)) found.push(codePoint);
  };
  if (typeof value === "string") collect(value);
  else if (depth > MAX_DEPTH) return;
  else if (Array.isArray(value)) for (const item of value) hiddenDeep(item, found, depth + 1);
  else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      collect(key);
      hiddenDeep(item, found, depth + 1);
    }
  }
}

/** JSON nested deeper than this is not searched further (a body is parsed JSON, so it is finite). */
const MAX_DEPTH = 64;

/** `U+202E RIGHT-TO-LEFT OVERRIDE`. */
function describe(codePoint: number): string {
  const hex = codePoint.toString(16).toUpperCase().padStart(4, "0");
  const name = NAMES[codePoint] ?? (codePoint >= 0xe0000 ? "TAG CHARACTER" : "INVISIBLE CHARACTER");
  return `U+${hex} ${name}`;
}

/** The parts of an operation that run, as a reviewer reads them (the target is validated apart). */
function partsOf(operation: Operation): [where: string, value: unknown][] {
  switch (operation.kind) {
    case "sql":
      return [["the SQL", operation.sql]];
    case "shell":
      return [["the command", operation.command], ["the working directory", operation.cwd]];
    case "http":
      return [["the method", operation.method], ["the URL", operation.url], ["the body", operation.body]];
    case "custom":
      return [["the action name", operation.action], ["the parameters", operation.params]];
    case "mcp":
      return [["the tool name", operation.tool], ["the arguments", operation.arguments]];
  }
}

/** `operation.hidden_characters` (critical) for each part of the operation that holds any. */
export function hiddenCharacterFindings(operation: Operation): Finding[] {
  const findings: Finding[] = [];
  for (const [where, value] of partsOf(operation)) {
    const found: number[] = [];
    hiddenDeep(value, found);
    if (found.length === 0) continue;
    const kinds = [...new Set(found)].slice(0, 5).map(describe).join(", ");
    const count = found.length === 1 ? "a hidden character" : `${found.length} hidden characters`;
    findings.push({
      id: "operation.hidden_characters",
      level: "critical",
      message: `${where.charAt(0).toUpperCase()}${where.slice(1)} holds ${count} (${kinds}${new Set(found).size > 5 ? ", …" : ""}): what a reviewer reads can differ from what runs`,
    });
  }
  return findings;
}
