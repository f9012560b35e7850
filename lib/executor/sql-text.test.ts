import { beforeAll, describe, expect, it } from "vitest";
import { loadRiskEngine } from "../risk";
import { countQuery, splitStatements } from "./sql-text";

beforeAll(async () => {
  await loadRiskEngine();
});

const first = (sql: string) => {
  const split = splitStatements(sql);
  if (!split.ok) throw new Error(split.message);
  return split.statements[0];
};

describe("countQuery", () => {
  it.each([
    ["DELETE FROM customers WHERE id > 5", "SELECT count(*) AS n FROM customers WHERE id > 5\n"],
    ["delete from only public.customers as c where (c.id > 5) returning c.id;", "SELECT count(*) AS n FROM only public.customers as c WHERE (c.id > 5)\n"],
    ["DELETE FROM customers c USING orders o WHERE o.cid = c.id AND o.total > 10", "SELECT count(*) AS n FROM customers c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.cid = c.id AND o.total > 10\n)"],
    ["UPDATE customers SET name = substring(name FROM 1 FOR 3) WHERE id IN (SELECT id FROM x WHERE y) -- trailing", "SELECT count(*) AS n FROM customers WHERE id IN (SELECT id FROM x WHERE y) -- trailing\n"],
    ["UPDATE t SET a = 1 FROM u WHERE u.id = t.id", "SELECT count(*) AS n FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.id = t.id\n)"],
    ["DELETE FROM t WHERE created_at < now() - interval '1 day'", "SELECT count(*) AS n FROM t WHERE created_at < now() - interval '1 day'\n"],
  ])("%s", (sql, expected) => {
    expect(countQuery(first(sql))).toEqual({ ok: true, sql: expected });
  });

  it.each([
    ["DELETE FROM t", "no WHERE clause"],
    ["DELETE FROM t WHERE pg_terminate_backend(pid) IS NOT NULL", "calls pg_terminate_backend"],
    ["DELETE FROM t WHERE dblink_exec('x', 'DROP TABLE y') = 'ok'", "calls dblink_exec"],
    ["WITH d AS (DELETE FROM a RETURNING id) DELETE FROM t WHERE id IN (SELECT id FROM d)", "WITH"],
    ["DELETE FROM t WHERE CURRENT OF c", "WHERE CURRENT OF"],
    // The whole count query is checked, not only its WHERE.
    ["DELETE FROM t USING pg_terminate_backend(123) x WHERE true", "calls pg_terminate_backend"],
    ["UPDATE t SET a = 1 FROM dblink_exec('host=x', 'DROP TABLE y') d(r) WHERE true", "calls dblink_exec"],
    ["DELETE FROM t USING (SELECT set_config('statement_timeout', '0', true)) s WHERE true", "calls set_config"],
    ["DELETE FROM t WHERE id IN (SELECT 1 FROM pg_sleep(10) z)", "calls pg_sleep"],
    ["DELETE FROM t WHERE public.lower(id) = 1", "calls public.lower"],
    ["DELETE FROM t WHERE id === 1", "operator ==="],
    ["DELETE FROM t WHERE id OPERATOR(public.=) 1", "operator public.="],
    ["DELETE FROM t WHERE id = 1::public.mytype", "type public.mytype"],
    ["DELETE FROM t WHERE doc::text = '<!DOCTYPE x SYSTEM \"file:///secrets.txt\"><x/>'::xml::text", "type xml"],
    ["DELETE FROM t WHERE id IN (WITH x AS (SELECT 1) SELECT * FROM x)", "withClause"],
    ["DELETE FROM t WHERE id = (SELECT max(id) OVER () FROM u LIMIT 1)", "a window function"],
    ["DELETE FROM t WHERE id IN (SELECT id FROM u TABLESAMPLE bernoulli (10))", "RangeTableSample"],
  ])("refuses %s", (sql, reason) => {
    const result = countQuery(first(sql));
    expect(result.ok).toBe(false);
    expect((result as { reason: string }).reason).toContain(reason);
  });

  it("splits a batch by statement", () => {
    const split = splitStatements("SELECT 1; DROP TABLE a;\nDELETE FROM b WHERE x = ';'");
    expect(split.ok && split.statements.map((s) => [s.type, s.text])).toEqual([
      ["SelectStmt", "SELECT 1"],
      ["DropStmt", "DROP TABLE a"],
      ["DeleteStmt", "DELETE FROM b WHERE x = ';'"],
    ]);
  });
});
