// The planned diff, measured without touching data: catalog lookups, counts and EXPLAIN (never
// ANALYZE), all in one READ ONLY transaction that is always rolled back. The statement itself is
// never run; its WHERE is counted through a separately built SELECT. Whatever is built from the
// agent's text is checked whole by sql-guard.ts and runs with search_path locked to pg_catalog
// and its tables schema-qualified, under a statement timeout and one time budget for the whole
// dry run. Errors become condition names only: their messages can quote the data.
import type pg from "pg";
import { connect } from "./connect";
import { conditionOf, qualifyRelations, quoteQualified, relationRefs, unmeasurableReason, type RelationRef } from "./sql-guard";
import { countQuery, dataModifyingCtes, mergeCountQueries, rangeVarName, splitStatements, type CountQuery, type ParsedStatement } from "./sql-text";
import { fingerprintTables } from "./fingerprint";
import { assessRisk } from "../risk";
import type { MeasuredEffect, MeasuredTable } from "../policy/measurement";

export type TableAction = "delete" | "update" | "truncate" | "drop";

export interface TableImpact {
  action: TableAction;
  /** As the statement names it. */
  target: string;
  /** `schema.name` as the catalog resolves it; null when the table does not exist. */
  table: string | null;
  sizeBytes: number | null;
  estimatedRows: number | null;
  totalRows: number | null;
  /** Rows the statement would touch: its WHERE counted, or every row. */
  affectedRows: number | null;
  where: string | null;
  dependentViews: string[];
  referencingTables: string[];
  /** Rows other tables lose or have changed through their foreign keys' rules. */
  cascades: Cascade[];
  /** Referencing rows that make the statement fail (NO ACTION / RESTRICT). */
  blockers: Blocker[];
  /** The table has triggers of its own: code Countersign does not inspect runs with the statement. */
  triggers: boolean;
  notes: string[];
}

export interface Cascade {
  table: string;
  action: "delete" | "update";
  /** `ON DELETE CASCADE`, `ON UPDATE SET NULL`… */
  rule: string;
  constraint: string;
  /** The table whose rows carry the change to this one. */
  from: string;
  rows: number | null;
  totalRows: number | null;
  sizeBytes: number | null;
}

export interface Blocker {
  table: string;
  rule: string;
  constraint: string;
  rows: number;
  /** An UPDATE fails only if it changes the key; a DELETE always does. */
  certain: boolean;
}

export interface StatementDryRun {
  type: string;
  sentence: string;
  /** Why its effect cannot be measured: it runs code Countersign cannot inspect. */
  opaque: string | null;
  tables: TableImpact[];
  plan: string | null;
  notes: string[];
}

export interface DryRun {
  sentence: string;
  statements: StatementDryRun[];
  /** The figures policy and the executor rely on: rows per table, cascades, definitions. */
  measured: MeasuredEffect;
  /** Human-readable: the sentence, then per-statement details and plans. */
  details: string;
}

export interface DryRunOptions {
  /** Per query (default 5 s), never more than what is left of the budget. */
  statementTimeoutMs?: number;
  /** For the whole dry run, connecting included (default DRY_RUN_BUDGET_MS). */
  budgetMs?: number;
}

/** The whole dry run answers within this, so run_sql returns well inside an MCP client's minute. */
export const DRY_RUN_BUDGET_MS = 10_000;
const DEFAULT_QUERY_TIMEOUT_MS = 5_000;
// Left for the rollback and the answer once the budget is spent.
const MIN_QUERY_MS = 50;
// A measurement never waits on another session's lock for long.
const LOCK_TIMEOUT_MS = 1_000;

// Only these are EXPLAINed: planning an INSERT expands column defaults, and MERGE its actions.
const EXPLAINABLE = new Set(["DeleteStmt", "UpdateStmt", "SelectStmt"]);
// Counting or planning over a view runs its query, over a foreign table reaches another server
// (or runs file_fdw's program), and over a table with row-level security runs its policies'
// expressions.
const COUNTABLE_KINDS = new Set(["r", "p", "m"]);
const KIND_NAMES: Record<string, string> = { v: "a view", f: "a foreign table", S: "a sequence", c: "a composite type", i: "an index" };

interface Relation {
  oid: string;
  schema: string;
  name: string;
  kind: string;
  rowSecurity: boolean;
  hasRules: boolean;
  virtualColumns: boolean;
  foreignDescendants: boolean;
  size: string;
  reltuples: number;
  triggers: boolean;
}

class BudgetSpent extends Error {}

/** One READ ONLY transaction with search_path locked, a deadline and resolved table names. */
class Session {
  readonly #relations = new Map<string, Relation | null>();
  constructor(
    readonly client: pg.Client,
    readonly deadline: number,
    readonly queryTimeoutMs: number,
    readonly budgetMs: number,
    readonly searchPath: string[],
    /** The database casts through functions outside pg_catalog: an implicit one could be called. */
    readonly userCasts: boolean,
  ) {}

  /** Runs one of our own queries with the statement timeout cut to what is left of the budget. */
  async query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<R[]> {
    const left = this.deadline - Date.now();
    if (left < MIN_QUERY_MS) throw new BudgetSpent();
    await this.client.query(`SET LOCAL statement_timeout = ${Math.floor(Math.min(this.queryTimeoutMs, left))}`);
    const { rows } = await this.client.query<R>({ text, values, queryMode: "extended" } as pg.QueryConfig);
    return rows;
  }

