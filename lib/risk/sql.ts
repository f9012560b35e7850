// SQL risk: walks the real PostgreSQL parse tree (libpg-query) and turns what each statement
// does into findings. Never looks at the SQL text itself, so strings, comments, dollar quotes
// and quoted identifiers cannot fake or hide a statement.
import { parsePlpgsql, parseSql, scanSql, type SqlParseFailure } from "./engine";
import { type Finding, type RiskAssessment, type RiskLevel, quoteName, toAssessment } from "./levels";
import {
  ARCHIVING_SETTINGS,
  CONNECTION_SETTINGS,
  CREDENTIAL_CATALOGS,
  DANGEROUS_FUNCTIONS,
  KNOWN_FUNCTIONS,
  READ_ONLY_SETTINGS,
  SESSION_TEXT_VIEWS,
} from "./sql-catalog";

type Node = Record<string, unknown>;

/** Findings and targets shared by a statement and everything nested in it. */
interface Collector {
  findings: Finding[];
  targets: string[];
}

interface Ctx {
  out: Collector;
  /** Prepended to messages of findings inside function bodies, DO blocks, rules. */
  prefix: string;
  /** How many times SQL text has been re-parsed to get here (function bodies, dblink). */
  depth: number;
  /** The text of the top-level statement being walked (for the PL/pgSQL parser). */
  statementText: () => string;
  /** Names of CTEs in the statement: an unqualified reference to one is not a table. */
  cteNames: Set<string>;
  /** Relations read by the statement, resolved once CTE names are known. */
  reads: string[][];
  /** Credential catalogs and session-text views the statement names, judged once it is walked. */
  sensitiveReads: SensitiveRead[];
  /** Every column reference of the statement but stars, lower-cased. */
  columns: string[][];
  /** Relations a `*` of their own query (or a COPY without a column list) reads every column of. */
  starred: Set<Node>;
}

const SKIP_CHILDREN = Symbol("skip-children");
type Handler = (node: Node, ctx: Ctx) => void | typeof SKIP_CHILDREN;

const MAX_NESTING = 4;

/** Classifies a SQL batch. Requires `loadRiskEngine()` to have completed. */
export function assessSql(sql: string): RiskAssessment {
  const out: Collector = { findings: [], targets: [] };
  const saved = { searchPath, alternatives, catalogFirst };
  searchPath = DEFAULT_SEARCH_PATH;
  alternatives = new Map();
  catalogFirst = true;
  try {
    classifySqlText(sql, out, "", 0, true);
  } finally {
    ({ searchPath, alternatives, catalogFirst } = saved);
  }
  return toAssessment(out.findings, out.targets);
}

// ---------------------------------------------------------------------------------------------
// search_path: which schema an unqualified name means, as set earlier in the same batch
//
// PostgreSQL resolves an unqualified table in the first schema of search_path that has it.
// Countersign cannot see which schemas have it, so after `SET search_path TO billing, public` an
// unqualified `customers` is named `billing.customers` in messages and every candidate
// (`billing.customers`, `public.customers`) is a target: a rule that protects any of them matches.
// A search_path computed at run time is unknown: the name becomes `*.customers` (which a rule
// for `*.customers` or `*` matches) and the batch is high (sql.opaque_code), so no rule written
// for a particular schema can be dodged that way.

/** The default `"$user", public`, as Countersign has always read it: public. */
const DEFAULT_SEARCH_PATH: readonly string[] = ["public"];

/** Schemas of the search_path in effect, or null when it was set to a value not known until run time. */
let searchPath: readonly string[] | null = DEFAULT_SEARCH_PATH;
/** Target → every schema-qualified name it could stand for, for unqualified names under a longer path. */
let alternatives = new Map<string, string[]>();
/** Whether pg_catalog is searched before every schema of the search_path, as it is unless named later. */
let catalogFirst = true;

function setSearchPath(value: string | undefined, ctx: Ctx): void {
  if (value === undefined) {
    searchPath = null;
    add(ctx, "sql.opaque_code", "high", "Sets search_path to a value computed at run time, so Countersign cannot tell which schema the later statements' tables are in");
    return;
  }
  const named = value
    .split(",")
    .map((part) => part.trim().replace(/^"(.*)"$/, "$1"))
    .filter((part) => part !== "");
  const catalogAt = named.indexOf("pg_catalog");
  catalogFirst = catalogAt === -1 || named.slice(0, catalogAt).every((part) => part === "pg_temp");
  const schemas = named.filter((part) => part !== "$user" && part !== "pg_catalog" && part !== "pg_temp");
  searchPath = schemas.length > 0 ? schemas : DEFAULT_SEARCH_PATH;
}

/**
 * A side-effect-free built-in: on the allow-list and resolved in pg_catalog, which is searched
 * first unless a search_path names it after another schema (whose functions then come first).
 */
function isKnownFunction(parts: string[]): boolean {
  const name = (parts.at(-1) ?? "").toLowerCase();
  if (!KNOWN_FUNCTIONS.has(name)) return false;
  if (parts.length === 2) return parts[0]!.toLowerCase() === "pg_catalog";
  return parts.length === 1 && catalogFirst;
}

/** A name that resolves to pg_catalog: qualified with it, or unqualified while it is searched first. */
function isCatalogName(parts: string[]): boolean {
  if (parts.length === 2) return parts[0]!.toLowerCase() === "pg_catalog";
  return parts.length === 1 && catalogFirst;
}

/** Expands targets named under a multi-schema search_path into every schema they could be in. */
function expandTargets(targets: string[]): string[] {
  if (alternatives.size === 0) return targets;
  return targets.flatMap((t) => alternatives.get(t) ?? [t]);
}

// ---------------------------------------------------------------------------------------------
// Parsing, batches and parse errors

function classifySqlText(sql: string, out: Collector, prefix: string, depth: number, reportParseErrors: boolean): boolean {
  if (depth > MAX_NESTING) {
    out.findings.push({
      id: "sql.opaque_code",
      level: "high",
      message: `${prefix}SQL nested too deeply for Countersign to inspect`,
    });
    return false;
  }
  const parsed = parseSql(sql);
  if (parsed.ok) {
    classifyStatements(sql, parsed.result.stmts ?? [], out, prefix, depth);
    return true;
  }
  if (!reportParseErrors) return false;
  classifyUnparsableBatch(sql, parsed.error, out, prefix, depth);
  return false;
}

/**
 * A batch with a syntax error: the parser rejects the whole text, so split it into statements
 * with PostgreSQL's own scanner (which understands quotes, comments and dollar quoting) and
 * classify every statement that does parse. Each statement that does not is a `sql.parse_error`.
 */
function classifyUnparsableBatch(sql: string, error: SqlParseFailure, out: Collector, prefix: string, depth: number): void {
  const pieces = splitStatements(sql);
  let failures = 0;
  if (pieces && pieces.length > 1) {
    // Every statement is classified; only the list of parse errors is shortened.
    for (const piece of pieces) {
      const parsed = parseSql(piece.text);
      if (parsed.ok) {
        classifyStatements(piece.text, parsed.result.stmts ?? [], out, prefix, depth);
      } else if (++failures <= MAX_LISTED_PARSE_ERRORS) {
        out.findings.push(parseErrorFinding(prefix, parsed.error, piece.charOffset));
      }
    }
  }
  if (failures === 0) out.findings.push(parseErrorFinding(prefix, error, 0));
  if (failures > MAX_LISTED_PARSE_ERRORS) {
    const more = failures - MAX_LISTED_PARSE_ERRORS;
    out.findings.push({
      id: "sql.parse_error",
      level: "high",
      message: `${prefix}${more} more statement${more === 1 ? " does" : "s do"} not parse`,
    });
  }
}

const MAX_LISTED_PARSE_ERRORS = 10;

function parseErrorFinding(prefix: string, error: SqlParseFailure, charOffset: number): Finding {
  const where = error.position === null ? "" : ` (at character ${charOffset + error.position + 1})`;
  return {
    id: "sql.parse_error",
    level: "high",
    message: `${prefix}A statement does not parse: ${error.message}${where}; Countersign cannot tell what it would do`,
  };
}

function splitStatements(sql: string): { text: string; charOffset: number }[] | null {
  const scanned = scanSql(sql);
  if (!scanned) return null;
  const bytes = new TextEncoder().encode(sql);
  const decoder = new TextDecoder();
  const pieces: { text: string; charOffset: number }[] = [];
  let start = 0;
  let charOffset = 0;
  const cut = (end: number) => {
    const text = decoder.decode(bytes.subarray(start, end));
    if (text.trim() !== "") pieces.push({ text, charOffset });
    charOffset += text.length;
    start = end;
  };
  for (const token of scanned.tokens) if (token.text === ";") cut(token.end);
  cut(bytes.length);
  return pieces;
}

interface RawStatement {
  stmt?: unknown;
  stmt_location?: number;
  stmt_len?: number;
}

function classifyStatements(sql: string, stmts: RawStatement[], out: Collector, prefix: string, depth: number): void {
  let bytes: Uint8Array | null = null;
  for (const raw of stmts) {
    const statementText = () => {
      bytes ??= new TextEncoder().encode(sql);
      const start = raw.stmt_location ?? 0;
      const end = raw.stmt_len ? start + raw.stmt_len : bytes.length;
      return new TextDecoder().decode(bytes.subarray(start, end));
    };
    const ctx: Ctx = { out, prefix, depth, statementText, cteNames: new Set(), reads: [], sensitiveReads: [], columns: [], starred: new Set() };
    try {
      visit(raw.stmt, ctx);
    } catch (error) {
      // A parse tree nested deeper than the walk can follow: what was found so far stands, and
      // the rest is opaque.
      if (!(error instanceof TreeTooDeepError || error instanceof RangeError)) throw error;
      add(ctx, "sql.opaque_code", "high", "A statement is nested too deeply for Countersign to inspect all of it");
    }
    finishStatement(ctx);
  }
}

/** Deeper than any SQL a person writes, and well inside the JavaScript stack. */
const MAX_TREE_DEPTH = 1500;

class TreeTooDeepError extends Error {}

function finishStatement(ctx: Ctx): void {
  for (const parts of ctx.reads) {
    if (parts.length === 1 && ctx.cteNames.has(parts[0]!)) continue;
    for (const target of expandTargets([qualify(parts)])) ctx.out.targets.push(target);
  }
  judgeSensitiveReads(ctx);
  ctx.reads = [];
  ctx.sensitiveReads = [];
  ctx.columns = [];
  ctx.starred = new Set();
}

/** A child context for code that runs later or elsewhere (function bodies, rules, DO blocks). */
function nested(ctx: Ctx, prefix: string): Ctx {
  return { ...ctx, prefix: ctx.prefix + prefix, cteNames: new Set(ctx.cteNames), reads: [], sensitiveReads: [], columns: [], starred: new Set() };
}

function visitNested(value: unknown, ctx: Ctx, prefix: string): void {
  const inner = nested(ctx, prefix);
  visit(value, inner);
  finishStatement(inner);
}

function classifyNestedSql(text: string, ctx: Ctx, prefix: string, reportParseErrors: boolean): boolean {
  return classifySqlText(text, ctx.out, ctx.prefix + prefix, ctx.depth + 1, reportParseErrors);
}

// ---------------------------------------------------------------------------------------------
// The walk

let treeDepth = 0;

function visit(value: unknown, ctx: Ctx): void {
  if (Array.isArray(value)) {
    for (const item of value) visit(item, ctx);
    return;
  }
  if (value === null || typeof value !== "object") return;
  if (treeDepth >= MAX_TREE_DEPTH) throw new TreeTooDeepError();
  treeDepth++;
  try {
    visitNode(value as Node, ctx);
  } finally {
    treeDepth--;
  }
}

function visitNode(node: Node, ctx: Ctx): void {
  for (const key in node) {
    const child = node[key];
    if (child === null || typeof child !== "object") continue;
    if (isNodeType(key) && !Array.isArray(child)) {
      const handler = HANDLERS[key];
      if (handler) {
        if (handler(child as Node, ctx) === SKIP_CHILDREN) continue;
      } else if (key.endsWith("Stmt") && !QUIET_STATEMENTS.has(key)) {
        const tag = COMMAND_TAGS[key];
        if (tag) schemaChange(child as Node, ctx, tag);
        else add(ctx, "sql.unclassified", "high", `Runs a ${key} statement, which Countersign does not classify`);
      }
    }
    visit(child, ctx);
  }
}

function isNodeType(key: string): boolean {
  const c = key.charCodeAt(0);
  return c >= 65 && c <= 90;
}

function add(ctx: Ctx, id: string, level: RiskLevel, message: string, targets?: string[]): void {
  const finding: Finding = { id, level, message: ctx.prefix + message };
  if (targets && targets.length > 0) {
    const expanded = expandTargets(targets);
    finding.targets = [...new Set(expanded)];
    for (const target of expanded) ctx.out.targets.push(target);
  }
  ctx.out.findings.push(finding);
}

/** Statements that read, or only affect the current session, and need no finding. */
const QUIET_STATEMENTS = new Set([
  "VariableShowStmt",
  "DeclareCursorStmt",
  "FetchStmt",
  "ClosePortalStmt",
  "DiscardStmt",
  "ListenStmt",
  "UnlistenStmt",
  "NotifyStmt",
  "DeallocateStmt",
  "ConstraintsSetStmt",
  "ReturnStmt",
  "PLAssignStmt",
  "SetOperationStmt",
  "RawStmt",
]);

