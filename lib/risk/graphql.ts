// A small GraphQL lexer, just enough to find which fields a document's mutations call.
// It skips strings, block strings and comments, so text inside them cannot fake a field, and it
// sees through aliases (`x: volumeDelete(…)`), several operations, fragments and inline fragments.
// Not a validator: on anything it cannot lex, `ok` is false and callers must fail closed.

type Token =
  | { kind: "name"; value: string }
  | { kind: "punct"; value: string }
  | { kind: "string"; value: string }
  | { kind: "number"; value: string };

export interface GraphqlField {
  name: string;
  /** Tokens between the field's parentheses, for callers that need an argument. */
  args: Token[];
}

export interface GraphqlScan {
  /** False when the document could not be lexed or its brackets do not balance. */
  ok: boolean;
  /** Operation types in document order; the `{ … }` shorthand counts as a query. */
  operations: ("query" | "mutation" | "subscription")[];
  /** Every field selected anywhere in the document (aliases resolved to the real field name). */
  fields: GraphqlField[];
  /** Fields selected directly at the top of mutation operations, for messages. */
  rootMutationFields: string[];
}

export function scanGraphql(document: string): GraphqlScan {
  const tokens = lex(document);
  if (!tokens) return { ok: false, operations: [], fields: [], rootMutationFields: [] };

  const operations: GraphqlScan["operations"] = [];
  const fields: GraphqlField[] = [];
  const rootMutationFields: string[] = [];
  let braces = 0;
  let parens = 0;
  let brackets = 0;
  let pendingOperation: GraphqlScan["operations"][number] | "fragment" | null = null;
  let currentOperation: GraphqlScan["operations"][number] | "fragment" | null = null;

  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.kind === "punct") {
      switch (token.value) {
        case "{":
          if (braces === 0 && parens === 0) {
            currentOperation = pendingOperation ?? "query";
            if (currentOperation !== "fragment") operations.push(currentOperation);
            pendingOperation = null;
          }
          braces++;
          break;
        case "}":
          braces--;
          if (braces < 0) return { ok: false, operations, fields, rootMutationFields };
          break;
        case "(":
          parens++;
          break;
        case ")":
          parens--;
          if (parens < 0) return { ok: false, operations, fields, rootMutationFields };
          break;
        case "[":
          brackets++;
          break;
        case "]":
          brackets--;
          break;
      }
      continue;
    }
    if (token.kind !== "name") continue;

    if (braces === 0 && parens === 0) {
      if (token.value === "query" || token.value === "mutation" || token.value === "subscription" || token.value === "fragment") {
        if (pendingOperation === null) pendingOperation = token.value;
      }
      continue;
    }
    if (parens > 0) continue; // argument names and values, directive arguments

    const previous = tokens[i - 1];
    const beforePrevious = tokens[i - 2];
    const next = tokens[i + 1];
    if (previous?.kind === "punct" && (previous.value === "..." || previous.value === "@" || previous.value === "$")) continue;
    if (token.value === "on" && previous?.kind === "punct" && previous.value === "...") continue;
    if (previous?.kind === "name" && previous.value === "on" && beforePrevious?.kind === "punct" && beforePrevious.value === "...") continue;
    if (next?.kind === "punct" && next.value === ":") continue; // an alias: the field name follows

    const args: Token[] = [];
    if (next?.kind === "punct" && next.value === "(") {
      let depth = 0;
      for (let j = i + 1; j < tokens.length; j++) {
        const t = tokens[j]!;
        if (t.kind === "punct" && t.value === "(") depth++;
        else if (t.kind === "punct" && t.value === ")") {
          depth--;
          if (depth === 0) break;
        }
        if (j > i + 1) args.push(t);
      }
    }
    fields.push({ name: token.value, args });
    if (braces === 1 && currentOperation === "mutation") rootMutationFields.push(token.value);
  }

  const ok = braces === 0 && parens === 0 && brackets === 0;
  return { ok, operations, fields, rootMutationFields };
}

function lex(source: string): Token[] | null {
  const tokens: Token[] = [];
  let i = 0;
  const n = source.length;
  while (i < n) {
    const c = source[i]!;
    if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "," || c === "\ufeff") {
      i++;
      continue;
    }
    if (c === "#") {
      while (i < n && source[i] !== "\n" && source[i] !== "\r") i++;
      continue;
    }
    if (c === '"') {
      if (source.startsWith('"""', i)) {
        let j = i + 3;
        let value = "";
        for (;;) {
          if (j >= n) return null;
          if (source.startsWith('\\"""', j)) {
            value += '"""';
            j += 4;
          } else if (source.startsWith('"""', j)) {
            j += 3;
            break;
          } else value += source[j++];
        }
        tokens.push({ kind: "string", value });
        i = j;
        continue;
      }
      let j = i + 1;
      let value = "";
      for (;;) {
        if (j >= n || source[j] === "\n" || source[j] === "\r") return null;
        const d = source[j]!;
        if (d === "\\") {
          value += source[j + 1] ?? "";
          j += 2;
          continue;
        }
        if (d === '"') {
          j++;
          break;
        }
        value += d;
        j++;
      }
      tokens.push({ kind: "string", value });
      i = j;
      continue;
    }
    if (source.startsWith("...", i)) {
      tokens.push({ kind: "punct", value: "..." });
      i += 3;
      continue;
    }
    if ("!$&()[]{}:=@|".includes(c)) {
      tokens.push({ kind: "punct", value: c });
      i++;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_]/.test(source[j]!)) j++;
      tokens.push({ kind: "name", value: source.slice(i, j) });
      i = j;
      continue;
    }
    if (/[-0-9]/.test(c)) {
      let j = i + 1;
      while (j < n && /[0-9.eE+-]/.test(source[j]!)) j++;
      tokens.push({ kind: "number", value: source.slice(i, j) });
      i = j;
      continue;
    }
    return null;
  }
  return tokens;
}

export type { Token as GraphqlToken };
