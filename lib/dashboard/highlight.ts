// A small, linear-time tokeniser for showing operations with syntax colours. It never produces
// HTML: the page renders each token as a React text node, so nothing an agent writes can become
// markup. Concatenating the tokens always gives back the input exactly.
// Pure and dependency-free: used on the server and in the browser.

export type TokenType = "keyword" | "string" | "number" | "comment" | "identifier" | "key" | "literal" | "operator" | "punctuation" | "variable" | "whitespace" | "text";

export interface Token {
  type: TokenType;
  text: string;
}

export type Language = "sql" | "json" | "shell" | "text";

const SQL_KEYWORDS = new Set(
  `abort add all alter analyze and any array as asc begin between by cascade case cast check checkpoint cluster collate column comment commit concurrently constraint copy create cross current_date current_time current_timestamp current_user database deallocate declare default deferrable delete desc distinct do drop else end except exclusive execute exists explain extension false fetch for foreign from full function grant group having if ilike immediate in index inherit initially inner insert intersect into is join key language lateral leading left like limit listen load lock materialized move natural not nothing notify null nulls offset on only or order outer overlaps owned owner partition policy prepare primary privileges procedure publication reassign recursive references refresh reindex release rename replace reset restart restrict returning revoke right role rollback rule savepoint schema select sequence session_user set share show similar some subscription system table tablespace temp temporary then to trailing transaction trigger true truncate type union unique unlisten update user using vacuum values verbose view when where window with without`.split(
    /\s+/,
  ),
);

const isDigit = (c: string) => c >= "0" && c <= "9";
const isIdentStart = (c: string) => /[A-Za-z_\u0080-\uffff]/.test(c);
const isIdentPart = (c: string) => /[A-Za-z0-9_$\u0080-\uffff]/.test(c);
const isSpace = (c: string) => c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f" || c === "\v";

function push(tokens: Token[], type: TokenType, text: string) {
  if (!text) return;
  const last = tokens[tokens.length - 1];
  if (last && last.type === type && (type === "whitespace" || type === "text" || type === "punctuation")) last.text += text;
  else tokens.push({ type, text });
}

function readWhile(src: string, i: number, test: (c: string) => boolean): number {
  while (i < src.length && test(src[i])) i++;
  return i;
}

function readNumber(src: string, i: number): number {
  let j = readWhile(src, i, isDigit);
  if (src[j] === "." && isDigit(src[j + 1] ?? "")) j = readWhile(src, j + 1, isDigit);
  if ((src[j] === "e" || src[j] === "E") && (isDigit(src[j + 1] ?? "") || ((src[j + 1] === "+" || src[j + 1] === "-") && isDigit(src[j + 2] ?? "")))) {
    j = readWhile(src, j + 2, isDigit);
  }
  return j;
}

/** Index after a quoted run starting at `i` (the opening quote); `doubled` means `''` escapes a quote. */
function readQuoted(src: string, i: number, quote: string, backslash: boolean): number {
  let j = i + 1;
  while (j < src.length) {
    const c = src[j];
    if (backslash && c === "\\") {
      j += 2;
      continue;
    }
    if (c === quote) {
      if (src[j + 1] === quote && !backslash) {
        j += 2;
        continue;
      }
      return j + 1;
    }
    j++;
  }
  return src.length;
}

export function tokenizeSql(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    const next = src[i + 1] ?? "";
    if (isSpace(c)) {
      const j = readWhile(src, i, isSpace);
      push(tokens, "whitespace", src.slice(i, j));
      i = j;
    } else if (c === "-" && next === "-") {
      let j = src.indexOf("\n", i);
      if (j === -1) j = src.length;
      push(tokens, "comment", src.slice(i, j));
      i = j;
    } else if (c === "/" && next === "*") {
      // PostgreSQL block comments nest.
      let depth = 1;
      let j = i + 2;
      while (j < src.length && depth > 0) {
        if (src[j] === "/" && src[j + 1] === "*") {
          depth++;
          j += 2;
        } else if (src[j] === "*" && src[j + 1] === "/") {
          depth--;
          j += 2;
        } else j++;
      }
      push(tokens, "comment", src.slice(i, j));
      i = j;
    } else if ((c === "E" || c === "e") && next === "'") {
      const j = readQuoted(src, i + 1, "'", true);
      push(tokens, "string", src.slice(i, j));
      i = j;
    } else if (c === "'") {
      const j = readQuoted(src, i, "'", false);
      push(tokens, "string", src.slice(i, j));
      i = j;
    } else if (c === '"') {
      const j = readQuoted(src, i, '"', false);
      push(tokens, "identifier", src.slice(i, j));
      i = j;
    } else if (c === "$" && /[A-Za-z_$]/.test(next === "$" ? "$" : next)) {
      // Dollar quoting: $$…$$ or $tag$…$tag$; otherwise a parameter like $1 or a stray $.
      const tagEnd = next === "$" ? i + 1 : readWhile(src, i + 1, (ch) => /[A-Za-z0-9_]/.test(ch));
      if (src[tagEnd] === "$") {
        const tag = src.slice(i, tagEnd + 1);
        const close = src.indexOf(tag, tagEnd + 1);
        const j = close === -1 ? src.length : close + tag.length;
        push(tokens, "string", src.slice(i, j));
        i = j;
      } else {
        push(tokens, "operator", c);
        i++;
      }
    } else if (c === "$" && isDigit(next)) {
      const j = readWhile(src, i + 1, isDigit);
      push(tokens, "variable", src.slice(i, j));
      i = j;
    } else if (isDigit(c) || (c === "." && isDigit(next))) {
      const j = c === "." ? readWhile(src, i + 1, isDigit) : readNumber(src, i);
      push(tokens, "number", src.slice(i, j));
      i = j;
    } else if (isIdentStart(c)) {
      const j = readWhile(src, i, isIdentPart);
      const word = src.slice(i, j);
      push(tokens, SQL_KEYWORDS.has(word.toLowerCase()) ? "keyword" : "identifier", word);
      i = j;
    } else if ("(),;.[]".includes(c)) {
      push(tokens, "punctuation", c);
      i++;
    } else {
      push(tokens, "operator", c);
      i++;
    }
  }
  return tokens;
}

