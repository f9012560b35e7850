// Risk classifier benchmark: classifies a ~64 KiB SQL batch of mixed statements many times and
// prints the time per statement (median and p99, in microseconds), then the same for single
// statements of each kind. Run: npx tsx bench/risk.ts [iterations]
import { assessSql, loadRiskEngine } from "../lib/risk";

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

function buildBatch(): { sql: string; count: number } {
  const parts: string[] = [];
  let bytes = 0;
  for (let i = 0; bytes < TARGET_BYTES; i++) {
    const statement = STATEMENTS[i % STATEMENTS.length]!;
    parts.push(statement);
    bytes += Buffer.byteLength(statement) + 1;
  }
  return { sql: parts.join("\n"), count: parts.length };
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
  const perStatement: number[] = [];
  const perBatch: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const micros = time(() => assessSql(batch.sql));
    perBatch.push(micros);
    perStatement.push(micros / batch.count);
  }
  const statement = summarize(perStatement);
  const whole = summarize(perBatch);
  console.log(`64 KiB batch × ${iterations}: per statement median ${statement.median.toFixed(2)} µs, p99 ${statement.p99.toFixed(2)} µs (whole batch median ${(whole.median / 1000).toFixed(2)} ms, p99 ${(whole.p99 / 1000).toFixed(2)} ms)`);

  console.log("\nsingle statements (µs):");
  for (const sql of STATEMENTS) {
    for (let i = 0; i < 50; i++) assessSql(sql);
    const samples: number[] = [];
    for (let i = 0; i < iterations * 5; i++) samples.push(time(() => assessSql(sql)));
    const { median, p99 } = summarize(samples);
    console.log(`  median ${median.toFixed(1).padStart(7)}  p99 ${p99.toFixed(1).padStart(7)}  ${sql.length > 70 ? `${sql.slice(0, 67)}...` : sql}`);
  }
}

await main();