/** Other DDL: medium, described by its command tag. */
const COMMAND_TAGS: Record<string, string> = {
  AlterCollationStmt: "ALTER COLLATION",
  AlterDatabaseRefreshCollStmt: "ALTER DATABASE … REFRESH COLLATION VERSION",
  AlterDomainStmt: "ALTER DOMAIN",
  AlterEnumStmt: "ALTER TYPE",
  AlterEventTrigStmt: "ALTER EVENT TRIGGER",
  AlterExtensionContentsStmt: "ALTER EXTENSION",
  AlterExtensionStmt: "ALTER EXTENSION",
  AlterFdwStmt: "ALTER FOREIGN DATA WRAPPER",
  AlterForeignServerStmt: "ALTER SERVER",
  AlterFunctionStmt: "ALTER FUNCTION",
  AlterObjectDependsStmt: "ALTER … DEPENDS ON EXTENSION",
  AlterObjectSchemaStmt: "ALTER … SET SCHEMA",
  AlterOpFamilyStmt: "ALTER OPERATOR FAMILY",
  AlterOperatorStmt: "ALTER OPERATOR",
  AlterPolicyStmt: "ALTER POLICY",
  AlterPublicationStmt: "ALTER PUBLICATION",
  AlterSeqStmt: "ALTER SEQUENCE",
  AlterStatsStmt: "ALTER STATISTICS",
  AlterSubscriptionStmt: "ALTER SUBSCRIPTION",
  AlterTSConfigurationStmt: "ALTER TEXT SEARCH CONFIGURATION",
  AlterTSDictionaryStmt: "ALTER TEXT SEARCH DICTIONARY",
  AlterTableSpaceOptionsStmt: "ALTER TABLESPACE",
  AlterTypeStmt: "ALTER TYPE",
  AlterUserMappingStmt: "ALTER USER MAPPING",
  CommentStmt: "COMMENT",
  CompositeTypeStmt: "CREATE TYPE",
  CreateAmStmt: "CREATE ACCESS METHOD",
  CreateCastStmt: "CREATE CAST",
  CreateConversionStmt: "CREATE CONVERSION",
  CreateDomainStmt: "CREATE DOMAIN",
  CreateEnumStmt: "CREATE TYPE",
  CreateEventTrigStmt: "CREATE EVENT TRIGGER",
  CreateExtensionStmt: "CREATE EXTENSION",
  CreateFdwStmt: "CREATE FOREIGN DATA WRAPPER",
  CreateForeignServerStmt: "CREATE SERVER",
  CreateForeignTableStmt: "CREATE FOREIGN TABLE",
  CreateOpClassStmt: "CREATE OPERATOR CLASS",
  CreateOpFamilyStmt: "CREATE OPERATOR FAMILY",
  CreatePLangStmt: "CREATE LANGUAGE",
  CreatePolicyStmt: "CREATE POLICY",
  CreatePublicationStmt: "CREATE PUBLICATION",
  CreateRangeStmt: "CREATE TYPE",
  CreateSchemaStmt: "CREATE SCHEMA",
  CreateSeqStmt: "CREATE SEQUENCE",
  CreateStatsStmt: "CREATE STATISTICS",
  CreateSubscriptionStmt: "CREATE SUBSCRIPTION",
  CreateTableSpaceStmt: "CREATE TABLESPACE",
  CreateTransformStmt: "CREATE TRANSFORM",
  CreateUserMappingStmt: "CREATE USER MAPPING",
  CreatedbStmt: "CREATE DATABASE",
  DefineStmt: "CREATE (aggregate, operator, type or collation)",
  ImportForeignSchemaStmt: "IMPORT FOREIGN SCHEMA",
  SecLabelStmt: "SECURITY LABEL",
};

function schemaChange(node: Node, ctx: Ctx, tag: string): void {
  const relation = asNode(node.relation) ?? asNode(node.sequence) ?? asNode(node.view);
  if (relation && typeof relation.relname === "string") {
    const name = qualify(rangeVarParts(relation));
    add(ctx, "sql.schema_change", "medium", `Runs ${tag} on ${quoteName(name)}`, [name]);
    return;
  }
  const label = firstString(node, ["extname", "schemaname", "dbname", "trigname", "subname", "pubname", "servername", "tablespacename", "policy_name", "eventname", "fdwname", "plname", "amname", "conversion_name"]);
  add(ctx, "sql.schema_change", "medium", `Runs ${tag}${label ? ` on ${quoteName(label)}` : ""}`);
}

/** A_Expr kinds whose `name` is an operator (the others name LIKE, BETWEEN, IN and so on). */
const OPERATOR_EXPRS = new Set(["AEXPR_OP", "AEXPR_OP_ANY", "AEXPR_OP_ALL", "AEXPR_DISTINCT", "AEXPR_NOT_DISTINCT", "AEXPR_NULLIF"]);

/** Operator symbols PostgreSQL and its bundled types define in pg_catalog. */
const BUILTIN_OPERATORS = new Set([
  "=", "<>", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "%", "^", "|/", "||/", "@", "&", "|", "#", "~", "<<", ">>",
  "||", "~~", "~~*", "!~~", "!~~*", "~*", "!~", "!~*", "@>", "<@", "&&", "?", "?|", "?&", "->", "->>", "#>", "#>>", "#-",
  "@?", "@@", "@@@", "<->", "<<|", "|>>", "&<", "&>", "&<|", "|&>", "-|-", "<<=", ">>=", "<^", ">^", "?#", "?-", "?|", "?-|",
  "?||", "~=", "##", "^@", "<#>", "<=>", "@-@", "!!", "~<~", "~<=~", "~>=~", "~>~",
]);

// ---------------------------------------------------------------------------------------------
// Handlers, one per node type that matters

