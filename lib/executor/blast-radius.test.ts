// What reviewers are told a statement does must be true: a write is never "reads only", code
// Countersign cannot see into is said to be unmeasured, and the rows foreign keys carry the change
// to are counted with the statement's own. Each shape on real PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { DATABASE_KINDS, createPostgresDatabase } from "../../test/databases";
import { loadRiskEngine } from "../risk";
import { dryRunSql, writesMeasurableRows } from "./dry-run";

const SEED = `
  CREATE TABLE customers (id int PRIMARY KEY, region text NOT NULL);
  INSERT INTO customers SELECT g, CASE WHEN g % 3 = 0 THEN 'eu' ELSE 'us' END FROM generate_series(1, 300) g;
  CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customers ON DELETE CASCADE ON UPDATE CASCADE, total int);
  INSERT INTO orders SELECT g, (g % 300) + 1, g FROM generate_series(1, 3000) g;
  CREATE TABLE order_items (id int PRIMARY KEY, order_id int NOT NULL REFERENCES orders ON DELETE CASCADE, sku text);
  INSERT INTO order_items SELECT g, (g % 3000) + 1, 'sku' FROM generate_series(1, 9000) g;
  CREATE TABLE notes (id int PRIMARY KEY, order_id int REFERENCES orders ON DELETE SET NULL);
  INSERT INTO notes SELECT g, g FROM generate_series(1, 50) g;
  CREATE TABLE invoices (id int PRIMARY KEY, customer_id int REFERENCES customers ON DELETE RESTRICT);
  INSERT INTO invoices VALUES (1, 3), (2, 6);
  CREATE TABLE log (id serial PRIMARY KEY, note text);
  CREATE TABLE staging_orders (id int PRIMARY KEY);
  INSERT INTO staging_orders SELECT g FROM generate_series(1, 10) g;
  CREATE FUNCTION public.cleanup_old() RETURNS int LANGUAGE sql AS 'DELETE FROM log RETURNING 1';
  CREATE PROCEDURE public.purge() LANGUAGE sql AS 'DELETE FROM log';
  CREATE VIEW order_totals AS SELECT customer_id, sum(total) AS total FROM orders GROUP BY customer_id;
  ANALYZE;
`;

