// Bind parameters become literals in the statement's text before it is submitted: the operation
// reviewers see, the digest the grant carries and the text the executor runs are one string, with
// the values in it. A parameter of a declared built-in type keeps that type as a cast; binary
// values are accepted for the few types whose encoding is unambiguous, else refused.
import { scanSql } from "../../risk/engine";
import type { PgError } from "./sqlstate";

export interface BoundParameter {
  value: Buffer | null;
  /** 0 text, 1 binary. */
  format: number;
  /** The type OID the client declared in Parse; 0 when it left it to the server. */
  typeOid: number;
}

// Built-in types by OID, schema-qualified so that a user type of the same name cannot stand in.
const TYPE_NAMES: Record<number, string> = {
  16: "bool",
  17: "bytea",
  18: '"char"',
  19: "name",
  20: "int8",
  21: "int2",
  23: "int4",
  25: "text",
  26: "oid",
  114: "json",
  142: "xml",
  650: "cidr",
  700: "float4",
  701: "float8",
  829: "macaddr",
  869: "inet",
  1042: "bpchar",
  1043: "varchar",
  1082: "date",
  1083: "time",
  1114: "timestamp",
  1184: "timestamptz",
  1186: "interval",
  1266: "timetz",
  1560: "bit",
  1562: "varbit",
  1700: "numeric",
  2950: "uuid",
  3802: "jsonb",
  1000: "bool[]",
  1001: "bytea[]",
  1005: "int2[]",
  1007: "int4[]",
  1009: "text[]",
  1015: "varchar[]",
  1016: "int8[]",
  1021: "float4[]",
  1022: "float8[]",
  1115: "timestamp[]",
  1182: "date[]",
  1185: "timestamptz[]",
  1231: "numeric[]",
  2951: "uuid[]",
  199: "json[]",
  3807: "jsonb[]",
};

/** A string as an SQL literal, read the same whatever standard_conforming_strings says. */
export function quoteLiteral(value: string): string {
  const quoted = value.replace(/'/g, "''");
  return value.includes("\\") ? `E'${quoted.replace(/\\/g, "\\\\")}'` : `'${quoted}'`;
}

/** The highest $n in the statement (0 without parameters), ignoring strings, identifiers and comments. */
export function parameterCount(sql: string): number {
  return parameterTokens(sql)?.reduce((max, t) => Math.max(max, t.number), 0) ?? 0;
}

function parameterTokens(sql: string): Array<{ start: number; end: number; number: number }> | null {
  if (!sql.includes("$")) return [];
  const scanned = scanSql(sql);
  if (!scanned) return null;
  // Scanner offsets count bytes of the UTF-8 text.
  const bytes = Buffer.from(sql, "utf8");
  return scanned.tokens
    .filter((t) => t.tokenName === "PARAM")
    .map((t) => ({ start: t.start, end: t.end, number: Number(bytes.toString("utf8", t.start + 1, t.end)) }));
}

/** The statement with each $n replaced by its value as a literal. */
export function inlineParameters(sql: string, parameters: BoundParameter[]): { ok: true; sql: string } | { ok: false; error: PgError } {
  const tokens = parameterTokens(sql);
  if (tokens === null) {
    if (parameters.length === 0) return { ok: true, sql };
    return { ok: false, error: { code: "42601", message: "The statement could not be read to place its parameters." } };
  }
  const needed = tokens.reduce((max, t) => Math.max(max, t.number), 0);
  if (needed !== parameters.length) {
    return { ok: false, error: { code: "08P01", message: `bind message supplies ${parameters.length} parameters, but prepared statement requires ${needed}` } };
  }
  if (tokens.length === 0) return { ok: true, sql };
  const literals: string[] = [];
  for (const [i, parameter] of parameters.entries()) {
    const literal = toLiteral(parameter);
    if (!literal.ok) return { ok: false, error: { code: literal.code, message: `Parameter $${i + 1}: ${literal.message}` } };
    literals.push(literal.text);
  }
  const bytes = Buffer.from(sql, "utf8");
  const parts: string[] = [];
  let at = 0;
  for (const t of tokens) {
    parts.push(bytes.toString("utf8", at, t.start), literals[t.number - 1]);
    at = t.end;
  }
  parts.push(bytes.toString("utf8", at));
  return { ok: true, sql: parts.join("") };
}

type Literal = { ok: true; text: string } | { ok: false; code: string; message: string };

function toLiteral({ value, format, typeOid }: BoundParameter): Literal {
  const type = TYPE_NAMES[typeOid];
  // Parenthesised, so that what follows `$n` in the statement (`[1]`, `.field`, `::type`) or a
  // minus before it reads the value exactly as it read the parameter.
  const cast = (text: string) => (type ? `(${text}::pg_catalog.${type})` : `(${text})`);
  if (value === null) return { ok: true, text: cast("NULL") };
  if (format === 0) {
    const text = value.toString("utf8");
    if (text.includes("\u0000")) return { ok: false, code: "22021", message: "contains a NUL character" };
    return { ok: true, text: cast(quoteLiteral(text)) };
  }
  if (format !== 1) return { ok: false, code: "08P01", message: `unknown format code ${format}` };
  const binary = binaryLiteral(value, typeOid);
  return binary === null
    ? { ok: false, code: "0A000", message: `a binary value of type OID ${typeOid} cannot be shown to reviewers as text; send it in text format` }
    : { ok: true, text: `(${binary})` };
}

// Binary parameters Countersign can turn into exact literals. A binary value with no declared
// type is taken as bytea: that is what node-postgres sends a Buffer as.
function binaryLiteral(value: Buffer, typeOid: number): string | null {
  const sized = (n: number) => value.length === n;
  switch (typeOid) {
    case 0:
    case 17:
      return `${quoteLiteral(`\\x${value.toString("hex")}`)}::pg_catalog.bytea`;
    case 16:
      return sized(1) ? (value[0] ? "true" : "false") : null;
    case 21:
      return sized(2) ? `(${value.readInt16BE(0)})::pg_catalog.int2` : null;
    case 23:
      return sized(4) ? `(${value.readInt32BE(0)})::pg_catalog.int4` : null;
    case 20:
      return sized(8) ? `(${value.readBigInt64BE(0)})::pg_catalog.int8` : null;
    case 26:
      return sized(4) ? `${value.readUInt32BE(0)}::pg_catalog.oid` : null;
    case 2950:
      return sized(16) ? `'${value.toString("hex").replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5")}'::pg_catalog.uuid` : null;
    case 25:
    case 1043:
    case 19: {
      const text = value.toString("utf8");
      return text.includes("\u0000") ? null : `${quoteLiteral(text)}::pg_catalog.${TYPE_NAMES[typeOid]}`;
    }
    default:
      return null;
  }
}