const HANDLERS: Record<string, Handler> = {
  RangeVar(node, ctx) {
    readRelation(node, ctx);
  },

  ColumnRef(node, ctx) {
    const fields = asArray(node.fields);
    if (fields.some((field) => asNode(field)?.A_Star)) return; // stars are judged per query, see markStarred
    ctx.columns.push(fields.map((field) => String(asNode(asNode(field)?.String)?.sval ?? "").toLowerCase()));
  },

  CommonTableExpr(node, ctx) {
    if (typeof node.ctename === "string") ctx.cteNames.add(node.ctename);
  },

  SelectStmt(node, ctx) {
    markStarred(node, node.fromClause, ctx);
    const locking = asArray(node.lockingClause).map((l) => asNode(asNode(l)?.LockingClause)?.strength);
    if (locking.length > 0) {
      const strength = LOCK_STRENGTHS[String(locking[0])] ?? "FOR UPDATE";
      add(ctx, "sql.row_lock", "medium", `Locks the rows it selects until the transaction ends (SELECT … ${strength}), blocking others that write them`);
    }
    const into = asNode(asNode(node.intoClause)?.rel);
    if (into) {
      const name = qualify(rangeVarParts(into));
      add(ctx, "sql.schema_change", "medium", `Creates table ${quoteName(name)} from a query (SELECT … INTO)`, [name]);
    }
  },

  DeleteStmt(node, ctx) {
    markStarred(node, node.usingClause, ctx);
    const name = relationName(node.relation);
    const where = node.whereClause;
    const why = wholeTableWhy(node, where);
    if (why !== null) {
      add(ctx, "sql.delete_without_where", "critical", `Deletes every row of ${quoteName(name)}${why}`, [name]);
    } else {
      add(ctx, "sql.write", "medium", `Deletes the rows of ${quoteName(name)} that match a WHERE clause`, [name]);
    }
  },

  UpdateStmt(node, ctx) {
    markStarred(node, node.fromClause, ctx);
    const name = relationName(node.relation);
    if (name === "pg_catalog.pg_settings") {
      updateSettings(node, ctx);
      return;
    }
    const where = node.whereClause;
    const why = wholeTableWhy(node, where);
    if (why !== null) {
      add(ctx, "sql.update_without_where", "critical", `Updates every row of ${quoteName(name)}${why}`, [name]);
    } else {
      add(ctx, "sql.write", "medium", `Updates the rows of ${quoteName(name)} that match a WHERE clause`, [name]);
    }
  },

  InsertStmt(node, ctx) {
    const name = relationName(node.relation);
    const upsert = asNode(node.onConflictClause)?.action === "ONCONFLICT_UPDATE";
    add(ctx, "sql.write", "medium", `Inserts rows into ${quoteName(name)}${upsert ? ", updating rows that conflict" : ""}`, [name]);
  },

  MergeStmt(node, ctx) {
    const name = relationName(node.relation);
    add(ctx, "sql.write", "medium", `Merges rows into ${quoteName(name)} (MERGE)`, [name]);
    if (!isAlwaysTrue(node.joinCondition)) return;
    for (const item of asArray(node.mergeWhenClauses)) {
      const clause = asNode(asNode(item)?.MergeWhenClause);
      if (!clause || clause.matchKind !== "MERGE_WHEN_MATCHED") continue;
      if (clause.condition !== undefined && !isAlwaysTrue(clause.condition)) continue;
      if (clause.commandType === "CMD_DELETE") {
        add(ctx, "sql.delete_without_where", "critical", `Deletes every row of ${quoteName(name)} (MERGE … ON a condition that is always true)`, [name]);
      } else if (clause.commandType === "CMD_UPDATE") {
        add(ctx, "sql.update_without_where", "critical", `Updates every row of ${quoteName(name)} (MERGE … ON a condition that is always true)`, [name]);
      }
    }
  },

  TruncateStmt(node, ctx) {
    const cascade = node.behavior === "DROP_CASCADE";
    for (const item of asArray(node.relations)) {
      const rv = asNode(asNode(item)?.RangeVar);
      if (!rv) continue;
      const name = qualify(rangeVarParts(rv));
      const tail = cascade ? ", and with CASCADE also every table that references it by foreign key" : "";
      add(ctx, "sql.truncate", "critical", `Truncates ${quoteName(name)}, deleting every row${tail}`, [name]);
    }
    return SKIP_CHILDREN;
  },

  DropStmt(node, ctx) {
    const removeType = typeof node.removeType === "string" ? node.removeType : "OBJECT_UNKNOWN";
    const cascade = node.behavior === "DROP_CASCADE";
    const kind = objectKind(removeType);
    for (const object of asArray(node.objects)) {
      const parts = objectNameParts(object);
      if (removeType === "OBJECT_SCHEMA") {
        const schema = parts.join(".");
        const tail = cascade ? " and, with CASCADE, every table and object in it" : " (RESTRICT: only if it is empty)";
        add(ctx, "sql.drop_schema", "critical", `Drops schema ${quoteName(schema)}${tail}`, [`${schema}.*`]);
      } else if (removeType === "OBJECT_TABLE") {
        const name = qualify(parts);
        const tail = cascade ? ", and with CASCADE every object that depends on it" : "";
        add(ctx, "sql.drop_table", "critical", `Drops table ${quoteName(name)}${tail}`, [name]);
      } else if (OWNED_BY_TABLE.has(removeType) && parts.length >= 2) {
        const table = qualify(parts.slice(0, -1));
        const tail = cascade ? ", and with CASCADE every object that depends on it" : "";
        add(ctx, dropFindingId(removeType), "high", `Drops ${kind} ${quoteName(parts.at(-1)!)} on ${quoteName(table)}${DROP_EFFECTS[removeType] ?? ""}${tail}`, [table]);
      } else if (removeType === "OBJECT_CAST" || removeType === "OBJECT_TRANSFORM") {
        const [source, target] = asArray(asNode(asNode(object)?.List)?.items).map((t) => typeNameText(t));
        const what = removeType === "OBJECT_CAST" ? `the cast from ${quoteName(source ?? "?")} to ${quoteName(target ?? "?")}` : `the transform for type ${quoteName(source ?? "?")}`;
        add(ctx, dropFindingId(removeType), "high", `Drops ${what}, so expressions relying on it stop working`);
      } else {
        const schemaObject = SCHEMA_OBJECTS.has(removeType);
        const name = schemaObject ? qualify(parts) : parts.join(".");
        // Dropping a type, domain or extension with CASCADE drops the columns that use it, with their data.
        const dropsColumns = cascade && DROPS_COLUMNS_ON_CASCADE.has(removeType);
        const tail = dropsColumns
          ? ", and with CASCADE every column of that type, with its data, and every other object that depends on it"
          : cascade
            ? ", and with CASCADE every object that depends on it"
            : "";
        const effect = dropsColumns ? "" : (DROP_EFFECTS[removeType] ?? "");
        add(ctx, dropFindingId(removeType), dropsColumns ? "critical" : "high", `Drops ${kind} ${quoteName(name)}${effect}${tail}`, schemaObject ? [name] : undefined);
      }
    }
    return SKIP_CHILDREN;
  },

  DropdbStmt(node, ctx) {
    const force = asArray(node.options).some((o) => defElemName(o) === "force");
    add(ctx, "sql.drop_database", "critical", `Drops database ${quoteName(String(node.dbname ?? "?"))}${force ? ", forcibly disconnecting its sessions" : ""}`);
    return SKIP_CHILDREN;
  },

  DropRoleStmt(node, ctx) {
    for (const role of asArray(node.roles)) add(ctx, "sql.drop_role", "high", `Drops role ${quoteName(roleName(role))}`);
    return SKIP_CHILDREN;
  },

  DropOwnedStmt(node, ctx) {
    const roles = asArray(node.roles).map((r) => quoteName(roleName(r))).join(", ");
    add(ctx, "sql.drop_owned", "critical", `Drops every object owned by ${roles} in the current database, including tables`);
    return SKIP_CHILDREN;
  },

  DropTableSpaceStmt(node, ctx) {
    add(ctx, "sql.drop_tablespace", "high", `Drops tablespace ${quoteName(String(node.tablespacename ?? "?"))} (only possible once it is empty)`);
    return SKIP_CHILDREN;
  },

  DropUserMappingStmt(node, ctx) {
    add(ctx, "sql.drop_user_mapping", "high", `Drops the user mapping for ${quoteName(roleName(node.user))} on server ${quoteName(String(node.servername ?? "?"))}, cutting its access to the foreign server`);
    return SKIP_CHILDREN;
  },

  DropSubscriptionStmt(node, ctx) {
    add(
      ctx,
      "sql.drop_replication_slot",
      "high",
      `Drops subscription ${quoteName(String(node.subname ?? "?"))}, which also drops its replication slot on the publisher`,
    );
    return SKIP_CHILDREN;
  },

  AlterTableStmt(node, ctx) {
    const name = relationName(node.relation);
    const kind = objectKind(typeof node.objtype === "string" ? node.objtype : "OBJECT_TABLE");
    const table = quoteName(name);
    const other: string[] = [];
    for (const item of asArray(node.cmds)) {
      const cmd = asNode(asNode(item)?.AlterTableCmd);
      if (!cmd) continue;
      const subtype = String(cmd.subtype ?? "");
      const column = typeof cmd.name === "string" ? cmd.name : undefined;
      // The object a subcommand names: a column, constraint, trigger, index, or a related table.
      const related = asNode(asNode(cmd.def)?.RangeVar) ?? asNode(asNode(asNode(cmd.def)?.PartitionCmd)?.name);
      const col = quoteName(column ?? stringAt(cmd, ["def", "ColumnDef", "colname"]) ?? (related ? qualify(rangeVarParts(related)) : "?"));
      const cascade = cmd.behavior === "DROP_CASCADE" ? ", and with CASCADE every object that depends on it" : "";
      const constraint = asNode(asNode(cmd.def)?.Constraint);
      switch (subtype) {
        case "AT_DropColumn":
          add(ctx, "sql.drop_column", "high", `Drops column ${col} of ${table}, deleting its data${cascade}`, [name]);
          break;
        case "AT_AlterColumnType":
          add(ctx, "sql.table_rewrite", "high", `Changes the type of column ${col} of ${table}, rewriting the table under an exclusive lock and converting every value`, [name]);
          break;
        case "AT_SetTableSpace":
          add(ctx, "sql.table_rewrite", "high", `Moves ${table} to tablespace ${col}, copying the whole table under an exclusive lock`, [name]);
          break;
        case "AT_SetAccessMethod":
          add(ctx, "sql.table_rewrite", "high", `Changes the access method of ${table}, rewriting the table under an exclusive lock`, [name]);
          break;
        case "AT_SetLogged":
          add(ctx, "sql.table_rewrite", "high", `Makes ${table} logged again, writing the whole table to the WAL under an exclusive lock`, [name]);
          break;
        case "AT_SetUnLogged":
          add(
            ctx,
            "backup.unlogged_table",
            "critical",
            `Makes ${table} unlogged: its changes leave the WAL, so point-in-time recovery and replicas no longer have it, and a crash empties it`,
            [name],
          );
          break;
        case "AT_AddColumn": {
          const rewrite = addColumnRewrite(asNode(asNode(cmd.def)?.ColumnDef));
          if (rewrite) add(ctx, "sql.table_rewrite", "high", `Adds column ${col} to ${table} ${rewrite}, rewriting the table under an exclusive lock`, [name]);
          else other.push(`adds column ${col}`);
          break;
        }
        case "AT_SetNotNull":
          add(ctx, "sql.long_lock", "high", `Makes column ${col} of ${table} NOT NULL, scanning the whole table while holding an exclusive lock that blocks reads and writes`, [name]);
          break;
        case "AT_AddConstraint": {
          const lock = constraintLock(constraint);
          const referenced = constraint?.contype === "CONSTR_FOREIGN" ? [relationName(constraint.pktable)] : [];
          if (lock) add(ctx, "sql.long_lock", "high", `Adds ${constraintWords(constraint)} to ${table}, ${lock}`, [name, ...referenced]);
          else other.push(`adds ${constraintWords(constraint)} without validating existing rows (NOT VALID)`);
          break;
        }
        case "AT_DropConstraint":
          add(ctx, "sql.drop_constraint", "high", `Drops constraint ${col} of ${table}, so the rule it enforced (a key, a reference, a check) no longer holds${cascade}`, [name]);
          break;
        case "AT_ChangeOwner":
          add(ctx, "sql.grant", "high", `Makes ${quoteName(roleName(cmd.newowner))} the owner of ${kind} ${table}, giving it every privilege on it`, [name]);
          break;
        case "AT_DisableTrig":
        case "AT_DisableTrigAll":
        case "AT_DisableTrigUser": {
          const which = subtype === "AT_DisableTrigAll" ? "every trigger, including the ones that enforce foreign keys," : subtype === "AT_DisableTrigUser" ? "every user trigger" : `trigger ${col}`;
          add(ctx, "sql.disable_trigger", "high", `Disables ${which} on ${table}, so what they do on each write (auditing, checks, derived data) silently stops`, [name]);
          break;
        }
        case "AT_DisableRowSecurity":
        case "AT_NoForceRowSecurity": {
          const who = subtype === "AT_DisableRowSecurity" ? "every role with access sees and changes every row" : "the table's owner is no longer bound by its policies";
          add(ctx, "sql.disable_row_security", "high", `Turns off row-level security on ${table}: ${who}`, [name]);
          break;
        }
        default:
          other.push(alterPhrase(subtype, col, constraint));
      }
    }
    if (other.length > 0) add(ctx, "sql.alter_table", "medium", `Alters ${kind} ${table}: ${other.join("; ")}`, [name]);
    // Children are still walked: a default or check expression can call a dangerous function.
  },

  ReplicaIdentityStmt() {
    return SKIP_CHILDREN; // only inside ALTER TABLE, which describes it
  },

  IndexStmt(node, ctx) {
    const table = relationName(node.relation);
    const index = typeof node.idxname === "string" ? `index ${quoteName(node.idxname)}` : "an index";
    if (node.concurrent === true) {
      add(ctx, "sql.schema_change", "medium", `Builds ${index} on ${quoteName(table)} concurrently`, [table]);
    } else {
      add(
        ctx,
        "sql.create_index_blocking",
        "medium",
        `Builds ${index} on ${quoteName(table)} without CONCURRENTLY, blocking writes to the table until it finishes`,
        [table],
      );
    }
  },

  ReindexStmt(node, ctx) {
    const concurrent = asArray(node.params).some((p) => defElemName(p) === "concurrently");
    const relation = asNode(node.relation);
    const target = relation ? qualify(rangeVarParts(relation)) : String(node.name ?? "the database");
    const kind = String(node.kind ?? "").replace(/^REINDEX_OBJECT_/, "").toLowerCase() || "object";
    const targets = relation ? [target] : kind === "schema" ? [`${target}.*`] : undefined;
    const what = kind === "index" ? `index ${quoteName(target)}` : `the indexes of ${kind} ${quoteName(target)}`;
    if (concurrent) {
      add(ctx, "sql.maintenance", "medium", `Rebuilds ${what} concurrently`, targets);
    } else {
      add(ctx, "sql.create_index_blocking", "high", `Rebuilds ${what} without CONCURRENTLY, blocking writes, and reads that use the indexes, while it runs`, targets);
    }
    return SKIP_CHILDREN;
  },

  GrantStmt(node, ctx) {
    const grant = describeGrant(node);
    add(ctx, node.is_grant === true ? "sql.grant" : "sql.revoke", "high", grant.message, grant.targets);
    const privileges = asArray(node.privileges).map((p) => String(asNode(asNode(p)?.AccessPriv)?.priv_name ?? "").toLowerCase());
    if (node.is_grant !== true && node.objtype === "OBJECT_DATABASE" && (privileges.length === 0 || privileges.includes("connect"))) {
      const databases = asArray(node.objects).map((o) => quoteName(objectNameParts(o).join("."))).join(", ");
      const grantees = asArray(node.grantees).map((g) => quoteName(roleName(g))).join(", ");
      add(ctx, "sql.block_connections", "high", `Revokes the right to connect to database ${databases} from ${grantees}: their new connections are refused unless another grant still allows them`);
    }
    return SKIP_CHILDREN;
  },

  GrantRoleStmt(node, ctx) {
    const roles = asArray(node.granted_roles).map((r) => quoteName(String(asNode(asNode(r)?.AccessPriv)?.priv_name ?? "?"))).join(", ");
    const grantees = asArray(node.grantee_roles).map((r) => quoteName(roleName(r))).join(", ");
    if (node.is_grant === true) add(ctx, "sql.grant", "high", `Grants role ${roles} to ${grantees}`);
    else add(ctx, "sql.revoke", "high", `Revokes role ${roles} from ${grantees}`);
    return SKIP_CHILDREN;
  },

  AlterDefaultPrivilegesStmt(node, ctx) {
    const action = asNode(node.action) ?? {};
    const grant = describeGrant(action);
    add(ctx, action.is_grant === true ? "sql.grant" : "sql.revoke", "high", `Changes default privileges: ${lowerFirst(grant.message)}`);
    return SKIP_CHILDREN;
  },

  AlterOwnerStmt(node, ctx) {
    const kind = objectKind(String(node.objectType ?? ""));
    const relation = asNode(node.relation);
    const name = relation ? qualify(rangeVarParts(relation)) : objectNameParts(node.object).join(".");
    add(ctx, "sql.grant", "high", `Makes ${quoteName(roleName(node.newowner))} the owner of ${kind} ${quoteName(name)}, giving it every privilege on it`);
    return SKIP_CHILDREN;
  },

  CreateRoleStmt(node, ctx) {
    const kind = node.stmt_type === "ROLESTMT_USER" ? "user" : node.stmt_type === "ROLESTMT_GROUP" ? "group" : "role";
    add(ctx, "sql.role_change", "high", `Creates ${kind} ${quoteName(String(node.role ?? "?"))}${optionList(node.options)}`);
    return SKIP_CHILDREN;
  },

  AlterRoleStmt(node, ctx) {
    const role = quoteName(roleName(node.role));
    add(ctx, "sql.role_change", "high", `Changes role ${role}${optionList(node.options)}`);
    for (const option of asArray(node.options)) {
      const def = asNode(asNode(option)?.DefElem);
      if (def?.defname === "canlogin" && booleanValue(def.arg) === false) {
        add(ctx, "sql.block_connections", "high", `Takes the login right from role ${role} (NOLOGIN): every new connection as that role is refused`);
      } else if (def?.defname === "connectionlimit") {
        const limit = integerValue(def.arg);
        if (limit !== -1) add(ctx, "sql.block_connections", "high", connectionLimitMessage(`role ${role}`, limit));
      } else if (def?.defname === "validUntil" && (constString(def.arg) ?? "").trim().toLowerCase() !== "infinity") {
        add(ctx, "sql.block_connections", "high", `Makes the password of role ${role} expire at ${quoteName(constString(def.arg) ?? "?")}; from then on it cannot log in with a password`);
      }
    }
    return SKIP_CHILDREN;
  },

  AlterRoleSetStmt(node, ctx) {
    const setstmt = asNode(node.setstmt);
    const role = node.role === undefined ? "every role" : `role ${quoteName(roleName(node.role))}`;
    const setting = typeof setstmt?.name === "string" ? `setting ${quoteName(setstmt.name)}` : "every setting";
    add(ctx, "sql.role_change", "high", `Changes ${setting} for ${role}`);
    if (setstmt) checkSetting(setstmt, ctx, ` for ${role}`);
    return SKIP_CHILDREN;
  },

  ReassignOwnedStmt(node, ctx) {
    const roles = asArray(node.roles).map((r) => quoteName(roleName(r))).join(", ");
    add(ctx, "sql.role_change", "high", `Reassigns everything owned by ${roles} to ${quoteName(roleName(node.newrole))}`);
    return SKIP_CHILDREN;
  },

  RenameStmt(node, ctx) {
    const renameType = String(node.renameType ?? "");
    const newname = quoteName(String(node.newname ?? "?"));
    if (renameType === "OBJECT_ROLE") {
      add(ctx, "sql.role_change", "high", `Renames role ${quoteName(String(node.subname ?? "?"))} to ${newname}`);
      return SKIP_CHILDREN;
    }
    const relation = asNode(node.relation);
    const name = relation ? qualify(rangeVarParts(relation)) : objectNameParts(node.object).join(".") || String(node.subname ?? "?");
    const what =
      renameType === "OBJECT_COLUMN" || renameType === "OBJECT_TABCONSTRAINT"
        ? `${objectKind(renameType)} ${quoteName(String(node.subname ?? "?"))} of ${quoteName(name)}`
        : `${objectKind(renameType)} ${quoteName(name)}`;
    if (RENAMES_BREAK_QUERIES.has(renameType)) {
      add(ctx, "sql.rename", "high", `Renames ${what} to ${newname}, breaking every query and application that uses the old name`, relation ? [name] : undefined);
    } else {
      add(ctx, "sql.schema_change", "medium", `Renames ${what} to ${newname}`, relation ? [name] : undefined);
    }
    return SKIP_CHILDREN;
  },

  AlterSystemStmt(node, ctx) {
    const setstmt = asNode(node.setstmt) ?? {};
    const name = typeof setstmt.name === "string" ? setstmt.name.toLowerCase() : null;
    if (setstmt.kind === "VAR_RESET_ALL" || name === null) {
      add(ctx, "sql.alter_system", "high", "Resets every server setting changed with ALTER SYSTEM");
      add(
        ctx,
        "backup.disable_archiving",
        "critical",
        "Resets every ALTER SYSTEM setting, which can turn off WAL archiving and with it point-in-time recovery",
      );
      return SKIP_CHILDREN;
    }
    add(ctx, "sql.alter_system", "high", `Changes server setting ${quoteName(name)} for the whole server (ALTER SYSTEM)`);
    if (ARCHIVING_SETTINGS.has(name)) {
      const value = settingValue(setstmt)?.toLowerCase() ?? null;
      const reset = setstmt.kind !== "VAR_SET_VALUE";
      if (name === "archive_mode" && (reset || !["on", "always", "true", "yes", "1"].includes(value ?? ""))) {
        add(ctx, "backup.disable_archiving", "critical", `Turns off WAL archiving (archive_mode ${reset ? "reset to its default, off" : `= ${value ?? "?"}`}), disabling point-in-time recovery`);
      } else if (name === "archive_command" || name === "archive_library") {
        add(ctx, "backup.disable_archiving", "critical", `Changes ${quoteName(name)}, which decides whether WAL is archived at all; a wrong value silently stops point-in-time recovery`);
      } else if (name === "wal_level" && value === "minimal") {
        add(ctx, "backup.disable_archiving", "critical", "Sets wal_level to minimal, which disables WAL archiving and point-in-time recovery");
      }
    }
    const value = settingValue(setstmt)?.toLowerCase() ?? "";
    if (CONNECTION_SETTINGS.has(name)) {
      const change = setstmt.kind === "VAR_SET_VALUE" ? `to ${quoteName(value)}` : "back to its default";
      add(ctx, "sql.block_connections", "high", `Changes ${quoteName(name)} ${change} for the whole server, which decides who can connect: after the next restart a wrong value refuses the applications' connections`);
    }
    if (DURABILITY_SETTINGS.has(name) && setstmt.kind === "VAR_SET_VALUE" && parseBool(value) === false) {
      add(ctx, "sql.disable_durability", "critical", `Turns off ${quoteName(name)} for the whole server: after a crash the database can be corrupted beyond repair`);
    }
    checkSetting(setstmt, ctx, " for the whole server");
    return SKIP_CHILDREN;
  },

  AlterDatabaseStmt(node, ctx) {
    const db = quoteName(String(node.dbname ?? "?"));
    const other: string[] = [];
    for (const option of asArray(node.options)) {
      const def = asNode(asNode(option)?.DefElem);
      const name = typeof def?.defname === "string" ? def.defname : "?";
      const value = constString(def?.arg) ?? integerValue(def?.arg)?.toString() ?? "?";
      if (name === "connection_limit") {
        const limit = integerValue(def?.arg);
        if (limit === -1) other.push("removes its connection limit");
        else add(ctx, "sql.block_connections", "high", connectionLimitMessage(`database ${db}`, limit));
      } else if (name === "allow_connections") {
        if (parseBool(value) === true) other.push("allows connections");
        else add(ctx, "sql.block_connections", "high", `Stops database ${db} from accepting connections (ALLOW_CONNECTIONS ${value}): every new session to it, the application's included, is refused`);
      } else if (name === "is_template") {
        if (parseBool(value) === false) other.push("makes it an ordinary database, not a template");
        else add(ctx, "sql.grant", "high", `Marks database ${db} as a template (IS_TEMPLATE ${value}): any role allowed to create databases can then copy it, data included`);
      } else {
        other.push(name === "tablespace" ? `moves it to tablespace ${quoteName(value)}` : `sets ${name.replace(/_/g, " ")}`);
      }
    }
    if (other.length > 0) add(ctx, "sql.schema_change", "medium", `Runs ALTER DATABASE on ${db}: ${other.join("; ")}`);
    return SKIP_CHILDREN;
  },

  AlterDatabaseSetStmt(node, ctx) {
    const setstmt = asNode(node.setstmt);
    const db = quoteName(String(node.dbname ?? "?"));
    add(ctx, "sql.schema_change", "medium", `Changes ${typeof setstmt?.name === "string" ? `setting ${quoteName(setstmt.name)}` : "settings"} for database ${db}`);
    if (setstmt) checkSetting(setstmt, ctx, ` for database ${db}`);
    return SKIP_CHILDREN;
  },

  VariableSetStmt(node, ctx) {
    if (String(node.name ?? "").toLowerCase() === "search_path") {
      if (node.kind === "VAR_SET_VALUE") setSearchPath(asArray(node.args).map((a) => constString(a) ?? "").join(","), ctx);
      else if (node.kind === "VAR_SET_DEFAULT" || node.kind === "VAR_RESET" || node.kind === "VAR_RESET_ALL") {
        searchPath = DEFAULT_SEARCH_PATH;
        catalogFirst = true;
      }
      return SKIP_CHILDREN;
    }
    if (node.kind === "VAR_RESET_ALL") {
      searchPath = DEFAULT_SEARCH_PATH;
      catalogFirst = true;
    }
    checkSetting(node, ctx, "");
    return SKIP_CHILDREN;
  },

  CopyStmt(node, ctx) {
    const relation = asNode(node.relation);
    const name = relation ? qualify(rangeVarParts(relation)) : null;
    const subject = name ? quoteName(name) : "the result of a query";
    const file = typeof node.filename === "string" ? node.filename : null;
    if (node.is_program === true) {
      add(ctx, "sql.copy_program", "critical", `Runs the shell command ${quoteName(file ?? "?")} on the database server as its operating-system user (COPY … PROGRAM), which can reach every file of the database`, name ? [name] : undefined);
    } else if (file !== null) {
      const message = node.is_from === true ? `Loads server file ${quoteName(file)} into ${subject}` : `Writes ${subject} to server file ${quoteName(file)}`;
      add(ctx, "sql.server_file_access", "high", message, name ? [name] : undefined);
    } else if (node.is_from === true) {
      add(ctx, "sql.write", "medium", `Loads rows into ${subject} (COPY FROM STDIN)`, name ? [name] : undefined);
    } else if (relation) {
      readRelation(relation, ctx);
      // COPY of a relation without a column list writes out every column.
      const listed = nameParts(node.attlist);
      if (listed.length === 0) ctx.starred.add(relation);
      else ctx.columns.push(...listed.map((column) => [column.toLowerCase()]));
    }
  },

  A_Expr(node, ctx) {
    if (!OPERATOR_EXPRS.has(String(node.kind))) return;
    const parts = nameParts(node.name);
    const symbol = parts.at(-1) ?? "";
    if (parts.length <= 2 && BUILTIN_OPERATORS.has(symbol) && isCatalogName(parts)) return;
    add(ctx, "sql.unknown_function", "high", `Uses operator ${quoteName(parts.join("."))}, which is not a built-in operator: it calls a function whose effect cannot be seen`);
  },

  FuncCall(node, ctx) {
    const parts = nameParts(node.funcname);
    const name = (parts.at(-1) ?? "").toLowerCase();
    if (name === "set_config") {
      // Only pg_catalog's set_config changes settings; any other resolves to a user's function.
      if (!isCatalogName(parts)) {
        add(ctx, "sql.unknown_function", "high", `Calls ${quoteName(`${parts.join(".")}()`)}, a function Countersign does not know: its effect cannot be seen`);
        return;
      }
      const setting = constString(asArray(node.args)[0])?.toLowerCase();
      if (setting === undefined) {
        add(ctx, "sql.replication_role", "high", "Changes a session setting whose name is computed (set_config with a non-constant name), which can include session_replication_role (disabling triggers and foreign-key checks) or role");
        return;
      }
      if (setting === "search_path") {
        setSearchPath(constString(asArray(node.args)[1]), ctx);
        return;
      }
      const value = constString(asArray(node.args)[1]) ?? "?";
      if (setting) checkNamedSetting(setting, value, " (via set_config)", ctx, "");
      return;
    }
    const danger = DANGEROUS_FUNCTIONS.get(name);
    if (!danger) {
      if (!isKnownFunction(parts)) {
        add(ctx, "sql.unknown_function", "high", `Calls ${quoteName(`${parts.join(".")}()`)}, a function Countersign does not know: its effect cannot be seen`);
      }
      return;
    }
    add(ctx, danger.id, danger.level, `Calls ${quoteName(name)}, which ${danger.effect}`);
    if (danger.runsSqlArgument) {
      for (const arg of asArray(node.args)) {
        const text = constString(arg);
        if (text) classifyNestedSql(text, ctx, `In the SQL passed to ${quoteName(name)}: `, false);
      }
    }
  },

  DoStmt(node, ctx) {
    let language = "plpgsql";
    for (const arg of asArray(node.args)) {
      const def = asNode(asNode(arg)?.DefElem);
      if (def?.defname === "language") language = (constString(def.arg) ?? language).toLowerCase();
    }
    add(ctx, "sql.opaque_code", "high", `Runs an anonymous ${language} code block (DO), which Countersign cannot fully inspect`);
    if (language === "plpgsql") classifyPlpgsql(ctx.statementText(), ctx, "Inside the DO block: ");
    return SKIP_CHILDREN;
  },

  CallStmt(node, ctx) {
    const call = asNode(node.funccall);
    const name = qualify(nameParts(call?.funcname));
    add(ctx, "sql.opaque_code", "high", `Calls procedure ${quoteName(name)}, whose effect Countersign cannot inspect`);
  },

  TransactionStmt(node, ctx) {
    // COMMIT/ROLLBACK PREPARED finish a transaction prepared earlier, maybe by someone else:
    // its statements are not part of this operation.
    const gid = quoteName(String(node.gid ?? "?"));
    if (node.kind === "TRANS_STMT_COMMIT_PREPARED") {
      add(ctx, "sql.opaque_code", "high", `Commits prepared transaction ${gid}, whose statements are not part of this operation`);
    } else if (node.kind === "TRANS_STMT_ROLLBACK_PREPARED") {
      add(ctx, "sql.opaque_code", "high", `Rolls back prepared transaction ${gid}, whose statements are not part of this operation`);
    }
    return SKIP_CHILDREN;
  },

  ExecuteStmt(node, ctx) {
    add(ctx, "sql.opaque_code", "high", `Executes prepared statement ${quoteName(String(node.name ?? "?"))}, whose text is not part of this operation`);
  },

  PrepareStmt(node, ctx) {
    add(ctx, "sql.opaque_code", "high", `Prepares statement ${quoteName(String(node.name ?? "?"))} to be executed later`);
  },

  LoadStmt(node, ctx) {
    add(ctx, "sql.opaque_code", "high", `Loads shared library ${quoteName(String(node.filename ?? "?"))} into the database server`);
    return SKIP_CHILDREN;
  },

  CreateFunctionStmt(node, ctx) {
    const kind = node.is_procedure === true ? "procedure" : "function";
    const name = qualify(nameParts(node.funcname));
    let language = "sql";
    const bodies: string[] = [];
    let pathSetting: Node | undefined;
    for (const option of asArray(node.options)) {
      const def = asNode(asNode(option)?.DefElem);
      if (def?.defname === "language") language = (constString(def.arg) ?? language).toLowerCase();
      if (def?.defname === "as") bodies.push(...stringItems(def.arg));
      const set = asNode(asNode(def?.arg)?.VariableSetStmt);
      if (def?.defname === "set" && String(set?.name ?? "").toLowerCase() === "search_path") pathSetting = set;
    }
    add(ctx, "sql.schema_change", "medium", `${node.replace === true ? "Creates or replaces" : "Creates"} ${kind} ${quoteName(name)}`, [name]);
    // `SET search_path = …` on the function: its body resolves names with that path, and the
    // caller's path is back once it returns.
    const callerPath = searchPath;
    const callerCatalogFirst = catalogFirst;
    if (pathSetting) visit({ VariableSetStmt: pathSetting }, ctx);
    try {
      classifyFunctionBody(node, ctx, kind, name, language, bodies);
    } finally {
      searchPath = callerPath;
      catalogFirst = callerCatalogFirst;
    }
    return SKIP_CHILDREN;
  },

  CreateTrigStmt(node, ctx) {
    const table = relationName(node.relation);
    const fn = qualify(nameParts(node.funcname));
    const kind = node.isconstraint === true ? "constraint trigger" : "trigger";
    add(
      ctx,
      "sql.create_trigger",
      "high",
      `${node.replace === true ? "Creates or replaces" : "Creates"} ${kind} ${quoteName(String(node.trigname ?? "?"))} on ${quoteName(table)}, running ${quoteName(fn)} on the table's writes from now on`,
      [table],
    );
    return SKIP_CHILDREN;
  },

  RuleStmt(node, ctx) {
    const table = relationName(node.relation);
    const rule = quoteName(String(node.rulename ?? "?"));
    const instead = node.instead === true ? ", replacing what those statements do" : "";
    add(ctx, "sql.create_rule", "high", `Creates rule ${rule} on ${quoteName(table)}, rewriting statements on the table from now on${instead}`, [table]);
    visitNested(node.actions, ctx, `In rule ${rule}: `);
    return SKIP_CHILDREN;
  },

  ExplainStmt(node, ctx) {
    // Plain EXPLAIN only plans the statement; EXPLAIN ANALYZE runs it.
    const analyze = asArray(node.options).some((option) => {
      const def = asNode(asNode(option)?.DefElem);
      if (def?.defname !== "analyze") return false;
      const value = constString(def.arg) ?? booleanValue(def.arg);
      return value === undefined || !["false", "off", "0", "no"].includes(String(value).toLowerCase());
    });
    return analyze ? undefined : SKIP_CHILDREN;
  },

  CreateStmt(node, ctx) {
    const name = relationName(node.relation);
    add(ctx, "sql.schema_change", "medium", `Creates table ${quoteName(name)}`, [name]);
  },

  CreateTableAsStmt(node, ctx) {
    const into = asNode(asNode(node.into)?.rel);
    const name = into ? qualify(rangeVarParts(into)) : "?";
    const kind = node.objtype === "OBJECT_MATVIEW" ? "materialized view" : "table";
    add(ctx, "sql.schema_change", "medium", `Creates ${kind} ${quoteName(name)} from a query`, [name]);
  },

  ViewStmt(node, ctx) {
    const name = relationName(node.view);
    add(ctx, "sql.schema_change", "medium", `${node.replace === true ? "Creates or replaces" : "Creates"} view ${quoteName(name)}`, [name]);
  },

  RefreshMatViewStmt(node, ctx) {
    const name = relationName(node.relation);
    const how = node.concurrent === true ? " concurrently" : ", blocking reads of it while it runs";
    add(ctx, "sql.maintenance", "medium", `Refreshes materialized view ${quoteName(name)}${how}`, [name]);
    return SKIP_CHILDREN;
  },

  VacuumStmt(node, ctx) {
    if (node.is_vacuumcmd !== true) return SKIP_CHILDREN; // ANALYZE only reads
    const full = asArray(node.options).some((o) => defElemName(o) === "full");
    const names = asArray(node.rels)
      .map((r) => asNode(asNode(asNode(r)?.VacuumRelation)?.relation))
      .filter((r): r is Node => r !== undefined)
      .map((r) => qualify(rangeVarParts(r)));
    const what = names.length > 0 ? names.map(quoteName).join(", ") : "every table";
    if (full) add(ctx, "sql.table_rewrite", "high", `Vacuums ${what} with FULL, rewriting each table under an exclusive lock that blocks reads and writes`, names);
    else add(ctx, "sql.maintenance", "medium", `Vacuums ${what}`, names);
    return SKIP_CHILDREN;
  },

  ClusterStmt(node, ctx) {
    const relation = asNode(node.relation);
    const name = relation ? qualify(rangeVarParts(relation)) : null;
    add(ctx, "sql.table_rewrite", "high", `Rewrites ${name ? quoteName(name) : "every clustered table"} with CLUSTER under an exclusive lock that blocks reads and writes`, name ? [name] : undefined);
    return SKIP_CHILDREN;
  },

  LockStmt(node, ctx) {
    const names = asArray(node.relations)
      .map((r) => asNode(asNode(r)?.RangeVar))
      .filter((r): r is Node => r !== undefined)
      .map((r) => qualify(rangeVarParts(r)));
    const mode = LOCK_MODES[typeof node.mode === "number" ? node.mode : 8] ?? "ACCESS EXCLUSIVE";
    if (mode === "ACCESS EXCLUSIVE" || mode === "EXCLUSIVE") {
      const blocks = mode === "EXCLUSIVE" ? "every write" : "every read and write";
      add(ctx, "sql.long_lock", "high", `Locks ${names.map(quoteName).join(", ")} in ${mode} mode, blocking ${blocks} until the transaction ends`, names);
    } else {
      add(ctx, "sql.maintenance", "medium", `Locks ${names.map(quoteName).join(", ")} in ${mode} mode until the transaction ends`, names);
    }
    return SKIP_CHILDREN;
  },

  CheckPointStmt(_node, ctx) {
    add(ctx, "sql.maintenance", "medium", "Forces a checkpoint on the server");
  },

  AlterTableMoveAllStmt(node, ctx) {
    add(
      ctx,
      "sql.maintenance",
      "medium",
      `Moves every ${objectKind(String(node.objtype ?? ""))} in tablespace ${quoteName(String(node.orig_tablespacename ?? "?"))} to ${quoteName(String(node.new_tablespacename ?? "?"))}, locking each while it is copied`,
    );
    return SKIP_CHILDREN;
  },
};