  /** Runs one read-only measurement in a savepoint, so a timeout or error spoils only this one. */
  async measure<T>(notes: string[], what: string, fn: () => Promise<T>): Promise<T | null> {
    if (this.deadline - Date.now() < MIN_QUERY_MS) {
      notes.push(`${what} not measured: the dry run's ${this.budgetMs / 1000} s budget ran out.`);
      return null;
    }
    await this.client.query("SAVEPOINT measure");
    try {
      const value = await fn();
      await this.client.query("RELEASE SAVEPOINT measure");
      return value;
    } catch (error) {
      await this.client.query("ROLLBACK TO SAVEPOINT measure");
      notes.push(
        error instanceof BudgetSpent
          ? `${what} not measured: the dry run's ${this.budgetMs / 1000} s budget ran out.`
          : `${what} not measured: ${conditionOf(error)}.`,
      );
      return null;
    }
  }

  /** The relation a name means to the statement: as the resource's own search_path resolves it. */
  async relation(ref: { schemaname: string | null; relname: string }): Promise<Relation | null> {
    const key = JSON.stringify([ref.schemaname, ref.relname]);
    if (!this.#relations.has(key)) {
      const schemas = ref.schemaname ? [ref.schemaname] : this.searchPath;
      const rows = await this.query<Relation>(
        `SELECT c.oid::text AS oid, n.nspname AS schema, c.relname AS name, c.relkind::text AS kind,
                c.relrowsecurity AS "rowSecurity", c.relhasrules AS "hasRules",
                EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attgenerated = 'v' AND NOT a.attisdropped) AS "virtualColumns",
                EXISTS (WITH RECURSIVE d(oid) AS (SELECT i.inhrelid FROM pg_inherits i WHERE i.inhparent = c.oid
                                                  UNION SELECT i.inhrelid FROM pg_inherits i JOIN d ON i.inhparent = d.oid)
                        SELECT 1 FROM d JOIN pg_class k ON k.oid = d.oid WHERE k.relkind = 'f') AS "foreignDescendants",
                pg_total_relation_size(c.oid)::text AS size, c.reltuples::float8 AS reltuples,
                EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal) AS triggers
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relname = $1 AND n.nspname = ANY($2::text[])
          ORDER BY array_position($2::text[], n.nspname::text) LIMIT 1`,
        [ref.relname, schemas],
      );
      this.#relations.set(key, rows[0] ?? null);
    }
    return this.#relations.get(key)!;
  }

  /**
   * The text, checked whole and with its tables schema-qualified, ready to run under the locked
   * search_path; or why it will not be evaluated.
   */
  async guarded(text: string, type: string): Promise<{ ok: true; sql: string } | { ok: false; reason: string }> {
    await this.client.query("SAVEPOINT guard");
    try {
      const result = await this.#guarded(text, type);
      await this.client.query("RELEASE SAVEPOINT guard");
      return result;
    } catch (error) {
      await this.client.query("ROLLBACK TO SAVEPOINT guard");
      return { ok: false, reason: error instanceof BudgetSpent ? `the dry run's ${this.budgetMs / 1000} s budget ran out` : conditionOf(error) };
    }
  }

  async #guarded(text: string, type: string): Promise<{ ok: true; sql: string } | { ok: false; reason: string }> {
    const parsed = splitStatements(text);
    if (!parsed.ok || parsed.statements.length !== 1 || parsed.statements[0].type !== type) return { ok: false, reason: "it could not be isolated" };
    const tree = { [type]: parsed.statements[0].node };
    const unsafe = unmeasurableReason(tree);
    if (unsafe) return { ok: false, reason: `it calls ${unsafe}, which the dry run does not evaluate` };
    if (this.userCasts) return { ok: false, reason: "the database defines casts through its own functions, which a comparison could call" };
    const refs = relationRefs(tree);
    const resolved = new Map<RelationRef, Relation>();
    for (const ref of refs) {
      const relation = await this.relation(ref);
      const label = ref.schemaname ? `${ref.schemaname}.${ref.relname}` : ref.relname;
      if (!relation) return { ok: false, reason: `${label} does not exist` };
      const refusal = uncountable(relation) ?? unguardable(relation);
      if (refusal) return { ok: false, reason: `${label} is ${refusal}` };
      resolved.set(ref, relation);
    }
    const sql = qualifyRelations(text, refs, (ref) => quoteQualified(resolved.get(ref)!.schema, resolved.get(ref)!.name));
    const again = sql === null ? null : splitStatements(sql);
    if (!again?.ok || again.statements.length !== 1 || again.statements[0].type !== type) return { ok: false, reason: "it could not be isolated" };
    const check = { [type]: again.statements[0].node };
    if (unmeasurableReason(check) || relationRefs(check).some((r) => r.schemaname === null)) return { ok: false, reason: "it could not be isolated" };
    return { ok: true, sql: sql! };
  }
}

