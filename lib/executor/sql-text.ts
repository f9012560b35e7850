// Pure helpers over the PostgreSQL parse tree and scanner: split a batch into statements and take
// the source text of a DELETE's or UPDATE's target, extra FROM/USING list and WHERE clause, so
// the dry run can count the rows the statement's own WHERE matches. The installed libpg-query
// has no deparser, so the text comes from scanner token offsets, and every count query built from
// it is re-parsed and its WHERE compared with the original's parse tree before it is run.
import { parseSql, scanSql } from "../risk/engine";
import { unmeasurableReason } from "./sql-guard";

export type Node = Record<string, unknown>;

export interface ParsedStatement {
  /** The statement's node type, e.g. `DeleteStmt`. */
  type: string;
  node: Node;
  text: string;
}

export function splitStatements(sql: string): { ok: true; statements: ParsedStatement[] } | { ok: false; message: string } {
  const parsed = parseSql(sql);
  if (!parsed.ok) return { ok: false, message: parsed.error.message };
  const statements = (parsed.result.stmts ?? []).map((raw) => {
    const entry = raw as { stmt?: Node; stmt_location?: number; stmt_len?: number };
    const start = entry.stmt_location ?? 0;
    const end = entry.stmt_len ? start + entry.stmt_len : sql.length;
    const [type, node] = Object.entries(entry.stmt ?? {})[0] ?? ["Unknown", {}];
    return { type, node: node as Node, text: sql.slice(start, end).trim() };
  });
  return { ok: true, statements };
}

interface Token {
  start: number;
  end: number;
  word: string | null;
  depth: number;
}

/** Tokens with the parenthesis depth they sit at; keywords upper-cased in `word`. */
function tokens(text: string): Token[] | null {
  const scanned = scanSql(text);
  if (!scanned) return null;
  let depth = 0;
  return scanned.tokens.map((t) => {
    const raw = text.slice(t.start, t.end);
    if (raw === ")" || raw === "]") depth--;
    const token = { start: t.start, end: t.end, word: t.keywordKind ? raw.toUpperCase() : null, depth };
    if (raw === "(" || raw === "[") depth++;
    return token;
  });
}

export interface CountParts {
  /** The target relation as written, with alias and ONLY (`ONLY public.customers AS c`). */
  relation: string;
  /** DELETE … USING / UPDATE … FROM list as written, if any. */
  from: string | null;
  /** The WHERE condition as written, if any. */
  where: string | null;
}

/** The source text of a DELETE's or UPDATE's target, FROM/USING list and WHERE condition. */
export function countParts(stmt: ParsedStatement): CountParts | null {
  if (stmt.type !== "DeleteStmt" && stmt.type !== "UpdateStmt") return null;
  if (stmt.node.withClause) return null;
  const text = stmt.text;
  const toks = tokens(text);
  if (!toks || toks.length === 0) return null;
  const top = (word: string, after = -1) => toks.findIndex((t, i) => i > after && t.depth === 0 && t.word === word);
  const startOf = (i: number) => (i < 0 ? text.length : toks[i].start);
  const firstOf = (words: string[], after: number) => {
    const found = words.map((w) => top(w, after)).filter((i) => i >= 0);
    return found.length ? Math.min(...found) : -1;
  };
  const whereAt = top("WHERE");
  const returningAt = top("RETURNING");
  let relation: string;
  let from: string | null = null;
  if (stmt.type === "DeleteStmt") {
    const fromAt = top("FROM");
    if (fromAt < 0) return null;
    const usingAt = top("USING", fromAt);
    const relEnd = firstOf(["USING", "WHERE", "RETURNING"], fromAt);
    relation = text.slice(toks[fromAt].end, startOf(relEnd)).trim();
    if (usingAt >= 0) from = text.slice(toks[usingAt].end, startOf(firstOf(["WHERE", "RETURNING"], usingAt))).trim();
  } else {
    const setAt = top("SET");
    if (setAt < 0) return null;
    relation = text.slice(toks[0].end, toks[setAt].start).trim();
    const fromAt = top("FROM", setAt);
    if (fromAt >= 0) from = text.slice(toks[fromAt].end, startOf(firstOf(["WHERE", "RETURNING"], fromAt))).trim();
  }
  let where: string | null = null;
  if (whereAt >= 0) {
    const end = returningAt > whereAt ? toks[returningAt].start : text.length;
    where = text.slice(toks[whereAt].end, end).trim().replace(/;\s*$/, "");
    if (/^CURRENT\s+OF\b/i.test(where)) return null;
  }
  return { relation, from, where };
}