describe.runIf(DATABASE_KINDS.includes("postgres"))("the measured effect tells the truth on PostgreSQL", () => {
  let target: { url: string; drop(): Promise<void> };
  let client: pg.Client;

  beforeAll(async () => {
    await loadRiskEngine();
    target = await createPostgresDatabase();
    client = new pg.Client({ connectionString: target.url });
    await client.connect();
    await client.query(SEED);
  });
  afterAll(async () => {
    await client?.end();
    await target?.drop();
  });

  it.each([
    ["a data-modifying CTE", "WITH d AS (DELETE FROM order_items WHERE id <= 10 RETURNING *) SELECT count(*) FROM d", /^Deletes 10 of 9,000 rows in `public\.order_items`/],
    ["an UPDATE in a CTE", "WITH u AS (UPDATE orders SET total = 0 WHERE id <= 5 RETURNING id) SELECT * FROM u", /^Updates 5 of 3,000 rows in `public\.orders`/],
    ["a function that deletes", "SELECT public.cleanup_old()", /^Not measured: runs code Countersign cannot inspect \(Calls `public\.cleanup_old\(\)`/],
    ["a procedure", "CALL public.purge()", /^Not measured: runs code Countersign cannot inspect/],
    ["a DO block", "DO $$ BEGIN DELETE FROM log; END $$", /^Not measured: runs code Countersign cannot inspect/],
    ["a read through a view", "SELECT * FROM order_totals", /^Not measured: reads through a view `public\.order_totals`/],
    ["a function beside a read", "SELECT id, public.cleanup_old() FROM orders", /^Not measured: runs code Countersign cannot inspect/],
  ])("never says 'reads only' for %s", async (_label, sql, sentence) => {
    const dryRun = await dryRunSql(target.url, sql);
    expect(dryRun.sentence).toMatch(sentence);
    expect(dryRun.sentence).not.toMatch(/Reads only/);
  });

  it("still says 'reads only' for a plain read", async () => {
    const dryRun = await dryRunSql(target.url, "SELECT id, lower(region) FROM customers WHERE id < 10");
    expect(dryRun.sentence).toBe("Reads only; changes no data.");
    expect(dryRun.measured).toMatchObject({ tables: [], incomplete: false });
  });

  it("counts the rows foreign keys delete, recursively, and the references they set to NULL", async () => {
    // 100 customers in 'eu' (every third), not the two that invoices restrict: ids 3 and 6 are eu.
    const dryRun = await dryRunSql(target.url, "DELETE FROM orders WHERE customer_id IN (SELECT id FROM customers WHERE region = 'eu')");
    // Orders whose customer_id % 3 == 0: customer_id = (g % 300) + 1 → 1,000 orders; each order has 3 items.
    expect(dryRun.sentence).toMatch(
      /^Deletes 1,000 of 3,000 rows in `public\.orders` \([\d.]+ kB\), and with them 3,000 rows in `public\.order_items` \(ON DELETE CASCADE\), and sets to NULL 17 rows in `public\.notes` \(ON DELETE SET NULL\)/,
    );
    const tables = dryRun.measured.tables.map((t) => [t.table, t.action, t.rows, t.via]);
    expect(tables).toEqual([
      ["public.orders", "delete", 1000, null],
      ["public.notes", "update", 17, "ON DELETE SET NULL from public.orders"],
      ["public.order_items", "delete", 3000, "ON DELETE CASCADE from public.orders"],
    ]);
    expect(Object.keys(dryRun.measured.fingerprints).sort()).toEqual(["public.notes", "public.order_items", "public.orders"]);
  });

  it("follows a chain of cascades through three tables", async () => {
    const dryRun = await dryRunSql(target.url, "DELETE FROM customers WHERE id BETWEEN 1 AND 2");
    // Customers 1 and 2 → orders with customer_id 1 or 2 (10 each) → their items (3 each).
    expect(dryRun.sentence).toMatch(/^Deletes 2 of 300 rows in `public\.customers` \([\d.]+ kB\), and with them 20 rows in `public\.orders` \(ON DELETE CASCADE\) and 60 rows in `public\.order_items` \(ON DELETE CASCADE from `public\.orders`\)/);
    expect(dryRun.sentence).not.toMatch(/will fail/);
  });

  it("says a delete will fail when RESTRICT or NO ACTION references match, and why", async () => {
    const dryRun = await dryRunSql(target.url, "DELETE FROM customers WHERE id IN (3, 4)");
    expect(dryRun.sentence).toMatch(/It will fail: 1 row in `public\.invoices` still reference them \(invoices_customer_id_fkey, ON DELETE RESTRICT\)\.$/);
    expect(dryRun.statements[0].tables[0].blockers).toEqual([
      { table: "public.invoices", rule: "ON DELETE RESTRICT", constraint: "invoices_customer_id_fkey", rows: 1, certain: true },
    ]);
  });

  it("follows ON UPDATE CASCADE only when the update changes the referenced key", async () => {
    const keyChange = await dryRunSql(target.url, "UPDATE customers SET id = id + 1000 WHERE id = 1");
    expect(keyChange.sentence).toMatch(/^Updates 1 of 300 rows in `public\.customers` \([\d.]+ kB\), and updates 10 rows in `public\.orders` \(ON UPDATE CASCADE\)/);
    const other = await dryRunSql(target.url, "UPDATE customers SET region = 'apac' WHERE id = 1");
    expect(other.sentence).toMatch(/^Updates 1 of 300 rows in `public\.customers` \([\d.]+ kB\); 2 tables reference it\.$/);
  });

  it("measures a MERGE's matched rows as the rows it may delete", async () => {
    const dryRun = await dryRunSql(target.url, "MERGE INTO order_items i USING orders o ON i.order_id = o.id AND o.total > 2990 WHEN MATCHED THEN DELETE");
    expect(dryRun.sentence).toMatch(/^Deletes 30 of 9,000 rows in `public\.order_items`/);
    expect(dryRun.measured.tables[0]).toMatchObject({ table: "public.order_items", action: "delete", rows: 30 });
  });

  it("marks the measurement incomplete when a write could not be counted", async () => {
    const dryRun = await dryRunSql(target.url, "DELETE FROM orders WHERE id = public.cleanup_old()");
    expect(dryRun.measured.incomplete).toBe(true);
  });

  it("knows which statements write rows it can measure", () => {
    expect(writesMeasurableRows("DELETE FROM orders WHERE id > 0")).toBe(true);
    expect(writesMeasurableRows("WITH d AS (UPDATE orders SET total = 1 RETURNING 1) SELECT 1")).toBe(true);
    expect(writesMeasurableRows("MERGE INTO orders o USING customers c ON o.customer_id = c.id WHEN MATCHED THEN DELETE")).toBe(true);
    expect(writesMeasurableRows("SELECT 1; INSERT INTO log (note) VALUES ('x')")).toBe(false);
  });
});