export function tokenizeJson(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (isSpace(c)) {
      const j = readWhile(src, i, isSpace);
      push(tokens, "whitespace", src.slice(i, j));
      i = j;
    } else if (c === '"') {
      const j = readQuoted(src, i, '"', true);
      // A string followed by a colon is an object key.
      const after = readWhile(src, j, isSpace);
      push(tokens, src[after] === ":" ? "key" : "string", src.slice(i, j));
      i = j;
    } else if (c === "-" || isDigit(c)) {
      const j = readNumber(src, c === "-" ? i + 1 : i);
      push(tokens, j > i + (c === "-" ? 1 : 0) ? "number" : "text", src.slice(i, Math.max(j, i + 1)));
      i = Math.max(j, i + 1);
    } else if (/[a-z]/.test(c)) {
      const j = readWhile(src, i, (ch) => /[a-z]/.test(ch));
      const word = src.slice(i, j);
      push(tokens, word === "true" || word === "false" || word === "null" ? "literal" : "text", word);
      i = j;
    } else if ("{}[],:".includes(c)) {
      push(tokens, "punctuation", c);
      i++;
    } else {
      push(tokens, "text", c);
      i++;
    }
  }
  return tokens;
}

export function tokenizeShell(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let commandStart = true;
  while (i < src.length) {
    const c = src[i];
    if (isSpace(c)) {
      const j = readWhile(src, i, isSpace);
      push(tokens, "whitespace", src.slice(i, j));
      if (src.slice(i, j).includes("\n")) commandStart = true;
      i = j;
    } else if (c === "#" && (i === 0 || isSpace(src[i - 1]))) {
      let j = src.indexOf("\n", i);
      if (j === -1) j = src.length;
      push(tokens, "comment", src.slice(i, j));
      i = j;
    } else if (c === "'") {
      const j = readQuoted(src, i, "'", false);
      push(tokens, "string", src.slice(i, j));
      commandStart = false;
      i = j;
    } else if (c === '"') {
      const j = readQuoted(src, i, '"', true);
      push(tokens, "string", src.slice(i, j));
      commandStart = false;
      i = j;
    } else if (c === "$") {
      const j = src[i + 1] === "{" ? Math.min(src.length, (src.indexOf("}", i) + 1) || src.length) : readWhile(src, i + 1, (ch) => /[A-Za-z0-9_?@#*!$-]/.test(ch));
      push(tokens, "variable", src.slice(i, Math.max(j, i + 1)));
      i = Math.max(j, i + 1);
    } else if ("|&;<>()`".includes(c)) {
      const j = readWhile(src, i, (ch) => "|&;<>".includes(ch));
      const text = src.slice(i, Math.max(j, i + 1));
      push(tokens, "operator", text);
      if (/[|&;(`]/.test(text)) commandStart = true;
      i = Math.max(j, i + 1);
    } else {
      const j = readWhile(src, i, (ch) => !isSpace(ch) && !"|&;<>()`'\"$".includes(ch));
      const word = src.slice(i, Math.max(j, i + 1));
      push(tokens, commandStart && !word.includes("=") ? "keyword" : word.startsWith("-") ? "literal" : "text", word);
      if (!word.includes("=")) commandStart = false;
      i = Math.max(j, i + 1);
    }
  }
  return tokens;
}

export function tokenize(src: string, language: Language): Token[] {
  switch (language) {
    case "sql":
      return tokenizeSql(src);
    case "json":
      return tokenizeJson(src);
    case "shell":
      return tokenizeShell(src);
    default:
      return src ? [{ type: "text", text: src }] : [];
  }
}

/** Splits tokens into lines (tokens spanning a line break are cut), for numbered display. */
export function tokenLines(tokens: Token[]): Token[][] {
  const lines: Token[][] = [[]];
  for (const token of tokens) {
    const parts = token.text.split("\n");
    parts.forEach((part, index) => {
      if (index > 0) lines.push([]);
      if (part) lines[lines.length - 1].push({ type: token.type, text: part });
    });
  }
  return lines;
}

/** Longest line the request page draws in full; the rest of a longer line is named, not drawn. */
export const MAX_CODE_LINE_CHARS = 2_000;

/**
 * A line's tokens cut to `max` characters (never inside a surrogate pair), with the whole line's
 * length — so one 300 KiB line costs the page a few thousand characters, not a frozen tab.
 */
export function cutTokenLine(line: Token[], max = MAX_CODE_LINE_CHARS): { tokens: Token[]; length: number; truncated: boolean } {
  let length = 0;
  for (const token of line) length += token.text.length;
  if (length <= max) return { tokens: line, length, truncated: false };
  const tokens: Token[] = [];
  let left = max;
  for (const token of line) {
    if (left <= 0) break;
    if (token.text.length <= left) {
      tokens.push(token);
      left -= token.text.length;
      continue;
    }
    const code = token.text.charCodeAt(left - 1);
    const end = code >= 0xd800 && code <= 0xdbff ? left - 1 : left;
    if (end > 0) tokens.push({ type: token.type, text: token.text.slice(0, end) });
    break;
  }
  return { tokens, length, truncated: true };
}
