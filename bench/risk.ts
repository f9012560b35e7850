// Risk classifier benchmark: times each statement of a ~64 KiB mixed SQL batch on its own
// (median and p99, in microseconds) and the whole batch, then single statements of each kind,
// then adversarial inputs (64 KiB and 1 MiB) built to make a careless classifier quadratic or
// overflow its stack. Run: npx tsx bench/risk.ts [iterations]
import { assessHttp, assessShell, assessSql, loadRiskEngine, type RiskAssessment } from "../lib/risk";

const STATEMENTS = [
  "SELECT o.id, o.total, c.email FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.created_at > now() - interval '7 days' ORDER BY o.created_at DESC LIMIT 100;",
  "INSERT INTO audit_log (actor, action, payload) VALUES ('agent', 'refund', '{\"order\": 42, \"amount\": 19.99}');",
  "UPDATE orders SET status = 'shipped', shipped_at = now() WHERE id = 4242 AND status = 'paid';",
  "DELETE FROM sessions WHERE expires_at < now() - interval '30 days';",
  "WITH stale AS (DELETE FROM carts WHERE updated_at < now() - interval '90 days' RETURNING id) SELECT count(*) FROM stale;",
  "CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_orders_customer ON orders (customer_id, created_at);",
  "ALTER TABLE customers ADD COLUMN IF NOT EXISTS marketing_opt_in boolean NOT NULL DEFAULT false;",
  "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE state = 'idle in transaction' AND xact_start < now() - interval '1 hour';",
  "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'reporter') THEN CREATE ROLE reporter; END IF; END $$;",
  "GRANT SELECT ON ALL TABLES IN SCHEMA reporting TO reporter;",
  "UPDATE feature_flags SET enabled = true WHERE 1 = 1;",
  "COPY (SELECT id, email FROM customers WHERE deleted_at IS NULL) TO STDOUT WITH (FORMAT csv, HEADER);",
  "SELECT 'DROP TABLE customers' AS not_a_statement, $body$TRUNCATE orders$body$ AS also_not;",
  "TRUNCATE TABLE import_staging;",
  "DROP TABLE IF EXISTS tmp_backfill_2026_04;",
];

const TARGET_BYTES = 64 * 1024;

function buildBatch(): { sql: string; count: number; statements: string[] } {
  const parts: string[] = [];
  let bytes = 0;
  for (let i = 0; bytes < TARGET_BYTES; i++) {
    const statement = STATEMENTS[i % STATEMENTS.length]!;
    parts.push(statement);
    bytes += Buffer.byteLength(statement) + 1;
  }
  return { sql: parts.join("\n"), count: parts.length, statements: parts };
}

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}

function summarize(samples: number[]): { median: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

function time(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1_000; // microseconds
}

async function main() {
  const iterations = Number(process.argv[2] ?? 200);
  await loadRiskEngine();

  const batch = buildBatch();
  const check = assessSql(batch.sql);
  console.log(`batch: ${(Buffer.byteLength(batch.sql) / 1024).toFixed(1)} KiB, ${batch.count} statements, level ${check.level}, ${check.findings.length} distinct findings`);

  for (let i = 0; i < 20; i++) assessSql(batch.sql); // warm-up
  const perBatch: number[] = [];
  for (let i = 0; i < iterations; i++) perBatch.push(time(() => assessSql(batch.sql)));
  const whole = summarize(perBatch);
  console.log(`64 KiB batch × ${iterations}: total median ${(whole.median / 1000).toFixed(2)} ms, p99 ${(whole.p99 / 1000).toFixed(2)} ms`);

  // Each statement of the batch classified on its own, so the p99 shows the slow kinds instead
  // of the batch average.
  const perStatement: number[] = [];
  const rounds = Math.max(1, Math.ceil(iterations / 20));
  for (let round = 0; round < rounds; round++) {
    for (const sql of batch.statements) perStatement.push(time(() => assessSql(sql)));
  }
  const statement = summarize(perStatement);
  console.log(`per statement (${perStatement.length} samples): median ${statement.median.toFixed(2)} µs, p99 ${statement.p99.toFixed(2)} µs`);

  console.log("\nsingle statements (µs):");
  for (const sql of STATEMENTS) {
    for (let i = 0; i < 50; i++) assessSql(sql);
    const samples: number[] = [];
    for (let i = 0; i < iterations * 5; i++) samples.push(time(() => assessSql(sql)));
    const { median, p99 } = summarize(samples);
    console.log(`  median ${median.toFixed(1).padStart(7)}  p99 ${p99.toFixed(1).padStart(7)}  ${sql.length > 70 ? `${sql.slice(0, 67)}...` : sql}`);
  }

  console.log("\nadversarial inputs (ms, median of 5; the level shows the input was classified, not dropped):");
  for (const bytes of [64 * 1024, 1024 * 1024]) {
    for (const [name, build] of Object.entries(ADVERSARIAL)) {
      const input = build(bytes);
      let risk: RiskAssessment | undefined;
      const samples: number[] = [];
      for (let i = 0; i < 5; i++) samples.push(time(() => (risk = input())));
      const { median } = summarize(samples);
      console.log(`  ${String(bytes / 1024).padStart(5)} KiB  ${(median / 1000).toFixed(1).padStart(8)}  ${risk!.level.padEnd(8)}  ${name}`);
    }
  }
}

/** Repeats `part(i)` joined by `separator` until the text reaches `bytes`. */
function repeatTo(bytes: number, separator: string, part: (i: number) => string): string {
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; length < bytes; i++) {
    const text = part(i);
    parts.push(text);
    length += text.length + separator.length;
  }
  return parts.join(separator);
}

