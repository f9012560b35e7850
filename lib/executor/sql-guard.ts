// What the dry run may evaluate before anyone approved anything. READ ONLY stops writes, not
// side effects: a function in a USING list can terminate backends, a user function shadowing a
// built-in can do anything, and the planner folds IMMUTABLE and STABLE calls while EXPLAINing.
// So every query the dry run builds from the agent's text is checked whole, from its parse tree:
// only a small set of node types, pg_catalog functions and operators known to be free of side
// effects, and a few built-in types, pass. The dry run then runs them with search_path locked to
// pg_catalog (tables schema-qualified here), so the names checked are the names that run.
import { scanSql } from "../risk/engine";
import type { Node } from "./sql-text";

// Functions a measured query may call: pure, non-blocking, reaching nothing outside the query.
const MEASURABLE_FUNCTIONS = new Set([
  "now", "current_date", "current_timestamp", "localtimestamp", "clock_timestamp", "statement_timestamp",
  "date_trunc", "date_part", "extract", "age", "make_date", "make_interval", "to_timestamp", "to_date", "to_char",
  "lower", "upper", "length", "char_length", "trim", "btrim", "ltrim", "rtrim", "substring", "substr", "left", "right",
  "replace", "concat", "position", "strpos", "starts_with", "split_part", "regexp_like",
  "abs", "round", "floor", "ceil", "array_length", "cardinality", "jsonb_typeof", "json_typeof", "jsonb_array_length",
  "count", "min", "max", "sum", "avg",
]);

const MEASURABLE_OPERATORS = new Set([
  "=", "<>", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "%", "||",
  "~~", "!~~", "~~*", "!~~*", "~", "~*", "!~", "!~*", "@>", "<@", "&&", "->", "->>", "#>", "#>>", "?", "?|", "?&",
]);

// Types a measured query may cast to: built-in, with input functions that only parse their text
// (no catalog lookups, no XML with its entities, no domains with their checks).
const MEASURABLE_TYPES = new Set([
  "int2", "int4", "int8", "smallint", "integer", "int", "bigint", "float4", "float8", "real", "numeric", "decimal", "money",
  "bool", "boolean", "text", "varchar", "bpchar", "char", "name", "uuid", "json", "jsonb", "bytea",
  "date", "time", "timetz", "timestamp", "timestamptz", "interval", "inet", "cidr", "macaddr", "bit", "varbit",
]);

const MEASURABLE_EXPRESSIONS = new Set([
  "AEXPR_OP", "AEXPR_OP_ANY", "AEXPR_OP_ALL", "AEXPR_DISTINCT", "AEXPR_NOT_DISTINCT", "AEXPR_NULLIF", "AEXPR_IN",
  "AEXPR_LIKE", "AEXPR_ILIKE", "AEXPR_BETWEEN", "AEXPR_NOT_BETWEEN", "AEXPR_BETWEEN_SYM", "AEXPR_NOT_BETWEEN_SYM",
]);

const BETWEEN = new Set(["AEXPR_BETWEEN", "AEXPR_NOT_BETWEEN", "AEXPR_BETWEEN_SYM", "AEXPR_NOT_BETWEEN_SYM"]);

// Node types a measured query may contain. Anything else (SET DEFAULT, XML, TABLESAMPLE with its
// handler, locking clauses, parameters…) is not measured.
const MEASURABLE_NODES = new Set([
  "SelectStmt", "DeleteStmt", "UpdateStmt", "ResTarget", "MultiAssignRef", "ColumnRef", "A_Star", "A_Const", "A_Expr",
  "BoolExpr", "NullTest", "BooleanTest", "SubLink", "FuncCall", "TypeCast", "RangeVar", "JoinExpr", "RangeSubselect",
  "RangeFunction", "String", "Integer", "Float", "Boolean", "BitString", "List", "SortBy", "CaseExpr", "CaseWhen",
  "A_ArrayExpr", "A_Indirection", "A_Indices", "RowExpr", "SQLValueFunction", "CoalesceExpr", "MinMaxExpr",
]);

const names = (list: unknown): string[] => ((list as Array<{ String?: { sval?: string } }>) ?? []).map((n) => n.String?.sval ?? "?");

/** Only unqualified names (resolved under the locked search_path) or pg_catalog ones. */
function builtIn(parts: string[], allowed?: Set<string>): boolean {
  const [schema, name] = parts.length === 2 ? parts : [null, parts[0]];
  if (parts.length > 2 || (schema !== null && schema !== "pg_catalog")) return false;
  return allowed ? allowed.has(name.toLowerCase()) : true;
}