/** A connection limit other than -1 (none): 0 refuses every connection, any other number those beyond it. */
function connectionLimitMessage(subject: string, limit: number | undefined): string {
  if (limit === 0) return `Sets the connection limit of ${subject} to 0, refusing every new connection`;
  return `Caps connections of ${subject} at ${limit ?? "?"}: once that many sessions are open, new ones (the application's included) are refused`;
}

/** Settings whose `off` trades crash safety for speed: a crash can then corrupt the whole cluster. */
const DURABILITY_SETTINGS = new Set(["fsync", "full_page_writes"]);

const LOCK_STRENGTHS: Record<string, string> = {
  LCS_FORKEYSHARE: "FOR KEY SHARE",
  LCS_FORSHARE: "FOR SHARE",
  LCS_FORNOKEYUPDATE: "FOR NO KEY UPDATE",
  LCS_FORUPDATE: "FOR UPDATE",
};

const LOCK_MODES = ["", "ACCESS SHARE", "ROW SHARE", "ROW EXCLUSIVE", "SHARE UPDATE EXCLUSIVE", "SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE"];

/**
 * `UPDATE pg_settings SET setting = … WHERE name = …` is another spelling of SET (PostgreSQL
 * turns it into set_config): judge it as the SET it is. When the setting it changes cannot be
 * read off the statement, fail closed.
 */
