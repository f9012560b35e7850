// The planned diff, measured without touching data: catalog lookups, counts and EXPLAIN (never
// ANALYZE), all in one READ ONLY transaction that is always rolled back. The statement itself is
// never run; its WHERE is counted through a separately built SELECT. Whatever is built from the
// agent's text is checked whole by sql-guard.ts and runs with search_path locked to pg_catalog
// and its tables schema-qualified, under a statement timeout and one time budget for the whole
// dry run. Errors become condition names only: their messages can quote the data.
import type pg from "pg";
import { connect } from "./connect";
import { conditionOf, qualifyRelations, quoteQualified, relationRefs, unmeasurableReason, type RelationRef } from "./sql-guard";
import { countQuery, rangeVarName, splitStatements, type ParsedStatement } from "./sql-text";

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
  notes: string[];
}

export interface StatementDryRun {
  type: string;
  sentence: string;
  tables: TableImpact[];
  plan: string | null;
  notes: string[];
}

export interface DryRun {
  sentence: string;
  statements: StatementDryRun[];
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
                pg_total_relation_size(c.oid)::text AS size, c.reltuples::float8 AS reltuples
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
    return { sentence, statements: [], details: sentence };
  }
  const budgetMs = Math.max(MIN_QUERY_MS * 2, Math.floor(options.budgetMs ?? DRY_RUN_BUDGET_MS));
  const deadline = Date.now() + budgetMs;
  const client = await connect(connectionUrl, "countersign-dry-run", { timeoutMs: budgetMs });
  // Past the budget (a server that stops answering), the connection is cut: run_sql must answer.
  const cutOff = setTimeout(() => (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy(), budgetMs + 1_000);
  const statements: StatementDryRun[] = [];
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
  } catch (error) {
    const why = error instanceof BudgetSpent ? `the dry run's ${budgetMs / 1000} s budget ran out` : conditionOf(error);
    statements.push({ type: "Error", sentence: `Not measured: ${why}.`, tables: [], plan: null, notes: [] });
  } finally {
    clearTimeout(cutOff);
    await client.query("ROLLBACK").catch(() => undefined);
    await client.end().catch(() => undefined);
  }
  const sentence = statements.map((s) => s.sentence).join(" ") || "Nothing to run.";
  return { sentence, statements, details: renderDetails(sentence, statements) };
}

async function measureStatement(session: Session, stmt: ParsedStatement): Promise<StatementDryRun> {
  const notes: string[] = [];
  const tables: TableImpact[] = [];
  const node = stmt.node;
  if (stmt.type === "DeleteStmt" || stmt.type === "UpdateStmt") {
    const target = rangeVarRef(node.relation);
    if (target) {
      const impact = await tableImpact(session, stmt.type === "DeleteStmt" ? "delete" : "update", target);
      if (impact.table) {
        if (!node.whereClause) impact.affectedRows = impact.totalRows;
        else {
          const query = countQuery(stmt);
          const guarded = query.ok ? await session.guarded(query.sql, "SelectStmt") : query;
          if (guarded.ok) {
            impact.where = guarded.sql;
            impact.affectedRows = await session.measure(impact.notes, "Rows matching the WHERE clause", async () => {
              const rows = await session.query<{ n: string }>(guarded.sql);
              return Number(rows[0].n);
            });
          } else impact.notes.push(`Rows matching the WHERE clause not counted: ${guarded.reason}.`);
        }
      }
      tables.push(impact);
    }
  } else if (stmt.type === "TruncateStmt") {
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
  return { type: stmt.type, sentence: sentenceFor(stmt, tables), tables, plan, notes };
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
  return parts.length ? `; ${parts.join("; ")}` : "";
}

function tableSentence(t: TableImpact): string {
  if (!t.table) return `${capitalize(t.action === "drop" ? "drops" : t.action + "s")} ${t.target}, which does not exist.`;
  const where = `\`${t.table}\`${t.sizeBytes !== null ? ` (${formatBytes(t.sizeBytes)})` : ""}`;
  const rows = `${count(t.totalRows)} ${t.totalRows === 1 ? "row" : "rows"}`;
  const of =
    t.affectedRows !== null ? `${count(t.affectedRows)} of ${rows}` : t.totalRows === null ? "an uncounted number of rows" : `an uncounted number of the ${rows}`;
  switch (t.action) {
    case "delete":
      return `Deletes ${of} in ${where}${dependents(t)}.`;
    case "update":
      return `Updates ${of} in ${where}${dependents(t)}.`;
    case "truncate":
      return `Empties ${where}: all ${count(t.totalRows)} rows${dependents(t)}.`;
    case "drop":
      return `Drops ${where} with ${count(t.totalRows)} rows${dependents(t)}.`;
  }
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function sentenceFor(stmt: ParsedStatement, tables: TableImpact[]): string {
  if (tables.length) return tables.map(tableSentence).join(" ");
  switch (stmt.type) {
    case "SelectStmt":
      return stmt.node.intoClause ? "Creates a table from a query." : "Reads only; changes no data.";
    case "InsertStmt":
      return `Inserts rows into ${rangeVarName(stmt.node.relation) ?? "a table"}.`;
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
      if (t.dependentViews.length) lines.push(`  dependent views: ${t.dependentViews.join(", ")}`);
      if (t.referencingTables.length) lines.push(`  referenced by foreign keys from: ${t.referencingTables.join(", ")}`);
      for (const note of t.notes) lines.push(`  note: ${note}`);
    }
    for (const note of s.notes) lines.push(`  note: ${note}`);
    if (s.plan) lines.push("  plan (EXPLAIN, not ANALYZE):", ...s.plan.split("\n").map((l) => `    ${l}`));
  });
  return lines.join("\n");
}