const RAILWAY = "https://backboard.railway.com/graphql/v2";

/** Shapes that were (or could be) quadratic or worse, or that overflow a recursive walk. */
const ADVERSARIAL: Record<string, (bytes: number) => () => RiskAssessment> = {
  "sql: OR chain of null tests on distinct columns": (n) => {
    const sql = `DELETE FROM t WHERE ${repeatTo(n, " OR ", (i) => `a${i} IS NULL OR b${i} IS NOT NULL`)}`;
    return () => assessSql(sql);
  },
  "sql: OR chain of comparisons": (n) => {
    const sql = `DELETE FROM t WHERE ${repeatTo(n, " OR ", (i) => `a = ${i}`)}`;
    return () => assessSql(sql);
  },
  "sql: AND chain of self-comparisons": (n) => {
    const sql = `UPDATE t SET x = 1 WHERE ${repeatTo(n, " AND ", (i) => `(a${i} + 1) = (a${i} + 1)`)}`;
    return () => assessSql(sql);
  },
  "sql: huge IN list against an expression": (n) => {
    const sql = `DELETE FROM t WHERE (a + b) IN (${repeatTo(n, ",", (i) => `(a + ${i})`)})`;
    return () => assessSql(sql);
  },
  "sql: CASE with thousands of WHENs": (n) => {
    const sql = `DELETE FROM t WHERE CASE ${repeatTo(n, " ", (i) => `WHEN a = ${i} THEN true`)} ELSE true END`;
    return () => assessSql(sql);
  },
  "sql: huge array literal in = ANY": (n) => {
    const sql = `DELETE FROM t WHERE 1 = ANY('{${repeatTo(n, ",", (i) => String(i + 2))}}')`;
    return () => assessSql(sql);
  },
  "sql: search_path changed before every statement": (n) => {
    const sql = repeatTo(n, ";", (i) => `SET search_path TO s${i}, a, b; SELECT * FROM t${i}`);
    return () => assessSql(sql);
  },
  "sql: many statements": (n) => {
    const sql = repeatTo(n, ";", (i) => `DELETE FROM t${i} WHERE id = ${i}`);
    return () => assessSql(sql);
  },
  "sql: many statements, one syntax error": (n) => {
    const sql = `${repeatTo(n, ";", (i) => `DELETE FROM t${i} WHERE id = ${i}`)}; SELEC oops`;
    return () => assessSql(sql);
  },
  "sql: deeply nested AND/OR": () => {
    const sql = `DELETE FROM t WHERE ${"a = 1 AND (b = 1 OR (".repeat(900)}c = 1${"))".repeat(900)}`;
    return () => assessSql(sql);
  },
  "sql: deeply nested subqueries": () => {
    const sql = `SELECT * FROM ${"(SELECT * FROM ".repeat(1000)}t${") s".repeat(1000)}`;
    return () => assessSql(sql);
  },
  "shell: long pipeline": (n) => {
    const command = repeatTo(n, " | ", (i) => `grep x${i}`);
    return () => assessShell(command);
  },
  "shell: long && chain of deletions": (n) => {
    const command = repeatTo(n, " && ", (i) => `rm -rf /srv/x${i}`);
    return () => assessShell(command);
  },
  "shell: many leading assignments": (n) => {
    const command = `${"A=1 ".repeat(Math.floor(n / 4))}rm -rf /`;
    return () => assessShell(command);
  },
  "shell: wrappers around wrappers": (n) => {
    const command = `${"sudo ".repeat(Math.floor(n / 5))}rm -rf /`;
    return () => assessShell(command);
  },
  "graphql: many aliased mutations": (n) => {
    const body = { query: `mutation { ${repeatTo(n, " ", (i) => `a${i}: serviceDelete(id: "${i}")`)} }` };
    return () => assessHttp({ method: "POST", url: RAILWAY, body });
  },
  "graphql: chain of fragments": (n) => {
    const body = { query: `mutation { ...f0 } ${repeatTo(n, " ", (i) => `fragment f${i} on Mutation { x${i} ...f${i + 1} }`)}` };
    return () => assessHttp({ method: "POST", url: RAILWAY, body });
  },
  "graphql: deeply nested selections": () => {
    const body = { query: `query { ${"a { ".repeat(3000)}b${" }".repeat(3000)} }` };
    return () => assessHttp({ method: "POST", url: RAILWAY, body });
  },
};

await main();