function updateSettings(node: Node, ctx: Ctx): void {
  const assigned = asArray(node.targetList)
    .map((t) => asNode(asNode(t)?.ResTarget))
    .find((t) => t?.name === "setting");
  const value = constString(assigned?.val) ?? numberString(assigned?.val);
  const where = asNode(asNode(node.whereClause)?.A_Expr);
  const column = asArray(asNode(asNode(where?.lexpr)?.ColumnRef)?.fields).map((f) => asNode(asNode(f)?.String)?.sval);
  const setting = where?.kind === "AEXPR_OP" && nameParts(where.name).join() === "=" && column.join() === "name" ? constString(where.rexpr)?.toLowerCase() : undefined;
  if (!setting || value === undefined) {
    add(ctx, "sql.replication_role", "high", "Changes session settings through pg_settings in a way Countersign cannot pin down, which can include session_replication_role (disabling triggers and foreign-key checks)");
    return;
  }
  checkNamedSetting(setting, value, " (via pg_settings)", ctx, "");
}

function checkSetting(setstmt: Node, ctx: Ctx, scope: string): void {
  if (setstmt.kind !== "VAR_SET_VALUE" || typeof setstmt.name !== "string") return;
  checkNamedSetting(setstmt.name.toLowerCase(), settingValue(setstmt) ?? "?", "", ctx, scope);
}

/** Timeouts that bound how long a statement or an idle transaction can hold its locks. */
const TIMEOUT_SETTINGS = new Set(["statement_timeout", "idle_in_transaction_session_timeout", "transaction_timeout"]);

/** `0`, with or without a unit (`'0s'`, `'0ms'`), turns a timeout off. */
function isZeroSetting(value: string): boolean {
  return /^\s*[+]?0*(\.0*)?\s*(us|ms|s|min|h|d)?\s*$/i.test(value) && /0/.test(value);
}

/** `via` names the indirect route taken (`" (via set_config)"`), or is empty for SET itself. */
function checkNamedSetting(name: string, value: string, via: string, ctx: Ctx, scope: string): void {
  if (name === "session_replication_role" && value.toLowerCase() !== "origin") {
    add(
      ctx,
      "sql.replication_role",
      "high",
      `Sets session_replication_role to ${quoteName(value)}${scope}${via}, which disables triggers and foreign-key checks`,
    );
  } else if (TIMEOUT_SETTINGS.has(name) && isZeroSetting(value)) {
    add(
      ctx,
      "sql.disable_timeout",
      "medium",
      `Sets ${name} to 0${scope}${via}, which switches the timeout off, so a statement or idle transaction can hold its locks indefinitely`,
    );
  } else if (READ_ONLY_SETTINGS.has(name) && scope !== "" && parseBool(value) !== false) {
    // In the session alone (scope "") it only constrains this operation's own statements.
    add(
      ctx,
      "sql.block_writes",
      "high",
      `Makes transactions read-only by default${scope}${via} (${name} = ${quoteName(value)}): every write, the application's included, fails until it is reverted`,
    );
  } else if ((name === "role" || name === "session_authorization") && scope === "" && value.toLowerCase() !== "none") {
    add(
      ctx,
      "sql.set_role",
      "high",
      `Switches the session to role ${quoteName(value)}${via}, so the rest of the session runs with that role's privileges and row-level security`,
    );
  }
}

function classifyFunctionBody(node: Node, ctx: Ctx, kind: string, name: string, language: string, bodies: string[]): void {
  const prefix = `Inside ${kind} ${quoteName(name)}: `;
  if (node.sql_body !== undefined) {
    visitNested(node.sql_body, ctx, prefix);
  } else if (language === "sql") {
    for (const body of bodies) classifyNestedSql(body, ctx, prefix, true);
  } else if (language === "plpgsql") {
    classifyPlpgsql(ctx.statementText(), ctx, prefix);
  } else {
    add(ctx, "sql.opaque_code", "high", `Creates ${kind} ${quoteName(name)} in language ${quoteName(language)}, whose body Countersign cannot inspect`);
  }
}

// ---------------------------------------------------------------------------------------------
// PL/pgSQL bodies: the PL/pgSQL parser gives us each embedded SQL statement and expression

const DYNAMIC_PLPGSQL = new Set(["PLpgSQL_stmt_dynexecute", "PLpgSQL_stmt_dynfors"]);

function classifyPlpgsql(statementText: string, ctx: Ctx, prefix: string): void {
  const parsed = parsePlpgsql(statementText);
  if (!parsed.ok) {
    add(ctx, "sql.opaque_code", "high", `${prefix}the PL/pgSQL body does not parse (${parsed.error.message}), so Countersign cannot inspect it`);
    return;
  }
  let dynamic = false;
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) walk(item);
      return;
    }
    if (value === null || typeof value !== "object") return;
    for (const [key, child] of Object.entries(value as Node)) {
      if (DYNAMIC_PLPGSQL.has(key) || (key === "PLpgSQL_stmt_open" && asNode(child)?.dynquery !== undefined)) dynamic = true;
      if (key === "PLpgSQL_expr") {
        const expr = asNode(child);
        if (expr && typeof expr.query === "string") classifyPlpgsqlExpr(expr.query, Number(expr.parseMode ?? 0), ctx, prefix);
        continue;
      }
      walk(child);
    }
  };
  walk(parsed.result);
  if (dynamic) add(ctx, "sql.opaque_code", "high", `${prefix}runs dynamic SQL built at run time (EXECUTE), which Countersign cannot inspect`);
}

function classifyPlpgsqlExpr(query: string, parseMode: number, ctx: Ctx, prefix: string): void {
  let text = query;
  if (parseMode === 2) text = `SELECT ${query}`;
  else if (parseMode >= 3) {
    const assign = query.search(/:=|=/);
    text = `SELECT ${assign >= 0 ? query.slice(assign + (query[assign] === ":" ? 2 : 1)) : query}`;
  }
  if (!classifyNestedSql(text, ctx, prefix, false)) {
    add(ctx, "sql.opaque_code", "high", `${prefix}contains a statement Countersign cannot parse`);
  }
}

// ---------------------------------------------------------------------------------------------
// Reads of credentials and of other sessions' query text

interface SensitiveRead {
  /** The RangeVar, to tell whether a `*` of its own query reads it. */
  node: Node;
  parts: string[];
  /** The relation's own name, lower-cased (a key of CREDENTIAL_CATALOGS or SESSION_TEXT_VIEWS). */
  name: string;
  /** The alias the statement gives it, lower-cased, through which a whole row can be referenced. */
  alias: string | null;
  /** `AS a(x, y, …)`: the columns are renamed, so their names no longer tell what is read. */
  renamesColumns: boolean;
}

/** Records a relation the statement reads, noting credential catalogs and session-text views. */
function readRelation(rv: Node, ctx: Ctx): void {
  const parts = rangeVarParts(rv);
  ctx.reads.push(parts);
  const name = parts.at(-1)!.toLowerCase();
  if (!CREDENTIAL_CATALOGS.has(name) && !SESSION_TEXT_VIEWS.has(name)) return;
  const alias = asNode(rv.alias);
  ctx.sensitiveReads.push({
    node: rv,
    parts,
    name,
    alias: typeof alias?.aliasname === "string" ? alias.aliasname.toLowerCase() : null,
    renamesColumns: asArray(alias?.colnames).length > 0,
  });
}

/**
 * A `*` (or `t.*`) of a query, outside the queries nested in it, reads every column of the
 * relations in its own FROM (and JOINs); a subquery in FROM returns only what its own target
 * list names, which is judged where it stands.
 */