/** Why `count(*)` over the relation would run more than a scan. */
function uncountable(relation: Relation): string | null {
  if (!COUNTABLE_KINDS.has(relation.kind)) return KIND_NAMES[relation.kind] ?? "not a table";
  if (relation.rowSecurity) return "protected by row-level security";
  // Scanning a foreign table reaches another server, or runs file_fdw's program.
  if (relation.foreignDescendants) return "a table with foreign tables among its partitions or children";
  return null;
}

/** Why a query naming the relation could run code of the table's: rules the planner expands, or
 * virtual generated columns computed when read. */
function unguardable(relation: Relation): string | null {
  if (relation.hasRules) return "a table with rewrite rules";
  if (relation.virtualColumns) return "a table with virtual generated columns";
  return null;
}

export async function dryRunSql(connectionUrl: string, sql: string, options: DryRunOptions = {}): Promise<DryRun> {
  const split = splitStatements(sql);
  if (!split.ok) {
    const sentence = "Not measured: the SQL does not parse.";
    return { sentence, statements: [], measured: { tables: [], fingerprints: {}, incomplete: true }, details: sentence };
  }
  const budgetMs = Math.max(MIN_QUERY_MS * 2, Math.floor(options.budgetMs ?? DRY_RUN_BUDGET_MS));
  const deadline = Date.now() + budgetMs;
  const client = await connect(connectionUrl, "countersign-dry-run", { timeoutMs: budgetMs });
  // Past the budget (a server that stops answering), the connection is cut: run_sql must answer.
  const cutOff = setTimeout(() => (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy(), budgetMs + 1_000);
  const statements: StatementDryRun[] = [];
  let fingerprints: Record<string, string> = {};
  let fingerprintsTaken = false;
  try {
    await client.query("BEGIN READ ONLY");
    await client.query(`SET LOCAL statement_timeout = ${Math.floor(Math.min(options.statementTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS, budgetMs))}`);
    await client.query(`SET LOCAL lock_timeout = ${LOCK_TIMEOUT_MS}`);
    await client.query(`SET LOCAL idle_in_transaction_session_timeout = ${budgetMs + 1_000}`);
    // Names resolve as the resource's role resolves them; functions, operators and types only in
    // pg_catalog (pg_temp last, so no temporary object shadows a catalog one).
    const { rows } = await client.query<{ path: string[] }>("SELECT pg_catalog.current_schemas(true) AS path");
    await client.query("SET LOCAL search_path = pg_catalog, pg_temp");
    const casts = await client.query<{ user_casts: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM pg_cast c JOIN pg_proc p ON p.oid = c.castfunc JOIN pg_namespace n ON n.oid = p.pronamespace
                       WHERE n.nspname <> 'pg_catalog') AS user_casts`,
    );
    const session = new Session(
      client,
      deadline,
      Math.max(100, Math.floor(options.statementTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS)),
      budgetMs,
      rows[0]?.path ?? [],
      casts.rows[0]?.user_casts === true,
    );
    for (const stmt of split.statements) statements.push(await measureStatement(session, stmt));
    const tables = [...new Set(statements.flatMap(tablesOf))];
    const notes = statements[statements.length - 1]?.notes ?? [];
    const taken = await session.measure(notes, "Table definitions", () => fingerprintTables((text, values) => session.query(text, values), tables));
    if (taken) {
      fingerprints = taken;
      fingerprintsTaken = true;
    }
  } catch (error) {
    const why = error instanceof BudgetSpent ? `the dry run's ${budgetMs / 1000} s budget ran out` : conditionOf(error);
    statements.push({ type: "Error", sentence: `Not measured: ${why}.`, opaque: null, tables: [], plan: null, notes: [] });
  } finally {
    clearTimeout(cutOff);
    await client.query("ROLLBACK").catch(() => undefined);
    await client.end().catch(() => undefined);
  }
  const sentence = statements.map((s) => s.sentence).join(" ") || "Nothing to run.";
  const measured = measuredEffectOf(statements, fingerprints, !fingerprintsTaken);
  return { sentence, statements, measured, details: renderDetails(sentence, statements) };
}

const tablesOf = (s: StatementDryRun): string[] =>
  s.tables.flatMap((t) => (t.table ? [t.table, ...t.cascades.map((c) => c.table), ...t.blockers.map((b) => b.table)] : []));

// Statements that change nothing and run no code of their own: nothing to measure.
const INERT = new Set(["SelectStmt", "ExplainStmt", "VariableShowStmt"]);
// Statements whose effect the dry run measures table by table.
const MEASURED = new Set(["DeleteStmt", "UpdateStmt", "MergeStmt", "TruncateStmt", "DropStmt"]);

function measuredEffectOf(statements: StatementDryRun[], fingerprints: Record<string, string>, definitionsMissing: boolean): MeasuredEffect {
  const tables: MeasuredTable[] = [];
  let incomplete = definitionsMissing;
  statements.forEach((s, i) => {
    if (s.opaque || s.type === "Error") incomplete = true;
    else if (!INERT.has(s.type) && !MEASURED.has(s.type) && s.type !== "InsertStmt" && s.tables.length === 0) incomplete = true;
    for (const t of s.tables) {
      if (!t.table || t.affectedRows === null) incomplete = true;
      if (!t.table) continue;
      tables.push({ table: t.table, action: t.action, rows: t.affectedRows, totalRows: t.totalRows, sizeBytes: t.sizeBytes, via: null, statement: i + 1 });
      for (const c of t.cascades) {
        if (c.rows === null) incomplete = true;
        tables.push({ table: c.table, action: c.action, rows: c.rows, totalRows: c.totalRows, sizeBytes: c.sizeBytes, via: `${c.rule} from ${c.from}`, statement: i + 1 });
      }
    }
  });
  return { tables, fingerprints, incomplete };
}

/** True when the SQL writes rows the dry run can count: what policy must see measured before it decides. */
export function writesMeasurableRows(sql: string): boolean {
  const split = splitStatements(sql);
  if (!split.ok) return false;
  return split.statements.some(
    (s) => s.type === "DeleteStmt" || s.type === "UpdateStmt" || s.type === "MergeStmt" || dataModifyingCtes(s).some((c) => c.type !== "InsertStmt"),
  );
}

/** Why a statement's effect cannot be seen: the code it runs (functions, procedures, DO blocks). */
function opaqueCode(stmt: ParsedStatement): string | null {
  const risk = assessRisk({ kind: "sql", target: { environment: "-", resource: "-" }, sql: stmt.text });
  const code = risk.findings.filter((f) => f.id === "sql.unknown_function" || f.id === "sql.opaque_code");
  return code.length ? code.map((f) => f.message.replace(/^Inside the DO block: /, "")).join("; ") : null;
}

async function measureStatement(session: Session, stmt: ParsedStatement): Promise<StatementDryRun> {
  const notes: string[] = [];
  const tables: TableImpact[] = [];
  const node = stmt.node;
  const opaque = opaqueCode(stmt);
  const ctes = dataModifyingCtes(stmt);
  for (const cte of ctes) {
    if (cte.statement && cte.type !== "InsertStmt") tables.push(...(await measureDml(session, cte.statement)));
    else if (cte.type !== "InsertStmt") notes.push(`The ${cte.type.replace(/Stmt$/, "").toUpperCase()} in the WITH query ${cte.name} could not be isolated: not measured.`);
  }
  if (stmt.type === "DeleteStmt" || stmt.type === "UpdateStmt" || stmt.type === "MergeStmt") tables.push(...(await measureDml(session, stmt)));
  else if (stmt.type === "TruncateStmt") {
    for (const rel of (node.relations as unknown[]) ?? []) {
      const target = rangeVarRef(rel);
      if (!target) continue;
      const impact = await tableImpact(session, "truncate", target);
      impact.affectedRows = impact.totalRows;
      tables.push(impact);
    }
  } else if (stmt.type === "DropStmt" && node.removeType === "OBJECT_TABLE") {
    for (const object of (node.objects as Array<{ List?: { items?: Array<{ String?: { sval?: string } }> } }>) ?? []) {
      const parts = (object.List?.items ?? []).map((i) => i.String?.sval ?? "");
      const target = { schemaname: parts.length > 1 ? parts[parts.length - 2] : null, relname: parts[parts.length - 1] ?? "" };
      const impact = await tableImpact(session, "drop", target);
      impact.affectedRows = impact.totalRows;
      tables.push(impact);
    }
  }

  let plan: string | null = null;
  if (EXPLAINABLE.has(stmt.type)) {
    const guarded = await session.guarded(stmt.text.replace(/;\s*$/, ""), stmt.type);
    const explain = guarded.ok ? `EXPLAIN ${guarded.sql}\n` : null;
    const check = explain ? splitStatements(explain) : null;
    if (explain && check?.ok && check.statements.length === 1 && check.statements[0].type === "ExplainStmt") {
      plan = await session.measure(notes, "Plan", async () => {
        const rows = await session.query<{ "QUERY PLAN": string }>(explain);
        return rows.map((r) => r["QUERY PLAN"]).join("\n");
      });
    } else notes.push(`Plan not measured: ${guarded.ok ? "it could not be isolated" : guarded.reason}.`);
  }
  const readsThrough = stmt.type === "SelectStmt" && !opaque && ctes.length === 0 ? await opaqueRelations(session, stmt) : [];
  return {
    type: stmt.type,
    sentence: sentenceFor(stmt, tables, opaque, readsThrough, ctes.length > 0),
    opaque: opaque ?? (readsThrough.length ? `reads through ${readsThrough.join(", ")}` : null),
    tables,
    plan,
    notes,
  };
}

/** Views and foreign tables a SELECT reads: their queries (or other servers) run code of their own. */
async function opaqueRelations(session: Session, stmt: ParsedStatement): Promise<string[]> {
  const found: string[] = [];
  for (const ref of relationRefs({ [stmt.type]: stmt.node })) {
    const relation = await session.measure([], "Relation", () => session.relation(ref));
    if (relation && (relation.kind === "v" || relation.kind === "f")) found.push(`${KIND_NAMES[relation.kind]} \`${relation.schema}.${relation.name}\``);
  }
  return [...new Set(found)];
}

/** A DELETE, UPDATE or MERGE: the rows its WHERE (or ON) reaches, and what foreign keys carry further. */
async function measureDml(session: Session, stmt: ParsedStatement): Promise<TableImpact[]> {
  const node = stmt.node;
  const target = rangeVarRef(node.relation);
  if (!target) return [];
  const mergeClauses = stmt.type === "MergeStmt" ? mergeActions(node) : null;
  const action: TableAction = stmt.type === "DeleteStmt" ? "delete" : stmt.type === "UpdateStmt" ? "update" : mergeClauses!.deletes ? "delete" : "update";
  const impact = await tableImpact(session, action, target);
  if (!impact.table) return [impact];
  if (mergeClauses && !mergeClauses.deletes && !mergeClauses.updates) {
    impact.affectedRows = 0;
    impact.notes.push("The MERGE only inserts: no existing row is deleted or updated.");
    return [impact];
  }
  const alias = ((node.relation as { alias?: { aliasname?: string } })?.alias?.aliasname ?? target.relname) as string;
  // The rows reached, as a FROM … WHERE … that selects them (for counting and for their keys).
  let source: string | null = null;
  let sourceAlias = alias;
  if (stmt.type === "MergeStmt") {
    const queries = mergeCountQueries(stmt);
    const parts: CountQuery[] = [];
    if (!queries) parts.push({ ok: false, reason: "the MERGE's shape is not supported for counting (WITH)" });
    else {
      if (mergeClauses!.matched) parts.push(queries.matched);
      if (mergeClauses!.bySource) parts.push(queries.notMatchedBySource);
    }
    let total = 0;
    for (const query of parts) {
      const counted = await countRows(session, impact, query, "Rows the MERGE reaches");
      if (counted === null) {
        total = Number.NaN;
        break;
      }
      total += counted.rows;
      // Only one kind of clause: its rows are the ones foreign keys follow.
      if (parts.length === 1) source = counted.source;
    }
    impact.affectedRows = Number.isNaN(total) ? null : total;
    if (impact.affectedRows !== null) impact.notes.push("A MERGE reaches at most these rows; its WHEN conditions may act on fewer.");
  } else if (!node.whereClause) {
    impact.affectedRows = impact.totalRows;
    source = `FROM ${quoteQualified(...splitTable(impact.table))}`;
    sourceAlias = splitTable(impact.table)[1];
  } else {
    const counted = await countRows(session, impact, countQuery(stmt), "Rows matching the WHERE clause");
    if (counted) {
      impact.affectedRows = counted.rows;
      source = counted.source;
    }
  }
  if (source !== null && impact.affectedRows !== null && impact.affectedRows > 0) {
    // A MERGE that deletes is followed as a delete; the keys its updates might rewrite, as any column.
    const updated = stmt.type === "UpdateStmt" ? updatedColumns(node) : null;
    if (mergeClauses?.deletes && mergeClauses.updates) impact.notes.push("Foreign keys are followed for the MERGE's deletes; its updates may change more.");
    await followForeignKeys(session, impact, { table: impact.table, alias: sourceAlias, source }, action, action === "update" ? updated : null);
  }
  return [impact];
}

const splitTable = (table: string): [string, string] => {
  const at = table.indexOf(".");
  return [table.slice(0, at), table.slice(at + 1)];
};

function mergeActions(node: Record<string, unknown>) {
  const clauses = ((node.mergeWhenClauses as Array<{ MergeWhenClause?: { matchKind?: string; commandType?: string } }>) ?? []).map((c) => c.MergeWhenClause ?? {});
  const acting = clauses.filter((c) => c.commandType === "CMD_DELETE" || c.commandType === "CMD_UPDATE");
  return {
    deletes: acting.some((c) => c.commandType === "CMD_DELETE"),
    updates: acting.some((c) => c.commandType === "CMD_UPDATE"),
    matched: acting.some((c) => c.matchKind === "MERGE_WHEN_MATCHED"),
    bySource: acting.some((c) => c.matchKind === "MERGE_WHEN_NOT_MATCHED_BY_SOURCE"),
  };
}

/** The columns an UPDATE sets. */
function updatedColumns(node: Record<string, unknown>): string[] {
  return ((node.targetList as Array<{ ResTarget?: { name?: string } }>) ?? []).map((t) => t.ResTarget?.name ?? "").filter(Boolean);
}

const COUNT_PREFIX = "SELECT count(*) AS n ";

/** Runs a guarded count; returns the count and its FROM … WHERE … part, or notes why not. */
async function countRows(session: Session, impact: TableImpact, query: CountQuery, what: string): Promise<{ rows: number; source: string } | null> {
  const guarded = query.ok ? await session.guarded(query.sql, "SelectStmt") : query;
  if (!guarded.ok) {
    impact.notes.push(`${what} not counted: ${guarded.reason}.`);
    return null;
  }
  impact.where = impact.where ? `${impact.where}\n${guarded.sql}` : guarded.sql;
  const rows = await session.measure(impact.notes, what, async () => Number((await session.query<{ n: string }>(guarded.sql))[0].n));
  if (rows === null || !guarded.sql.startsWith(COUNT_PREFIX)) return rows === null ? null : { rows, source: "" };
  return { rows, source: guarded.sql.slice(COUNT_PREFIX.length) };
}

const RULES: Record<string, string> = { a: "NO ACTION", r: "RESTRICT", c: "CASCADE", n: "SET NULL", d: "SET DEFAULT" };
// Bounds on following foreign keys: depth of the chain and references looked at in all.
const MAX_CASCADE_DEPTH = 5;
const MAX_REFERENCES = 30;

interface ForeignKey {
  name: string;
  onDelete: string;
  onUpdate: string;
  schema: string;
  relname: string;
  fkColumns: string[];
  refColumns: string[];
  builtinTypes: boolean;
}

interface Reached {
  table: string;
  /** How the rows' own columns are qualified inside `source`. */
  alias: string;
  /** `FROM … WHERE …` selecting the reached rows. */
  source: string;
}

const qi = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Follows the foreign keys that reference the reached rows, breadth first: CASCADE deletes (or
 * updates) the referencing rows and goes on from them; SET NULL / SET DEFAULT changes them; NO
 * ACTION / RESTRICT with matching rows makes the statement fail. Every count is a read of the
 * referencing table, within the dry run's budget.
 */
async function followForeignKeys(session: Session, impact: TableImpact, start: Reached, action: "delete" | "update", updated: string[] | null): Promise<void> {
  let frontier: Array<{ reached: Reached; action: "delete" | "update"; columns: string[] | null; depth: number }> = [{ reached: start, action, columns: updated, depth: 1 }];
  let looked = 0;
  let aliasCount = 0;
  while (frontier.length) {
    const next: typeof frontier = [];
    for (const { reached, action: parentAction, columns, depth } of frontier) {
      const [schema, name] = splitTable(reached.table);
      const relation = await session.measure(impact.notes, "Referencing tables", () => session.relation({ schemaname: schema, relname: name }));
      if (!relation) continue;
      const keys =
        (await session.measure(impact.notes, "Foreign keys", () =>
          session.query<ForeignKey>(
            `SELECT k.conname::text AS name, k.confdeltype::text AS "onDelete", k.confupdtype::text AS "onUpdate", n.nspname::text AS schema, c.relname::text AS relname,
                    (SELECT array_agg(a.attname::text ORDER BY x.i) FROM unnest(k.conkey) WITH ORDINALITY x(attnum, i)
                       JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = x.attnum) AS "fkColumns",
                    (SELECT array_agg(a.attname::text ORDER BY x.i) FROM unnest(k.confkey) WITH ORDINALITY x(attnum, i)
                       JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = x.attnum) AS "refColumns",
                    (SELECT bool_and(tn.nspname = 'pg_catalog') FROM unnest(k.conkey) x(attnum)
                       JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = x.attnum
                       JOIN pg_type t ON t.oid = a.atttypid JOIN pg_namespace tn ON tn.oid = t.typnamespace) AS "builtinTypes"
               FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE k.contype = 'f' AND k.confrelid = $1::oid
                AND NOT EXISTS (SELECT 1 FROM pg_constraint p WHERE p.oid = k.conparentid AND p.confrelid = k.confrelid)
              ORDER BY n.nspname, c.relname, k.conname`,
            [relation.oid],
          ),
        )) ?? [];
      for (const key of keys) {
        if (parentAction === "update" && columns !== null && !key.refColumns.some((c) => columns.includes(c))) continue;
        if (++looked > MAX_REFERENCES) {
          impact.notes.push(`Foreign keys beyond the first ${MAX_REFERENCES} were not followed.`);
          return;
        }
        const child = `${key.schema}.${key.relname}`;
        const ruleCode = parentAction === "delete" ? key.onDelete : key.onUpdate;
        const rule = `ON ${parentAction.toUpperCase()} ${RULES[ruleCode] ?? ruleCode}`;
        const childRelation = await session.measure(impact.notes, `Rows in ${child}`, () => session.relation({ schemaname: key.schema, relname: key.relname }));
        const refusal = !childRelation ? "not visible" : (uncountable(childRelation) ?? unguardable(childRelation) ?? (key.builtinTypes ? null : "keyed on a type outside pg_catalog"));
        const alias = `countersign_ref_${++aliasCount}`;
        const childSource =
          `FROM ${quoteQualified(key.schema, key.relname)} AS ${qi(alias)} WHERE (${key.fkColumns.map((c) => `${qi(alias)}.${qi(c)}`).join(", ")}) IN ` +
          `(SELECT ${key.refColumns.map((c) => `${qi(reached.alias)}.${qi(c)}`).join(", ")} ${reached.source}\n)`;
        let rows: number | null = null;
        if (refusal) impact.notes.push(`Rows in ${child} (${key.name}, ${rule}) not counted: it is ${refusal}.`);
        else {
          const guarded = await session.guarded(`${COUNT_PREFIX}${childSource}`, "SelectStmt");
          if (!guarded.ok) impact.notes.push(`Rows in ${child} (${key.name}, ${rule}) not counted: ${guarded.reason}.`);
          else rows = await session.measure(impact.notes, `Rows in ${child} (${key.name})`, async () => Number((await session.query<{ n: string }>(guarded.sql))[0].n));
        }
        if (ruleCode === "a" || ruleCode === "r") {
          if (rows !== null && rows > 0) impact.blockers.push({ table: child, rule, constraint: key.name, rows, certain: parentAction === "delete" });
          continue;
        }
        if (rows === 0) continue;
        const childAction = ruleCode === "c" ? parentAction : "update";
        let totalRows: number | null = null;
        if (childRelation && !refusal) {
          totalRows = await session.measure(impact.notes, `Total rows in ${child}`, async () =>
            Number((await session.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${quoteQualified(key.schema, key.relname)}`))[0].n),
          );
        }
        impact.cascades.push({ table: child, action: childAction, rule, constraint: key.name, from: reached.table, rows, totalRows, sizeBytes: childRelation ? Number(childRelation.size) : null });
        // CASCADE goes on from the rows it deletes, or from the keys it rewrites.
        if (ruleCode === "c" && rows !== null) {
          if (depth >= MAX_CASCADE_DEPTH) impact.notes.push(`Foreign keys deeper than ${MAX_CASCADE_DEPTH} levels (from ${child}) were not followed.`);
          else next.push({ reached: { table: child, alias, source: childSource }, action: childAction, columns: childAction === "update" ? key.fkColumns : null, depth: depth + 1 });
        }
      }
    }
    frontier = next;
  }
}

function rangeVarRef(node: unknown): { schemaname: string | null; relname: string } | null {
  const rv = ((node as Record<string, unknown>)?.RangeVar ?? node) as { schemaname?: string; relname?: string } | undefined;
  return rv?.relname ? { schemaname: rv.schemaname ?? null, relname: rv.relname } : null;
}

const displayName = (ref: { schemaname: string | null; relname: string }) =>
  [ref.schemaname, ref.relname].filter((p): p is string => p !== null).map((p) => `"${p.replace(/"/g, '""')}"`).join(".");

async function tableImpact(session: Session, action: TableAction, ref: { schemaname: string | null; relname: string }): Promise<TableImpact> {
  const impact: TableImpact = {
    action,
    target: displayName(ref),
    table: null,
    sizeBytes: null,
    estimatedRows: null,
    totalRows: null,
    affectedRows: null,
    where: null,
    dependentViews: [],
    referencingTables: [],
    cascades: [],
    blockers: [],
    triggers: false,
    notes: [],
  };
  const found = await session.measure(impact.notes, "Table", () => session.relation(ref));
  if (!found) {
    impact.notes.push(`${impact.target} does not exist (or is not visible to the resource's role).`);
    return impact;
  }
  impact.table = `${found.schema}.${found.name}`;
  impact.sizeBytes = Number(found.size);
  impact.estimatedRows = found.reltuples >= 0 ? Math.round(found.reltuples) : null;
  impact.triggers = found.triggers && (action === "delete" || action === "update");
  const refusal = uncountable(found);
  if (refusal) impact.notes.push(`Rows not counted: ${impact.table} is ${refusal}.`);
  else {
    impact.totalRows = await session.measure(impact.notes, "Total rows", async () => {
      const rows = await session.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${quoteQualified(found.schema, found.name)}`);
      return Number(rows[0].n);
    });
  }
  impact.dependentViews =
    (await session.measure(impact.notes, "Dependent views", async () => {
      const rows = await session.query<{ name: string }>(
        `SELECT DISTINCT vn.nspname || '.' || v.relname AS name
           FROM pg_depend d
           JOIN pg_rewrite r ON r.oid = d.objid
           JOIN pg_class v ON v.oid = r.ev_class
           JOIN pg_namespace vn ON vn.oid = v.relnamespace
          WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass
            AND d.refobjid = $1::oid AND v.oid <> $1::oid
          ORDER BY 1`,
        [found.oid],
      );
      return rows.map((r) => r.name);
    })) ?? [];
  impact.referencingTables =
    (await session.measure(impact.notes, "Referencing tables", async () => {
      const rows = await session.query<{ name: string }>(
        `SELECT DISTINCT n.nspname || '.' || c.relname AS name
           FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE k.contype = 'f' AND k.confrelid = $1::oid AND k.conrelid <> $1::oid
          ORDER BY 1`,
        [found.oid],
      );
      return rows.map((r) => r.name);
    })) ?? [];
  return impact;
}

export function formatBytes(bytes: number): string {
  const units = ["bytes", "kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

const count = (n: number | null) => (n === null ? "an unknown number of" : n.toLocaleString("en-US"));
const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);

function dependents(t: TableImpact): string {
  const parts: string[] = [];
  if (t.dependentViews.length) parts.push(`${t.dependentViews.length} ${plural(t.dependentViews.length, "view depends", "views depend")} on it`);
  if (t.referencingTables.length) parts.push(`${t.referencingTables.length} ${plural(t.referencingTables.length, "table references", "tables reference")} it`);
  if (t.triggers) parts.push("its triggers run code Countersign cannot inspect");
  return parts.length ? `; ${parts.join("; ")}` : "";
}

/** ", and with them 90,112 rows in `public.order_items` (ON DELETE CASCADE)". */
function cascadeClause(t: TableImpact): string {
  if (!t.cascades.length) return "";
  const phrase = (c: Cascade) => {
    const rows = `${count(c.rows)} ${c.rows === 1 ? "row" : "rows"}`;
    const how = `${c.rule}${c.from === t.table ? "" : ` from \`${c.from}\``}`;
    if (c.action === "delete") return `${rows} in \`${c.table}\` (${how})`;
    return `${c.rule.endsWith("CASCADE") ? "updates" : `sets to ${c.rule.replace(/^ON (DELETE|UPDATE) SET /, "")}`} ${rows} in \`${c.table}\` (${how})`;
  };
  const deleted = t.cascades.filter((c) => c.action === "delete").map(phrase);
  const changed = t.cascades.filter((c) => c.action === "update").map(phrase);
  const parts: string[] = [];
  if (deleted.length) parts.push(`and with them ${joinAnd(deleted)}`);
  if (changed.length) parts.push(`${deleted.length ? "and " : "and "}${joinAnd(changed)}`);
  return `, ${parts.join(", ")}`;
}

function joinAnd(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

function blockerSentence(t: TableImpact): string {
  if (!t.blockers.length) return "";
  const certain = t.blockers.some((b) => b.certain);
  const why = t.blockers.map((b) => `${count(b.rows)} ${b.rows === 1 ? "row" : "rows"} in \`${b.table}\` still reference them (${b.constraint}, ${b.rule})`);
  return ` It ${certain ? "will fail" : "fails if it changes their keys"}: ${joinAnd(why)}.`;
}

function tableSentence(t: TableImpact): string {
  if (!t.table) return `${capitalize(t.action === "drop" ? "drops" : t.action + "s")} ${t.target}, which does not exist.`;
  const where = `\`${t.table}\`${t.sizeBytes !== null ? ` (${formatBytes(t.sizeBytes)})` : ""}`;
  const rows = `${count(t.totalRows)} ${t.totalRows === 1 ? "row" : "rows"}`;
  const of =
    t.affectedRows !== null ? `${count(t.affectedRows)} of ${rows}` : t.totalRows === null ? "an uncounted number of rows" : `an uncounted number of the ${rows}`;
  switch (t.action) {
    case "delete":
      return `Deletes ${of} in ${where}${cascadeClause(t)}${dependents(t)}.${blockerSentence(t)}`;
    case "update":
      return `Updates ${of} in ${where}${cascadeClause(t)}${dependents(t)}.${blockerSentence(t)}`;
    case "truncate":
      return `Empties ${where}: all ${count(t.totalRows)} rows${dependents(t)}.`;
    case "drop":
      return `Drops ${where} with ${count(t.totalRows)} rows${dependents(t)}.`;
  }
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function sentenceFor(stmt: ParsedStatement, tables: TableImpact[], opaque: string | null, readsThrough: string[], modifyingCtes: boolean): string {
  const measured = tables.map(tableSentence).join(" ");
  if (opaque) return `${measured ? `${measured} ` : ""}Not measured: runs code Countersign cannot inspect (${opaque}).`;
  if (tables.length) return measured;
  switch (stmt.type) {
    case "SelectStmt":
      if (stmt.node.intoClause) return "Creates a table from a query.";
      if (modifyingCtes) return "Not measured: its WITH clause writes in a way Countersign could not isolate.";
      if (readsThrough.length) return `Not measured: reads through ${joinAnd(readsThrough)}, which can run code Countersign cannot inspect.`;
      if (stmt.node.lockingClause) return "Reads and locks rows; changes no data.";
      return "Reads only; changes no data.";
    case "InsertStmt":
      return `Inserts rows into ${rangeVarName(stmt.node.relation) ?? "a table"}${stmt.node.onConflictClause ? ", updating those that conflict" : ""}.`;
    case "DoStmt":
    case "CallStmt":
    case "ExecuteStmt":
      return "Not measured: runs code Countersign cannot inspect.";
    default:
      return `${stmt.type.replace(/Stmt$/, "")} statement: its effect is not measured.`;
  }
}

function renderDetails(sentence: string, statements: StatementDryRun[]): string {
  const lines = [sentence, "", "Measured read-only (READ ONLY transaction, rolled back); the statement itself was not run."];
  statements.forEach((s, i) => {
    lines.push("", `Statement ${i + 1} (${s.type}): ${s.sentence}`);
    for (const t of s.tables) {
      if (t.table) {
        lines.push(
          `  ${t.table}: ${t.sizeBytes !== null ? formatBytes(t.sizeBytes) : "size unknown"}, ` +
            `~${t.estimatedRows === null ? "?" : t.estimatedRows.toLocaleString("en-US")} rows estimated, ${count(t.totalRows)} counted, ` +
            `${count(t.affectedRows)} affected`,
        );
      }
      for (const c of t.cascades) {
        lines.push(`  ${c.table}: ${count(c.rows)} rows ${c.action === "delete" ? "deleted" : "changed"} through ${c.constraint} (${c.rule} from ${c.from}), of ${count(c.totalRows)}`);
      }
      for (const b of t.blockers) lines.push(`  ${b.table}: ${count(b.rows)} rows block it through ${b.constraint} (${b.rule})`);
      if (t.dependentViews.length) lines.push(`  dependent views: ${t.dependentViews.join(", ")}`);
      if (t.referencingTables.length) lines.push(`  referenced by foreign keys from: ${t.referencingTables.join(", ")}`);
      for (const note of t.notes) lines.push(`  note: ${note}`);
    }
    for (const note of s.notes) lines.push(`  note: ${note}`);
    if (s.plan) lines.push("  plan (EXPLAIN, not ANALYZE):", ...s.plan.split("\n").map((l) => `    ${l}`));
  });
  return lines.join("\n");
}