// Source positions in the parse tree (PostgreSQL 18 added the bounds of an IN list).
const POSITION_KEYS = new Set(["location", "stmt_location", "stmt_len", "rexpr_list_start", "rexpr_list_end"]);

/** The parse tree without source positions, for comparing two parses of the same expression. */
export function withoutLocations(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutLocations);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value as Node)
        .filter(([k]) => !POSITION_KEYS.has(k))
        .map(([k, v]) => [k, withoutLocations(v)]),
    );
  }
  return value;
}

export type CountQuery = { ok: true; sql: string } | { ok: false; reason: string };

/**
 * A `SELECT count(*)` over the rows the statement's WHERE matches, or why there is none. The
 * query is accepted only if it parses as one SELECT whose condition is exactly the original's and
 * everything in it (USING/FROM, subqueries) passes the dry run's guard (sql-guard.ts).
 */
export function countQuery(stmt: ParsedStatement): CountQuery {
  const parts = countParts(stmt);
  if (!parts) return { ok: false, reason: "the statement's shape is not supported for counting (WITH, WHERE CURRENT OF)" };
  const original = stmt.node.whereClause;
  if (!original || !parts.where) return { ok: false, reason: "no WHERE clause" };
  // Newlines before closing text, so a trailing -- comment cannot swallow it.
  const sql = parts.from
    ? `SELECT count(*) AS n FROM ${parts.relation} WHERE EXISTS (SELECT 1 FROM ${parts.from} WHERE ${parts.where}\n)`
    : `SELECT count(*) AS n FROM ${parts.relation} WHERE ${parts.where}\n`;
  const check = splitStatements(sql);
  if (!check.ok || check.statements.length !== 1 || check.statements[0].type !== "SelectStmt") {
    return { ok: false, reason: "the WHERE clause could not be isolated" };
  }
  const select = check.statements[0].node;
  // The whole count query, its USING/FROM list and subqueries included, not only the WHERE.
  const unsafe = unmeasurableReason({ SelectStmt: select });
  if (unsafe) return { ok: false, reason: `it calls ${unsafe}, which the dry run does not evaluate` };
  let rebuilt: unknown = select.whereClause;
  if (parts.from) {
    const sub = (rebuilt as { SubLink?: { subselect?: { SelectStmt?: Node } } })?.SubLink?.subselect?.SelectStmt;
    rebuilt = sub?.whereClause;
  }
  if (JSON.stringify(withoutLocations(rebuilt)) !== JSON.stringify(withoutLocations(original))) {
    return { ok: false, reason: "the WHERE clause could not be isolated" };
  }
  return { ok: true, sql };
}

/** `"schema"."name"` from a RangeVar, or the List of Strings a DROP names. */
export function qualifiedName(parts: Array<string | undefined>): string {
  return parts
    .filter((p): p is string => typeof p === "string" && p.length > 0)
    .map((p) => `"${p.replace(/"/g, '""')}"`)
    .join(".");
}

export function rangeVarName(node: unknown): string | null {
  const rv = ((node as Node)?.RangeVar ?? node) as { schemaname?: string; relname?: string } | undefined;
  return rv?.relname ? qualifiedName([rv.schemaname, rv.relname]) : null;
}

/** The same parse, locations aside. */
export function sameTree(a: unknown, b: unknown): boolean {
  return JSON.stringify(withoutLocations(a)) === JSON.stringify(withoutLocations(b));
}

export interface MergeCount {
  /** `SELECT count(*) AS n FROM <target> WHERE [NOT] EXISTS (SELECT 1 FROM <source> WHERE <condition>)`. */
  matched: CountQuery;
  notMatchedBySource: CountQuery;
}

/**
 * Count queries for a MERGE's target rows: those its ON condition matches (what WHEN MATCHED
 * deletes or updates, at most) and those it does not (what WHEN NOT MATCHED BY SOURCE reaches).
 * Built from the statement's own text and accepted only when the rebuilt source and condition
 * parse exactly as the original's.
 */