function markStarred(statement: Node, from: unknown, ctx: Ctx): void {
  // UNION, INTERSECT and EXCEPT hold their queries unwrapped, so no handler sees them: judge each here.
  const queries: [Node, unknown][] = [[statement, from]];
  for (let i = 0; i < queries.length; i++) {
    const [query] = queries[i]!;
    for (const side of [asNode(query.larg), asNode(query.rarg)]) if (side) queries.push([side, side.fromClause]);
  }
  for (const [query, clause] of queries) if (hasOwnStar(query)) markFromClause(clause, ctx);
}

function markFromClause(from: unknown, ctx: Ctx): void {
  const pending = [...asArray(from)];
  while (pending.length > 0) {
    const item = asNode(pending.pop());
    if (!item) continue;
    if (item.RangeVar) ctx.starred.add(item.RangeVar as Node);
    const join = asNode(item.JoinExpr);
    if (join) pending.push(join.larg, join.rarg);
    const sample = asNode(item.RangeTableSample);
    if (sample) pending.push(sample.relation);
  }
}

/** Keys under which another query starts (a subquery, a CTE, a side of a set operation). */
const OWN_QUERY_BOUNDARIES = new Set(["SelectStmt", "withClause", "larg", "rarg"]);

/** True when a star appears in the query itself, not in a query nested in it (an explicit stack: trees can be deep). */
function hasOwnStar(query: Node): boolean {
  const pending: unknown[] = [query];
  while (pending.length > 0) {
    const value = pending.pop();
    if (Array.isArray(value)) {
      for (const item of value) pending.push(item); // not push(...value): an IN list can be longer than the argument limit
      continue;
    }
    const node = asNode(value);
    if (!node) continue;
    if (node.A_Star !== undefined) return true;
    for (const key in node) if (!OWN_QUERY_BOUNDARIES.has(key)) pending.push(node[key]);
  }
  return false;
}

/**
 * Credential catalogs are high whatever is selected. A session-text view is high when the
 * statement can return the text: it names a text column (anywhere in the statement, even in a
 * WHERE clause, which can test the text), a `*` of its query reads it, a whole row is
 * referenced, or the columns are renamed. Columns are not tied to their tables: a `query`
 * column of another table counts too.
 */
function judgeSensitiveReads(ctx: Ctx): void {
  for (const read of ctx.sensitiveReads) {
    if (read.parts.length === 1 && ctx.cteNames.has(read.parts[0]!)) continue;
    const name = quoteName(qualify(read.parts));
    const credentials = CREDENTIAL_CATALOGS.get(read.name);
    if (credentials !== undefined) {
      add(ctx, "sql.read_credentials", "high", `Reads ${name}, which ${credentials}`);
      continue;
    }
    const view = SESSION_TEXT_VIEWS.get(read.name)!;
    // A whole row is referenced by the alias (or the name when there is none); both count.
    const rowNames = new Set([read.name, read.alias]);
    const exposes =
      view.textColumns === null ||
      read.renamesColumns ||
      ctx.starred.has(read.node) ||
      ctx.columns.some((column) => view.textColumns!.includes(column.at(-1)!) || rowNames.has(column.at(-1)!));
    if (exposes) add(ctx, "sql.read_other_sessions", "high", `Reads other sessions' query text from ${name}, which ${view.effect}; its literals can be passwords, tokens or other users' data`);
  }
}

// ---------------------------------------------------------------------------------------------
// WHERE clauses that are always true

type Const = { kind: "num"; value: number } | { kind: "str"; value: string } | { kind: "bool"; value: boolean } | { kind: "null" };

/** True when the expression is true for every row (as far as a syntactic check can tell). */
export function isAlwaysTrue(expr: unknown): boolean {
  return evalBool(expr) === true;
}

/** The table a DELETE or UPDATE writes, for WHERE clauses that re-select it. */
interface SelfTable {
  target: Node | undefined;
  /** CTE names of the statement, which would shadow a table of the same name. */
  ctes: Set<string>;
}

/** Deeper boolean nesting than this is not evaluated (unknown), so the walk cannot exhaust the stack. */
const MAX_EVAL_DEPTH = 256;
let evalDepth = 0;

function evalBool(expr: unknown, self?: SelfTable): boolean | null {
  if (evalDepth >= MAX_EVAL_DEPTH) return null;
  evalDepth++;
  try {
    return evalBoolNode(expr, self);
  } finally {
    evalDepth--;
  }
}

function evalBoolNode(expr: unknown, self?: SelfTable): boolean | null {
  const node = asNode(expr);
  if (!node) return null;
  const constant = constOf(node);
  if (constant) return constToBool(constant);

  const bool = asNode(node.BoolExpr);
  if (bool) {
    const args = asArray(bool.args);
    if (bool.boolop === "NOT_EXPR") {
      const inner = evalBool(args[0], self);
      return inner === null ? null : !inner;
    }
    const values = args.map((a) => evalBool(a, self));
    if (bool.boolop === "AND_EXPR") {
      if (values.some((v) => v === false)) return false;
      return values.every((v) => v === true) ? true : null;
    }
    if (bool.boolop === "OR_EXPR") {
      if (values.some((v) => v === true)) return true;
      if (coversNull(args)) return true;
      return values.every((v) => v === false) ? false : null;
    }
    return null;
  }

  const aexpr = asNode(node.A_Expr);
  if (aexpr) return evalAExpr(aexpr);

  const test = asNode(node.BooleanTest);
  if (test) {
    const inner = evalBool(test.arg, self);
    if (inner === null) return null;
    if (test.booltesttype === "IS_TRUE" || test.booltesttype === "IS_NOT_FALSE") return inner;
    if (test.booltesttype === "IS_FALSE" || test.booltesttype === "IS_NOT_TRUE") return !inner;
    return null;
  }

  const nullTest = asNode(node.NullTest);
  if (nullTest) {
    // `NULL IS NULL`, `'x' IS NOT NULL`: a constant is null or not whatever the row.
    const arg = asNode(nullTest.arg);
    const value = arg ? constOf(arg) : null;
    if (!value) return null;
    return (value.kind === "null") === (nullTest.nulltesttype === "IS_NULL");
  }

  const caseExpr = asNode(node.CaseExpr);
  if (caseExpr) return evalCase(caseExpr, self);

  const coalesce = asNode(node.CoalesceExpr);
  if (coalesce) {
    // The first argument that is not NULL decides; an argument we cannot evaluate stops us.
    for (const arg of asArray(coalesce.args)) {
      const argNode = asNode(arg);
      const value = argNode ? constOf(argNode) : null;
      if (value?.kind === "null") continue;
      return evalBool(arg, self);
    }
    return null;
  }

  const sublink = asNode(node.SubLink);
  if (sublink?.subLinkType === "EXPR_SUBLINK") {
    // `(SELECT true)`: a scalar subquery over no table is its one value.
    const select = asNode(asNode(sublink.subselect)?.SelectStmt);
    const targets = asArray(select?.targetList);
    if (select && targets.length === 1 && select.fromClause === undefined && select.whereClause === undefined && select.havingClause === undefined) {
      return evalBool(asNode(asNode(targets[0])?.ResTarget)?.val, self);
    }
    return null;
  }
  if (sublink?.subLinkType === "EXISTS_SUBLINK") {
    const select = asNode(asNode(sublink.subselect)?.SelectStmt);
    if (select && select.fromClause === undefined && select.whereClause === undefined && select.havingClause === undefined) return true;
  }
  if (sublink && self && selfSubqueryCoversAll(sublink, self)) return true;
  return null;
}

/**
 * A CASE whose outcome is known: the first WHEN that is provably true picks its result; WHENs
 * that are provably false are skipped; when one cannot be decided, the CASE is known only if
 * every result it could still give is the same.
 */
function evalCase(expr: Node, self?: SelfTable): boolean | null {
  const subject = asNode(expr.arg);
  const subjectValue = subject ? constOf(subject) : null;
  if (subject && !subjectValue) return null;
  const possible: (boolean | null)[] = [];
  for (const item of asArray(expr.args)) {
    const when = asNode(asNode(item)?.CaseWhen);
    if (!when) return null;
    let condition: boolean | null;
    if (subjectValue) {
      const operand = asNode(when.expr);
      const value = operand ? constOf(operand) : null;
      condition = value ? compareConsts("=", subjectValue, value) : null;
    } else {
      condition = evalBool(when.expr, self);
    }
    if (condition === false) continue;
    possible.push(evalBool(when.result, self));
    if (condition === true) return possible.every((p) => p === possible[0]) ? possible[0]! : null;
  }
  // No WHEN matched for sure: the ELSE (NULL when absent, which is not true) may be the answer.
  possible.push(expr.defresult === undefined ? false : evalBool(expr.defresult, self));
  return possible.every((p) => p === possible[0]) ? possible[0]! : null;
}

/** The elements of `ARRAY[…]` or of an array literal `'{1,2}'`, as constants; null when not constant. */
function arrayConsts(value: unknown): Const[] | null {
  const node = asNode(value);
  if (!node) return null;
  const array = asNode(node.A_ArrayExpr);
  if (array) {
    const items = asArray(array.elements).map((e) => (asNode(e) ? constOf(asNode(e)!) : null));
    return items.every((i): i is Const => i !== null) ? items : null;
  }
  const literal = constOf(node);
  if (literal?.kind !== "str") return null;
  const text = literal.value.trim();
  if (!text.startsWith("{") || !text.endsWith("}") || /[{}\\]/.test(text.slice(1, -1))) return null;
  const inner = text.slice(1, -1).trim();
  if (inner === "") return [];
  return inner.split(",").map((part) => {
    const item = part.trim();
    if (/^null$/i.test(item)) return { kind: "null" } as const;
    return { kind: "str", value: item.replace(/^"(.*)"$/, "$1") } as const;
  });
}

function evalAExpr(expr: Node): boolean | null {
  const op = nameParts(expr.name).at(-1);
  const left = asNode(expr.lexpr);
  const right = expr.rexpr;
  switch (expr.kind) {
    case "AEXPR_OP": {
      const a = left ? constOf(left) : null;
      const b = asNode(right) ? constOf(asNode(right)!) : null;
      if (a && b) return compareConsts(op ?? "", a, b);
      if (sameExpr(left, right)) {
        if (op === "=" || op === ">=" || op === "<=") return true;
        if (op === "<>" || op === "!=" || op === "<" || op === ">") return false;
      }
      return null;
    }
    case "AEXPR_BETWEEN":
    case "AEXPR_NOT_BETWEEN":
    case "AEXPR_BETWEEN_SYM":
    case "AEXPR_NOT_BETWEEN_SYM": {
      const [low, high] = asArray(asNode(asNode(right)?.List)?.items).map((b) => (asNode(b) ? constOf(asNode(b)!) : null));
      const value = left ? constOf(left) : null;
      if (!value || !low || !high) return null;
      const symmetric = expr.kind === "AEXPR_BETWEEN_SYM" || expr.kind === "AEXPR_NOT_BETWEEN_SYM";
      const inside = (lo: Const, hi: Const) => {
        const a = compareConsts(">=", value, lo);
        const b = compareConsts("<=", value, hi);
        return a === null || b === null ? null : a && b;
      };
      let result = inside(low, high);
      if (symmetric && result === false) result = inside(high, low);
      if (result === null) return null;
      return expr.kind === "AEXPR_NOT_BETWEEN" || expr.kind === "AEXPR_NOT_BETWEEN_SYM" ? !result : result;
    }
    case "AEXPR_OP_ANY":
    case "AEXPR_OP_ALL": {
      const value = left ? constOf(left) : null;
      const items = arrayConsts(right);
      if (!value || !items) return null;
      const results = items.map((item) => compareConsts(op ?? "", value, item));
      if (expr.kind === "AEXPR_OP_ANY") return results.some((r) => r === true) ? true : null;
      return results.length > 0 && results.every((r) => r === true) ? true : null;
    }
    case "AEXPR_NOT_DISTINCT":
      return sameExpr(left, right) ? true : null;
    case "AEXPR_DISTINCT":
      return sameExpr(left, right) ? false : null;
    case "AEXPR_IN": {
      if (op !== "=") return null;
      const items = asArray(asNode(right)?.List ? asNode(asNode(right)!.List)!.items : right);
      const a = left ? constOf(left) : null;
      for (const item of items) {
        if (sameExpr(left, item)) return true;
        const b = asNode(item) ? constOf(asNode(item)!) : null;
        if (a && b && compareConsts("=", a, b) === true) return true;
      }
      return null;
    }
    case "AEXPR_LIKE":
    case "AEXPR_ILIKE": {
      if (op !== "~~" && op !== "~~*") return null;
      const pattern = asNode(right) ? constOf(asNode(right)!) : null;
      return pattern?.kind === "str" && /^%+$/.test(pattern.value) ? true : null;
    }
    default:
      return null;
  }
}

/**
 * Why a DELETE or UPDATE reaches every row of its table: "" without a WHERE clause, a reason when
 * the clause is always true or only re-selects the same table, null when it filters.
 */
function wholeTableWhy(stmt: Node, where: unknown): string | null {
  if (where === undefined) return "";
  if (isAlwaysTrue(where)) return " (its WHERE clause is always true)";
  // A condition that reads no column of any row cannot pick rows: it holds for all of them or for
  // none (random(), now(), a parameter, an uncorrelated subquery). Unless it is provably false,
  // count it as every row. CURRENT OF names one row through a cursor.
  const key = exprKey(where);
  if (!key.includes('"ColumnRef":') && !key.includes('"CurrentOfExpr":') && evalBool(where) !== false) {
    return " (its WHERE clause reads no column, so it matches every row or none)";
  }
  const target = asNode(stmt.relation);
  if (target && evalBool(where, { target: asNode(target.RangeVar) ?? target, ctes: cteNames(stmt) }) === true) {
    return " (its WHERE clause only matches the table against an unfiltered subquery of itself)";
  }
  return null;
}

