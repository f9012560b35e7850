// Bind parameters as literals, and what the proxy does with a query before submitting it.
import { beforeAll, describe, expect, it } from "vitest";
import { loadRiskEngine } from "../../risk";
import { inlineParameters, parameterCount } from "./params";
import { classifyQuery } from "./statements";

beforeAll(() => loadRiskEngine());

const text = (value: string | null, typeOid = 0) => ({ value: value === null ? null : Buffer.from(value), format: 0, typeOid });
const binary = (value: Buffer, typeOid: number) => ({ value, format: 1, typeOid });

describe("inlining bind parameters", () => {
  it.each([
    ["SELECT $1", [text("a'b")], "SELECT ('a''b')"],
    ["SELECT $1", [text("back\\slash")], "SELECT (E'back\\\\slash')"],
    ["SELECT $1, '$1', \"$1\", $$ $1 $$ -- $1\n", [text("x")], "SELECT ('x'), '$1', \"$1\", $$ $1 $$ -- $1\n"],
    ["SELECT 'é', $2 - $1", [text("1", 23), text("5", 20)], "SELECT 'é', ('5'::pg_catalog.int8) - ('1'::pg_catalog.int4)"],
    ["SELECT $1[1]", [text("{1,2}", 1007)], "SELECT ('{1,2}'::pg_catalog.int4[])[1]"],
    ["SELECT 1-$1", [binary(Buffer.from([0xff, 0xff, 0xff, 0xfb]), 23)], "SELECT 1-((-5)::pg_catalog.int4)"],
    ["INSERT INTO t VALUES ($1, $2)", [text(null, 25), binary(Buffer.from("dead", "hex"), 0)], "INSERT INTO t VALUES ((NULL::pg_catalog.text), (E'\\\\xdead'::pg_catalog.bytea))"],
  ])("%s", (sql, parameters, expected) => {
    expect(inlineParameters(sql, parameters)).toEqual({ ok: true, sql: expected });
  });

  it.each([
    ["SELECT $1, $2", [text("1")], "08P01"],
    ["SELECT 1", [text("1")], "08P01"],
    ["SELECT $1", [binary(Buffer.alloc(8), 1184)], "0A000"],
    ["SELECT $1", [text("a\u0000b")], "22021"],
  ])("refuses %s with %o", (sql, parameters, code) => {
    expect(inlineParameters(sql, parameters)).toMatchObject({ ok: false, error: { code } });
  });

  it("counts parameters outside strings and comments", () => {
    expect(parameterCount("SELECT $2, '$9' /* $8 */")).toBe(2);
  });
});

describe("classifying a query", () => {
  it.each([
    ["", "empty"],
    ["-- nothing", "empty"],
    ["SELECT 1", "submit"],
    ["SELEC 1", "submit"],
    ["BEGIN; DELETE FROM t; COMMIT", "submit"],
    ["INSERT INTO t VALUES (1); COMMIT", "submit"],
    ["SET LOCAL search_path = app; SELECT 1", "submit"],
    ["BEGIN", "refuse"],
    ["START TRANSACTION; DELETE FROM t", "refuse"],
    ["SAVEPOINT a", "refuse"],
    ["SET search_path = app", "refuse"],
    ["SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", "refuse"],
    ["SET client_encoding = 'LATIN1'", "refuse"],
    ["COPY t FROM STDIN", "refuse"],
    ["LISTEN x", "refuse"],
    ["PREPARE p AS SELECT 1", "refuse"],
    ["COMMIT", "local"],
    ["ROLLBACK", "local"],
    ["SET application_name = 'x'", "local"],
    ["SET NAMES 'utf8'", "local"],
    ["RESET ALL", "local"],
    ["DISCARD ALL", "local"],
    ["DEALLOCATE ALL", "local"],
  ])("%s → %s", (sql, kind) => {
    expect(classifyQuery(sql).kind).toBe(kind);
  });

  it("refuses several statements in one Parse, as PostgreSQL does", () => {
    expect(classifyQuery("SELECT 1; SELECT 2", true)).toMatchObject({ kind: "refuse", error: { code: "42601" } });
  });
});