/** Why the dry run will not evaluate this parse tree, or null when every part of it is allowed. */
export function unmeasurableReason(tree: unknown): string | null {
  const refused = new Set<string>();
  const walk = (value: unknown) => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (!value || typeof value !== "object") return;
    for (const [key, child] of Object.entries(value as Node)) {
      if (/^[A-Z]/.test(key) && !MEASURABLE_NODES.has(key)) refused.add(key);
      if (key === "withClause" || key === "intoClause" || key === "over") refused.add(key === "over" ? "a window function" : key);
      if (key === "FuncCall") {
        const fn = names((child as Node).funcname);
        if (!builtIn(fn, MEASURABLE_FUNCTIONS)) refused.add(fn.join("."));
      }
      if (key === "A_Expr") {
        const expr = child as Node;
        const op = names(expr.name);
        if (!MEASURABLE_EXPRESSIONS.has(String(expr.kind))) refused.add(String(expr.kind));
        // BETWEEN's name is the keyword: it compares with the type's own <= and >=.
        else if (!BETWEEN.has(String(expr.kind)) && !builtIn(op, MEASURABLE_OPERATORS)) refused.add(`operator ${op.join(".")}`);
      }
      if (key === "TypeCast") {
        const type = names(((child as Node).typeName as Node | undefined)?.names);
        if (!builtIn(type, MEASURABLE_TYPES)) refused.add(`type ${type.join(".")}`);
      }
      walk(child);
    }
  };
  walk(tree);
  return refused.size ? [...refused].join(", ") : null;
}

export interface RelationRef {
  schemaname: string | null;
  relname: string;
  /** Byte offset of the name in the parsed text. */
  location: number;
}

/** Every table reference (RangeVar) in a parse tree, wrapped or not. */
export function relationRefs(tree: unknown, out: RelationRef[] = []): RelationRef[] {
  if (Array.isArray(tree)) tree.forEach((v) => relationRefs(v, out));
  else if (tree && typeof tree === "object") {
    const node = tree as Node;
    if (typeof node.relname === "string" && typeof node.location === "number") {
      out.push({ schemaname: typeof node.schemaname === "string" ? node.schemaname : null, relname: node.relname, location: node.location });
    }
    for (const child of Object.values(node)) relationRefs(child, out);
  }
  return out;
}

/** `"schema"."name"`, quoted for the text of a query. */
export function quoteQualified(schema: string, name: string): string {
  return [schema, name].map((p) => `"${p.replace(/"/g, '""')}"`).join(".");
}

/**
 * The text with each table reference replaced by its schema-qualified name, so that it means the
 * same under `search_path = pg_catalog, pg_temp`; null when a reference cannot be located.
 */
export function qualifyRelations(text: string, refs: RelationRef[], qualified: (ref: RelationRef) => string): string | null {
  const scanned = scanSql(text);
  if (!scanned) return null;
  const bytes = Buffer.from(text, "utf8");
  const raw = (t: { start: number; end: number }) => bytes.subarray(t.start, t.end).toString("utf8");
  const edits = refs.map((ref) => {
    const at = scanned.tokens.findIndex((t) => t.start === ref.location);
    if (at < 0) return null;
    let last = at;
    while (raw(scanned.tokens[last + 1] ?? { start: 0, end: 0 }) === "." && scanned.tokens[last + 2]) last += 2;
    return { start: ref.location, end: scanned.tokens[last].end, replacement: qualified(ref) };
  });
  if (edits.some((e) => e === null)) return null;
  let out = bytes;
  for (const edit of (edits as Array<{ start: number; end: number; replacement: string }>).sort((a, b) => b.start - a.start)) {
    out = Buffer.concat([out.subarray(0, edit.start), Buffer.from(edit.replacement, "utf8"), out.subarray(edit.end)]);
  }
  return out.toString("utf8");
}

// SQLSTATE → condition name (PostgreSQL Appendix A) for the errors a measurement meets; the
// message itself may quote the data (`invalid input syntax for type integer: "<a hash>"`).
const CONDITIONS: Record<string, string> = {
  "21000": "cardinality_violation",
  "22001": "string_data_right_truncation",
  "22003": "numeric_value_out_of_range",
  "22007": "invalid_datetime_format",
  "22008": "datetime_field_overflow",
  "22012": "division_by_zero",
  "22023": "invalid_parameter_value",
  "22P02": "invalid_text_representation",
  "25006": "read_only_sql_transaction",
  "2BP01": "dependent_objects_still_exist",
  "40001": "serialization_failure",
  "40P01": "deadlock_detected",
  "42501": "insufficient_privilege",
  "42601": "syntax_error",
  "42702": "ambiguous_column",
  "42703": "undefined_column",
  "42704": "undefined_object",
  "42725": "ambiguous_function",
  "42803": "grouping_error",
  "42804": "datatype_mismatch",
  "42809": "wrong_object_type",
  "42846": "cannot_coerce",
  "42883": "undefined_function",
  "42P01": "undefined_table",
  "42P18": "indeterminate_datatype",
  "53200": "out_of_memory",
  "54001": "statement_too_complex",
  "55P03": "lock_not_available",
  "57014": "query_canceled",
  "0A000": "feature_not_supported",
};

/** The error's condition name (or SQLSTATE), never its message. */
export function conditionOf(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  if (typeof code !== "string" || !/^[0-9A-Z]{5}$/.test(code)) return "error";
  return CONDITIONS[code] ?? `SQLSTATE ${code}`;
}