function cteNames(stmt: Node): Set<string> {
  const names = new Set<string>();
  for (const cte of asArray(asNode(stmt.withClause)?.ctes)) {
    const name = asNode(asNode(cte)?.CommonTableExpr)?.ctename;
    if (typeof name === "string") names.add(name);
  }
  return names;
}

/**
 * True when a sub-select reads every row of the statement's own table: one plain table reference
 * to it (not ONLY when the target includes child tables), no WHERE, HAVING, LIMIT/OFFSET, set
 * operation, CTE or join, and not shadowed by a CTE of the outer statement.
 */
function unfilteredSelfSelect(select: Node | undefined, self: SelfTable): Node | null {
  if (!select || select.whereClause !== undefined || select.havingClause !== undefined) return null;
  if (select.limitCount !== undefined || select.limitOffset !== undefined || select.withClause !== undefined) return null;
  if (select.op !== undefined && select.op !== "SETOP_NONE") return null;
  const from = asArray(select.fromClause);
  const table = from.length === 1 ? asNode(asNode(from[0])?.RangeVar) : undefined;
  if (!table || !self.target) return null;
  if (typeof table.schemaname !== "string" && typeof table.relname === "string" && self.ctes.has(table.relname)) return null;
  if (qualify(rangeVarParts(table)) !== qualify(rangeVarParts(self.target))) return null;
  if (table.inh !== true && self.target.inh === true) return null; // `ONLY t` skips child tables (the parser omits inh when false)
  return table;
}

/** The column a ColumnRef names when its qualifier (if any) can only mean `table`. */
function columnOf(expr: unknown, table: Node): string | null {
  const fields = asArray(asNode(asNode(expr)?.ColumnRef)?.fields).map((f) => asNode(asNode(f)?.String)?.sval);
  if (fields.length === 0 || fields.some((f) => typeof f !== "string")) return null;
  const qualifier = fields.slice(0, -1) as string[];
  if (qualifier.length > 0) {
    const alias = asNode(table.alias)?.aliasname;
    const allowed = typeof alias === "string" ? [[alias]] : [rangeVarParts(table), rangeVarParts(table).slice(-2), rangeVarParts(table).slice(-1)];
    if (!allowed.some((parts) => parts.length === qualifier.length && parts.every((p, i) => p === qualifier[i]))) return null;
  }
  return fields.at(-1) as string;
}

/** `col IN (SELECT col FROM same_table)`, `col = ANY (…)` or `EXISTS (SELECT … FROM same_table)`. */
function selfSubqueryCoversAll(sublink: Node, self: SelfTable): boolean {
  const select = asNode(asNode(sublink.subselect)?.SelectStmt);
  const table = unfilteredSelfSelect(select, self);
  if (!table || !select || !self.target) return false;
  if (sublink.subLinkType === "EXISTS_SUBLINK") return true;
  if (sublink.subLinkType !== "ANY_SUBLINK") return false;
  const op = nameParts(sublink.operName);
  if (op.length > 0 && (op.length !== 1 || op[0] !== "=")) return false;
  const targets = asArray(select.targetList);
  if (targets.length !== 1) return false;
  const outer = columnOf(sublink.testexpr, self.target);
  const inner = columnOf(asNode(asNode(targets[0])?.ResTarget)?.val, table);
  return outer !== null && outer === inner;
}

/** `x IS NULL OR x IS NOT NULL`: one pass, grouping the null tests by their argument. */
function coversNull(args: unknown[]): boolean {
  const seen = new Map<string, string>();
  for (const arg of args) {
    const test = asNode(asNode(arg)?.NullTest);
    if (!test || test.arg === undefined) continue;
    const key = exprKey(test.arg);
    const kind = String(test.nulltesttype);
    const other = seen.get(key);
    if (other !== undefined && other !== kind) return true;
    seen.set(key, kind);
  }
  return false;
}

function constOf(node: Node): Const | null {
  const constant = asNode(node.A_Const);
  if (constant) {
    if (constant.isnull === true) return { kind: "null" };
    if ("ival" in constant) return { kind: "num", value: Number(asNode(constant.ival)?.ival ?? 0) };
    if ("fval" in constant) return { kind: "num", value: Number(asNode(constant.fval)?.fval ?? Number.NaN) };
    if ("boolval" in constant) return { kind: "bool", value: asNode(constant.boolval)?.boolval === true };
    if ("sval" in constant) return { kind: "str", value: String(asNode(constant.sval)?.sval ?? "") };
    return null;
  }
  const cast = asNode(node.TypeCast);
  if (cast) {
    const inner = asNode(cast.arg) ? constOf(asNode(cast.arg)!) : null;
    const type = nameParts(asNode(cast.typeName)?.names).at(-1);
    if (type === "bool" || type === "boolean") {
      if (inner?.kind === "str") {
        const value = parseBool(inner.value);
        return value === null ? null : { kind: "bool", value };
      }
      // `1::bool` is true, `0::bool` false (PostgreSQL casts integers to boolean).
      if (inner?.kind === "num" && Number.isInteger(inner.value)) return { kind: "bool", value: inner.value !== 0 };
    }
    return inner;
  }
  return null;
}

function constToBool(value: Const): boolean | null {
  if (value.kind === "bool") return value.value;
  if (value.kind === "str") return parseBool(value.value);
  return null;
}

function parseBool(text: string): boolean | null {
  const t = text.trim().toLowerCase();
  if (["t", "true", "y", "yes", "on", "1"].includes(t)) return true;
  if (["f", "false", "n", "no", "off", "0"].includes(t)) return false;
  return null;
}

function compareConsts(op: string, a: Const, b: Const): boolean | null {
  if (a.kind === "null" || b.kind === "null") return null;
  let x: number | string | boolean = a.value;
  let y: number | string | boolean = b.value;
  if (a.kind !== b.kind) {
    // An untyped literal compared with a number is read as a number, as PostgreSQL does.
    if (a.kind === "num" && b.kind === "str") y = Number(b.value);
    else if (a.kind === "str" && b.kind === "num") x = Number(a.value);
    else if (a.kind === "bool" && b.kind === "str") y = parseBool(b.value) ?? Number.NaN;
    else if (a.kind === "str" && b.kind === "bool") x = parseBool(a.value) ?? Number.NaN;
    else return null;
    if (Number.isNaN(x) || Number.isNaN(y)) return null;
  }
  switch (op) {
    case "=":
      return x === y;
    case "<>":
    case "!=":
      return x !== y;
    case "<":
      return typeof x === "number" && typeof y === "number" ? x < y : null;
    case ">":
      return typeof x === "number" && typeof y === "number" ? x > y : null;
    case "<=":
      return typeof x === "number" && typeof y === "number" ? x <= y : null;
    case ">=":
      return typeof x === "number" && typeof y === "number" ? x >= y : null;
    default:
      return null;
  }
}

function sameExpr(a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined) return false;
  return exprKey(a) === exprKey(b);
}

/**
 * An expression serialised without source locations, computed once per node: comparing one
 * expression with many (IN lists, OR chains) must not re-serialise it each time.
 */
function exprKey(expr: unknown): string {
  if (expr === null || typeof expr !== "object") return JSON.stringify(expr) ?? "undefined";
  let key = EXPR_KEYS.get(expr);
  if (key === undefined) {
    key = JSON.stringify(expr, dropLocations);
    EXPR_KEYS.set(expr, key);
  }
  return key;
}

const EXPR_KEYS = new WeakMap<object, string>();

function dropLocations(key: string, value: unknown): unknown {
  return key === "location" ? undefined : value;
}

// ---------------------------------------------------------------------------------------------
// Names

/**
 * Unqualified names take the first schema of the search_path in effect (`public` by default, see
 * above); `pg_*` names resolve to `pg_catalog`, which PostgreSQL searches first.
 */
export function qualify(parts: string[]): string {
  if (parts.length === 0) return "?";
  if (parts.length > 1) return parts.join(".");
  const name = parts[0]!;
  if (name.startsWith("pg_")) return `pg_catalog.${name}`;
  if (searchPath === null) return `*.${name}`;
  const first = `${searchPath[0]}.${name}`;
  if (searchPath.length > 1 && !alternatives.has(first)) alternatives.set(first, searchPath.map((schema) => `${schema}.${name}`));
  return first;
}

function rangeVarParts(rv: Node): string[] {
  const parts: string[] = [];
  if (typeof rv.catalogname === "string") parts.push(rv.catalogname);
  if (typeof rv.schemaname === "string") parts.push(rv.schemaname);
  parts.push(typeof rv.relname === "string" ? rv.relname : "?");
  return parts;
}

function relationName(value: unknown): string {
  const node = asNode(value);
  return node ? qualify(rangeVarParts(asNode(node.RangeVar) ?? node)) : "?";
}

function nameParts(value: unknown): string[] {
  return asArray(value)
    .map((item) => asNode(asNode(item)?.String)?.sval)
    .filter((s): s is string => typeof s === "string");
}

/** A type as written, e.g. `text` or `pg_catalog.int4`. */
function typeNameText(value: unknown): string | undefined {
  const parts = nameParts(asNode(asNode(value)?.TypeName)?.names);
  return parts.length > 0 ? parts.join(".") : undefined;
}

function objectNameParts(value: unknown): string[] {
  const node = asNode(value);
  if (!node) return [];
  const list = asNode(node.List);
  if (list) return nameParts(list.items);
  const string = asNode(node.String);
  if (string && typeof string.sval === "string") return [string.sval];
  const withArgs = asNode(node.ObjectWithArgs);
  if (withArgs) return nameParts(withArgs.objname);
  const typeName = asNode(node.TypeName);
  if (typeName) return nameParts(typeName.names);
  const found: string[] = [];
  JSON.stringify(node, (key, v: unknown) => {
    if (key === "sval" && typeof v === "string") found.push(v);
    return v;
  });
  return found.length > 0 ? [found.join(" ")] : ["?"];
}

const SCHEMA_OBJECTS = new Set([
  "OBJECT_VIEW",
  "OBJECT_MATVIEW",
  "OBJECT_INDEX",
  "OBJECT_SEQUENCE",
  "OBJECT_FOREIGN_TABLE",
  "OBJECT_FUNCTION",
  "OBJECT_PROCEDURE",
  "OBJECT_ROUTINE",
  "OBJECT_AGGREGATE",
  "OBJECT_TYPE",
  "OBJECT_DOMAIN",
]);

const OWNED_BY_TABLE = new Set(["OBJECT_TRIGGER", "OBJECT_RULE", "OBJECT_POLICY"]);

/** Renaming these breaks every query that names them. */
const RENAMES_BREAK_QUERIES = new Set([
  "OBJECT_TABLE",
  "OBJECT_COLUMN",
  "OBJECT_VIEW",
  "OBJECT_MATVIEW",
  "OBJECT_FOREIGN_TABLE",
  "OBJECT_SEQUENCE",
  "OBJECT_SCHEMA",
  "OBJECT_DATABASE",
  "OBJECT_FUNCTION",
  "OBJECT_PROCEDURE",
  "OBJECT_ROUTINE",
  "OBJECT_TYPE",
  "OBJECT_DOMAIN",
]);

const DROPS_COLUMNS_ON_CASCADE = new Set(["OBJECT_TYPE", "OBJECT_DOMAIN", "OBJECT_EXTENSION"]);

/** `sql.drop_view`, `sql.drop_index`, … one id per kind of object, so a policy can single one out. */
function dropFindingId(removeType: string): string {
  const kind = removeType === "OBJECT_MATVIEW" ? "materialized_view" : removeType.replace(/^OBJECT_/, "").toLowerCase();
  return `sql.drop_${kind}`;
}

/** What dropping each kind of object breaks, for the reviewer. */
const DROP_EFFECTS: Record<string, string> = {
  OBJECT_VIEW: ", breaking every query and view that reads it",
  OBJECT_MATVIEW: ", with the data it holds, breaking every query that reads it",
  OBJECT_INDEX: "; queries that relied on it slow down, and a unique index stops enforcing uniqueness",
  OBJECT_SEQUENCE: ", breaking every column default that draws from it",
  OBJECT_FUNCTION: ", breaking every query, trigger and default that calls it",
  OBJECT_PROCEDURE: ", breaking every caller",
  OBJECT_ROUTINE: ", breaking every caller",
  OBJECT_AGGREGATE: ", breaking every query that uses it",
  OBJECT_EXTENSION: " and every function, type and operator it installed",
  OBJECT_TRIGGER: ", so what it did on every write (auditing, checks, derived data) stops",
  OBJECT_RULE: ", changing what writes to the table do",
  OBJECT_POLICY: ", changing which rows row-level security lets each role see or change",
  OBJECT_FOREIGN_TABLE: ", cutting access to the remote data",
  OBJECT_PUBLICATION: ", stopping logical replication to its subscribers",
  OBJECT_EVENT_TRIGGER: ", so what it did on every schema change stops",
  OBJECT_TYPE: ", breaking everything that uses it",
  OBJECT_DOMAIN: ", breaking everything that uses it",
};