export function mergeCountQueries(stmt: ParsedStatement): MergeCount | null {
  if (stmt.type !== "MergeStmt" || stmt.node.withClause) return null;
  const text = stmt.text;
  const toks = tokens(text);
  if (!toks) return null;
  const top = (word: string, after = -1) => toks.findIndex((t, i) => i > after && t.depth === 0 && t.word === word);
  const intoAt = top("INTO");
  const usingAt = top("USING", intoAt);
  const onAt = top("ON", usingAt);
  const whenAt = top("WHEN", onAt);
  if (intoAt < 0 || usingAt < 0 || onAt < 0 || whenAt < 0) return null;
  const relation = text.slice(toks[intoAt].end, toks[usingAt].start).trim();
  const source = text.slice(toks[usingAt].end, toks[onAt].start).trim();
  const condition = text.slice(toks[onAt].end, toks[whenAt].start).trim();
  const build = (negated: boolean): CountQuery => {
    const sql = `SELECT count(*) AS n FROM ${relation} WHERE ${negated ? "NOT " : ""}EXISTS (SELECT 1 FROM ${source} WHERE ${condition}\n)`;
    const check = splitStatements(sql);
    if (!check.ok || check.statements.length !== 1 || check.statements[0].type !== "SelectStmt") return { ok: false, reason: "the ON condition could not be isolated" };
    const select = check.statements[0].node;
    const unsafe = unmeasurableReason({ SelectStmt: select });
    if (unsafe) return { ok: false, reason: `it calls ${unsafe}, which the dry run does not evaluate` };
    let link = select.whereClause as Node | undefined;
    if (negated) link = ((link?.BoolExpr as Node | undefined)?.args as Node[] | undefined)?.[0];
    const sub = ((link?.SubLink as Node | undefined)?.subselect as Node | undefined)?.SelectStmt as Node | undefined;
    const from = (sub?.fromClause as unknown[] | undefined) ?? [];
    if (from.length !== 1 || !sameTree(from[0], stmt.node.sourceRelation) || !sameTree(sub?.whereClause, stmt.node.joinCondition)) {
      return { ok: false, reason: "the ON condition could not be isolated" };
    }
    return { ok: true, sql };
  };
  return { matched: build(false), notMatchedBySource: build(true) };
}

/**
 * The data-modifying statements (DELETE, UPDATE, INSERT, MERGE) in a statement's top-level WITH
 * clause — the only place PostgreSQL allows them — each with its own text, re-parsed and checked
 * to be exactly the CTE's query.
 */
export function dataModifyingCtes(stmt: ParsedStatement): Array<{ name: string; statement: ParsedStatement | null; type: string }> {
  const withClause = stmt.node.withClause as Node | undefined;
  const ctes = ((withClause?.ctes ?? (withClause?.WithClause as Node | undefined)?.ctes) as Node[] | undefined) ?? [];
  const out: Array<{ name: string; statement: ParsedStatement | null; type: string }> = [];
  const toks = tokens(stmt.text);
  for (const entry of ctes) {
    const cte = entry.CommonTableExpr as Node | undefined;
    const [type, query] = Object.entries((cte?.ctequery as Node | undefined) ?? {})[0] ?? ["", null];
    if (!cte || !DATA_MODIFYING.has(type)) continue;
    out.push({ name: String(cte.ctename ?? "?"), type, statement: toks ? cteStatement(stmt.text, toks, cte, type, query as Node) : null });
  }
  return out;
}

const DATA_MODIFYING = new Set(["DeleteStmt", "UpdateStmt", "InsertStmt", "MergeStmt"]);

function cteStatement(text: string, toks: Token[], cte: Node, type: string, query: Node): ParsedStatement | null {
  // The CTE's name starts at its location; its query is the parenthesised text after AS.
  const nameAt = toks.findIndex((t) => t.start === cte.location);
  if (nameAt < 0) return null;
  const asAt = toks.findIndex((t, i) => i > nameAt && t.depth === toks[nameAt].depth && t.word === "AS");
  if (asAt < 0) return null;
  const openAt = toks.findIndex((t, i) => i > asAt && text.slice(t.start, t.end) === "(");
  if (openAt < 0) return null;
  const closeAt = toks.findIndex((t, i) => i > openAt && t.depth === toks[openAt].depth && text.slice(t.start, t.end) === ")");
  if (closeAt < 0) return null;
  const inner = text.slice(toks[openAt].end, toks[closeAt].start).trim();
  const parsed = splitStatements(inner);
  if (!parsed.ok || parsed.statements.length !== 1 || parsed.statements[0].type !== type) return null;
  return sameTree(parsed.statements[0].node, query) ? parsed.statements[0] : null;
}
