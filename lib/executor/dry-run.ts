// The planned diff, measured without touching data: catalog lookups, counts and EXPLAIN (never
// ANALYZE), all in one READ ONLY transaction with a statement timeout that is always rolled back.
// The statement itself is never run; its WHERE is counted through a separately built SELECT.
import type pg from "pg";
import { connect, scrubSecret } from "./connect";
import { countQuery, qualifiedName, rangeVarName, splitStatements, type ParsedStatement } from "./sql-text";

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
  statementTimeoutMs?: number;
}

const EXPLAINABLE = new Set(["DeleteStmt", "UpdateStmt", "InsertStmt", "SelectStmt", "MergeStmt"]);

export async function dryRunSql(connectionUrl: string, sql: string, options: DryRunOptions = {}): Promise<DryRun> {
  const split = splitStatements(sql);
  if (!split.ok) {
    const sentence = `Not measured: the SQL does not parse (${split.message}).`;
    return { sentence, statements: [], details: sentence };
  }
  const client = await connect(connectionUrl, "countersign-dry-run");
  const statements: StatementDryRun[] = [];
  try {
    await client.query("BEGIN READ ONLY");
    await client.query(`SET LOCAL statement_timeout = ${Math.max(100, Math.floor(options.statementTimeoutMs ?? 5_000))}`);
    for (const stmt of split.statements) statements.push(await measureStatement(client, stmt));
  } catch (error) {
    statements.push({ type: "Error", sentence: `Not measured: ${scrubSecret(messageOf(error), connectionUrl)}`, tables: [], plan: null, notes: [] });
  } finally {
    await client.query("ROLLBACK").catch(() => undefined);
    await client.end().catch(() => undefined);
  }
  const sentence = statements.map((s) => s.sentence).join(" ") || "Nothing to run.";
  return { sentence, statements, details: renderDetails(sentence, statements) };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Runs one read-only query in a savepoint, so a timeout or error spoils only this measurement. */
async function measure<T>(client: pg.Client, notes: string[], what: string, fn: () => Promise<T>): Promise<T | null> {
  await client.query("SAVEPOINT measure");
  try {
    const value = await fn();
    await client.query("RELEASE SAVEPOINT measure");
    return value;
  } catch (error) {
    await client.query("ROLLBACK TO SAVEPOINT measure");
    notes.push(`${what} not measured: ${messageOf(error)}`);
    return null;
  }
}

async function measureStatement(client: pg.Client, stmt: ParsedStatement): Promise<StatementDryRun> {
  const notes: string[] = [];
  const tables: TableImpact[] = [];
  const node = stmt.node;
  if (stmt.type === "DeleteStmt" || stmt.type === "UpdateStmt") {
    const target = rangeVarName(node.relation);
    if (target) {
      const impact = await tableImpact(client, stmt.type === "DeleteStmt" ? "delete" : "update", target);
      if (impact.table) {
        if (!node.whereClause) impact.affectedRows = impact.totalRows;
        else {
          const query = countQuery(stmt);
          if (query.ok) {
            impact.where = query.sql;
            impact.affectedRows = await measure(client, impact.notes, "rows matching the WHERE clause", async () => {
              const { rows } = await client.query({ text: query.sql, queryMode: "extended" } as pg.QueryConfig);
              return Number(rows[0].n);
            });
          } else impact.notes.push(`Rows matching the WHERE clause not counted: ${query.reason}.`);
        }
      }
      tables.push(impact);
    }
  } else if (stmt.type === "TruncateStmt") {
    for (const rel of (node.relations as unknown[]) ?? []) {
      const target = rangeVarName(rel);
      if (!target) continue;
      const impact = await tableImpact(client, "truncate", target);
      impact.affectedRows = impact.totalRows;
      tables.push(impact);
    }
  } else if (stmt.type === "DropStmt" && node.removeType === "OBJECT_TABLE") {
    for (const object of (node.objects as Array<{ List?: { items?: Array<{ String?: { sval?: string } }> } }>) ?? []) {
      const target = qualifiedName((object.List?.items ?? []).map((i) => i.String?.sval));
      const impact = await tableImpact(client, "drop", target);
      impact.affectedRows = impact.totalRows;
      tables.push(impact);
    }
  }

  let plan: string | null = null;
  if (EXPLAINABLE.has(stmt.type)) {
    const explain = `EXPLAIN ${stmt.text.replace(/;\s*$/, "")}\n`;
    const check = splitStatements(explain);
    if (check.ok && check.statements.length === 1 && check.statements[0].type === "ExplainStmt") {
      plan = await measure(client, notes, "plan", async () => {
        const { rows } = await client.query<{ "QUERY PLAN": string }>({ text: explain, queryMode: "extended" } as pg.QueryConfig);
        return rows.map((r) => r["QUERY PLAN"]).join("\n");
      });
    }
  }
  return { type: stmt.type, sentence: sentenceFor(stmt, tables), tables, plan, notes };
}

async function tableImpact(client: pg.Client, action: TableAction, target: string): Promise<TableImpact> {
  const impact: TableImpact = {
    action,
    target,
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
  const found = await measure(client, impact.notes, "table", async () => {
    const { rows } = await client.query<{ oid: string; name: string; size: string; reltuples: number }>(
      `SELECT c.oid::text AS oid, n.nspname || '.' || c.relname AS name, pg_total_relation_size(c.oid)::text AS size, c.reltuples::float8 AS reltuples
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.oid = to_regclass($1)`,
      [target],
    );
    return rows[0] ?? null;
  });
  if (!found) {
    impact.notes.push(`${target} does not exist (or is not visible to the resource's role).`);
    return impact;
  }
  impact.table = found.name;
  impact.sizeBytes = Number(found.size);
  impact.estimatedRows = found.reltuples >= 0 ? Math.round(found.reltuples) : null;
  impact.totalRows = await measure(client, impact.notes, "total rows", async () => {
    const { rows } = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${qualifiedFromOid(found.name)}`);
    return Number(rows[0].n);
  });
  impact.dependentViews =
    (await measure(client, impact.notes, "dependent views", async () => {
      const { rows } = await client.query<{ name: string }>(
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
    (await measure(client, impact.notes, "referencing tables", async () => {
      const { rows } = await client.query<{ name: string }>(
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

function qualifiedFromOid(name: string): string {
  const dot = name.indexOf(".");
  return qualifiedName([name.slice(0, dot), name.slice(dot + 1)]);
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
  const of = t.affectedRows === null ? `an uncounted number of the ${rows}` : `${count(t.affectedRows)} of ${rows}`;
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