const OBJECT_KINDS: Record<string, string> = {
  OBJECT_MATVIEW: "materialized view",
  OBJECT_FDW: "foreign-data wrapper",
  OBJECT_FOREIGN_SERVER: "server",
  OBJECT_STATISTIC_EXT: "statistics object",
  OBJECT_TSCONFIGURATION: "text search configuration",
  OBJECT_TSDICTIONARY: "text search dictionary",
  OBJECT_TSPARSER: "text search parser",
  OBJECT_TSTEMPLATE: "text search template",
  OBJECT_OPCLASS: "operator class",
  OBJECT_OPFAMILY: "operator family",
  OBJECT_ACCESS_METHOD: "access method",
  OBJECT_TABCONSTRAINT: "constraint",
  OBJECT_LARGEOBJECT: "large object",
};

function objectKind(objectType: string): string {
  return OBJECT_KINDS[objectType] ?? (objectType.replace(/^OBJECT_/, "").replace(/_/g, " ").toLowerCase() || "object");
}

/** A reviewer's phrase for the ALTER TABLE subcommands that need no finding of their own. */
function alterPhrase(subtype: string, col: string, constraint: Node | undefined): string {
  switch (subtype) {
    case "AT_AddColumnToView":
      return `adds column ${col}`;
    case "AT_ColumnDefault":
    case "AT_CookedColumnDefault":
      return `changes the default of column ${col}`;
    case "AT_DropNotNull":
      return `allows NULL in column ${col}`;
    case "AT_SetExpression":
      return `changes the generation expression of column ${col}, recomputing it for every row`;
    case "AT_DropExpression":
      return `makes generated column ${col} a plain column`;
    case "AT_SetStatistics":
      return `changes the statistics target of column ${col}`;
    case "AT_SetOptions":
    case "AT_ResetOptions":
      return `changes options of column ${col}`;
    case "AT_SetStorage":
      return `changes the storage mode of column ${col}`;
    case "AT_SetCompression":
      return `changes the compression of column ${col}`;
    case "AT_AlterColumnGenericOptions":
      return `changes foreign-data options of column ${col}`;
    case "AT_AddIndexConstraint":
      return `adds ${constraintWords(constraint)} using an existing index`;
    case "AT_AlterConstraint":
      return `changes constraint ${constraintName(constraint) ?? col}`;
    case "AT_ValidateConstraint":
      return `validates constraint ${col} against existing rows`;
    case "AT_ClusterOn":
      return `marks index ${col} for CLUSTER`;
    case "AT_DropCluster":
      return "clears its CLUSTER index";
    case "AT_SetRelOptions":
    case "AT_ResetRelOptions":
    case "AT_ReplaceRelOptions":
      return "changes its storage parameters";
    case "AT_EnableTrig":
    case "AT_EnableTrigAll":
    case "AT_EnableTrigUser":
      return subtype === "AT_EnableTrig" ? `enables trigger ${col}` : "enables its triggers";
    case "AT_EnableAlwaysTrig":
    case "AT_EnableReplicaTrig":
      return `makes trigger ${col} fire ${subtype === "AT_EnableAlwaysTrig" ? "always, even during replication" : "only during replication"}`;
    case "AT_EnableRule":
      return `enables rule ${col}`;
    case "AT_EnableAlwaysRule":
    case "AT_EnableReplicaRule":
      return `makes rule ${col} apply ${subtype === "AT_EnableAlwaysRule" ? "always, even during replication" : "only during replication"}`;
    case "AT_DisableRule":
      return `disables rule ${col}`;
    case "AT_AddInherit":
      return `makes it inherit from ${col}`;
    case "AT_DropInherit":
      return `stops it inheriting from ${col}`;
    case "AT_AddOf":
      return "ties it to a composite type";
    case "AT_DropOf":
      return "unties it from its composite type";
    case "AT_ReplicaIdentity":
      return "changes its replica identity (what logical replication sends for updated and deleted rows)";
    case "AT_EnableRowSecurity":
      return "turns on row-level security";
    case "AT_ForceRowSecurity":
      return "makes row-level security apply to its owner too";
    case "AT_GenericOptions":
      return "changes its foreign-data options";
    case "AT_AttachPartition":
      return `attaches partition ${col}, scanning it unless a matching constraint exists`;
    case "AT_DetachPartition":
    case "AT_DetachPartitionFinalize":
      return `detaches partition ${col}, whose rows then leave the table`;
    case "AT_AddIdentity":
    case "AT_SetIdentity":
      return `changes the identity of column ${col}`;
    case "AT_DropIdentity":
      return `drops the identity of column ${col}`;
    default:
      // A subcommand this list does not know yet: say which, without inventing a sentence.
      return `runs the ${quoteName(subtype.replace(/^AT_/, ""))} subcommand`;
  }
}

/** Why adding this column rewrites the table, or null when PostgreSQL adds it without a rewrite. */
function addColumnRewrite(def: Node | undefined): string | null {
  if (!def) return null;
  const type = nameParts(asNode(def.typeName)?.names).at(-1)?.toLowerCase();
  if (type && SERIAL_TYPES.has(type)) return `of type ${type}, filling it from a sequence`;
  for (const item of asArray(def.constraints)) {
    const constraint = asNode(asNode(item)?.Constraint);
    if (!constraint) continue;
    if (constraint.contype === "CONSTR_IDENTITY") return "as an identity column, numbering every row";
    if (constraint.contype === "CONSTR_GENERATED" && constraint.generated_kind !== "v") return "as a stored generated column, computing it for every row";
    if (constraint.contype === "CONSTR_DEFAULT" && !nonVolatile(constraint.raw_expr)) return "with a default that is computed for every row";
  }
  return null;
}

const SERIAL_TYPES = new Set(["serial", "bigserial", "smallserial", "serial2", "serial4", "serial8"]);

/** Functions known not to be volatile, so a default using them is evaluated once, not per row. */
const NON_VOLATILE_FUNCTIONS = new Set(["now", "transaction_timestamp", "statement_timestamp", "current_setting", "lower", "upper", "coalesce", "to_timestamp", "make_interval"]);

/**
 * True when an expression is certainly not volatile: constants, casts, operators and the current
 * time. Anything else (a volatile or unknown function) fails closed.
 */
function nonVolatile(expr: unknown): boolean {
  const node = asNode(expr);
  if (!node) return true;
  if (node.A_Const || node.SQLValueFunction) return true;
  const cast = asNode(node.TypeCast);
  if (cast) return nonVolatile(cast.arg);
  const op = asNode(node.A_Expr);
  if (op) return nonVolatile(op.lexpr) && nonVolatile(op.rexpr);
  const array = asNode(node.A_ArrayExpr);
  if (array) return asArray(array.elements).every(nonVolatile);
  const call = asNode(node.FuncCall);
  if (call) {
    const fn = nameParts(call.funcname).at(-1)?.toLowerCase() ?? "";
    return NON_VOLATILE_FUNCTIONS.has(fn) && asArray(call.args).every(nonVolatile);
  }
  return false;
}

/** How adding a constraint locks the table, or null when it skips validation (NOT VALID). */
function constraintLock(constraint: Node | undefined): string | null {
  switch (constraint?.contype) {
    case "CONSTR_PRIMARY":
    case "CONSTR_UNIQUE":
    case "CONSTR_EXCLUSION":
      return "building its index while holding a lock that blocks writes (and reads, for a primary key)";
    case "CONSTR_CHECK":
    case "CONSTR_NOTNULL":
      return constraint.skip_validation === true ? null : "scanning every row while holding an exclusive lock that blocks reads and writes";
    case "CONSTR_FOREIGN":
      return constraint.skip_validation === true ? null : `checking every row against ${quoteName(relationName(constraint.pktable))} while blocking writes to both tables`;
    default:
      return "checking existing rows under a lock";
  }
}

function constraintWords(constraint: Node | undefined): string {
  const name = constraintName(constraint);
  const kind = CONSTRAINT_KINDS[String(constraint?.contype ?? "")] ?? "a constraint";
  return name ? `${kind} ${name}` : kind;
}

function constraintName(constraint: Node | undefined): string | undefined {
  return typeof constraint?.conname === "string" ? quoteName(constraint.conname) : undefined;
}

const CONSTRAINT_KINDS: Record<string, string> = {
  CONSTR_PRIMARY: "a primary key",
  CONSTR_UNIQUE: "a unique constraint",
  CONSTR_EXCLUSION: "an exclusion constraint",
  CONSTR_CHECK: "a check constraint",
  CONSTR_NOTNULL: "a NOT NULL constraint",
  CONSTR_FOREIGN: "a foreign key",
};

function roleName(value: unknown): string {
  const spec = asNode(asNode(value)?.RoleSpec) ?? asNode(value);
  if (!spec) return "?";
  switch (spec.roletype) {
    case "ROLESPEC_PUBLIC":
      return "PUBLIC";
    case "ROLESPEC_CURRENT_USER":
      return "CURRENT_USER";
    case "ROLESPEC_SESSION_USER":
      return "SESSION_USER";
    case "ROLESPEC_CURRENT_ROLE":
      return "CURRENT_ROLE";
    default:
      return typeof spec.rolename === "string" ? spec.rolename : "?";
  }
}

function describeGrant(node: Node): { message: string; targets: string[] } {
  const privileges = asArray(node.privileges).map((p) => {
    const priv = asNode(asNode(p)?.AccessPriv);
    const columns = nameParts(priv?.cols);
    return `${String(priv?.priv_name ?? "?").toUpperCase()}${columns.length > 0 ? ` (${columns.join(", ")})` : ""}`;
  });
  const what = privileges.length > 0 ? privileges.join(", ") : "ALL PRIVILEGES";
  const kind = objectKind(String(node.objtype ?? "OBJECT_TABLE"));
  const targets: string[] = [];
  const objects = asArray(node.objects).map((object) => {
    const rv = asNode(asNode(object)?.RangeVar);
    if (rv) {
      const name = qualify(rangeVarParts(rv));
      targets.push(name);
      return quoteName(name);
    }
    const name = objectNameParts(object).join(".");
    // Privileges on every table of a schema, or on the schema itself, concern all of its objects.
    if (node.targtype === "ACL_TARGET_ALL_IN_SCHEMA" || node.objtype === "OBJECT_SCHEMA") targets.push(`${name}.*`);
    return quoteName(name);
  });
  const on =
    node.targtype === "ACL_TARGET_ALL_IN_SCHEMA"
      ? `every ${kind} in schema ${objects.join(", ")}`
      : node.targtype === "ACL_TARGET_DEFAULTS"
        ? `${kind}s created from now on`
        : `${kind} ${objects.join(", ")}`;
  const grantees = asArray(node.grantees).map((g) => quoteName(roleName(g))).join(", ");
  const message =
    node.is_grant === true
      ? `Grants ${what} on ${on} to ${grantees}${node.grant_option === true ? " with grant option" : ""}`
      : `Revokes ${what} on ${on} from ${grantees}`;
  return { message, targets };
}

function optionList(options: unknown): string {
  // Option names only: values can be passwords.
  const names = asArray(options)
    .map((o) => defElemName(o))
    .filter((n): n is string => n !== undefined);
  return names.length > 0 ? ` (${names.join(", ")})` : "";
}

function settingValue(setstmt: Node): string | undefined {
  const values = asArray(setstmt.args).map((a) => constString(a) ?? numberString(a));
  return values.length > 0 ? values.join(", ") : undefined;
}

// ---------------------------------------------------------------------------------------------
// Small accessors over the untyped tree

function asNode(value: unknown): Node | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Node) : undefined;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function defElemName(value: unknown): string | undefined {
  const def = asNode(asNode(value)?.DefElem);
  return typeof def?.defname === "string" ? def.defname : undefined;
}

/** The text of a string constant (`'x'`, or a `String` node). */
function constString(value: unknown): string | undefined {
  const node = asNode(value);
  if (!node) return undefined;
  const sval = asNode(asNode(node.A_Const)?.sval)?.sval ?? asNode(node.String)?.sval;
  return typeof sval === "string" ? sval : undefined;
}

function numberString(value: unknown): string | undefined {
  const constant = asNode(asNode(value)?.A_Const);
  if (!constant) return undefined;
  if ("ival" in constant) return String(asNode(constant.ival)?.ival ?? 0);
  if ("fval" in constant) return String(asNode(constant.fval)?.fval ?? "");
  if ("boolval" in constant) return asNode(constant.boolval)?.boolval === true ? "true" : "false";
  return undefined;
}

/** The value of an `Integer` node (whose `ival` is left out when it is 0). */
function integerValue(value: unknown): number | undefined {
  const node = asNode(asNode(value)?.Integer);
  return node ? Number(node.ival ?? 0) : undefined;
}

function booleanValue(value: unknown): boolean | undefined {
  const node = asNode(asNode(value)?.Boolean);
  return node ? node.boolval === true : undefined;
}

function stringItems(value: unknown): string[] {
  const node = asNode(value);
  if (!node) return [];
  const list = asNode(node.List);
  if (list) return asArray(list.items).map(constString).filter((s): s is string => s !== undefined);
  const single = constString(node);
  return single === undefined ? [] : [single];
}

function stringAt(node: Node, path: string[]): string | undefined {
  let current: unknown = node;
  for (const key of path) current = asNode(current)?.[key];
  return typeof current === "string" ? current : undefined;
}

function firstString(node: Node, keys: string[]): string | undefined {
  for (const key of keys) if (typeof node[key] === "string") return node[key] as string;
  return undefined;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
