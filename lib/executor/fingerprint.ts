// A table's definition as one hash: columns and their types, defaults and generation, constraints
// (its own and the foreign keys that reference it, with their ON DELETE/UPDATE rules), triggers,
// rules, row-level security and its policies, partitions and children. Taken when the effect is
// measured and again, in the executing transaction, before an approved statement runs: a table
// whose definition changed in between is not the table people approved a change to.
import type pg from "pg";

// Names print schema-qualified only under a fixed search_path: both callers set pg_catalog first.
const FINGERPRINT_SQL = `
SELECT n.nspname || '.' || c.relname AS "table", md5(concat_ws(E'\\n',
  c.relkind::text, c.relrowsecurity::text, c.relforcerowsecurity::text, c.relpersistence::text,
  (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull::text || ' ' || a.attgenerated::text
                     || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), ''), ',' ORDER BY a.attnum)
     FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
  (SELECT string_agg(k.conname || ' ' || pg_get_constraintdef(k.oid), ',' ORDER BY k.conname) FROM pg_constraint k WHERE k.conrelid = c.oid),
  (SELECT string_agg(kn.nspname || '.' || kc.relname || ' ' || k.conname || ' ' || pg_get_constraintdef(k.oid), ',' ORDER BY kn.nspname, kc.relname, k.conname)
     FROM pg_constraint k JOIN pg_class kc ON kc.oid = k.conrelid JOIN pg_namespace kn ON kn.oid = kc.relnamespace
    WHERE k.confrelid = c.oid AND k.contype = 'f'),
  (SELECT string_agg(t.tgname || ' ' || t.tgenabled::text || ' ' || pg_get_triggerdef(t.oid), ',' ORDER BY t.tgname) FROM pg_trigger t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal),
  (SELECT string_agg(r.rulename || ' ' || pg_get_ruledef(r.oid), ',' ORDER BY r.rulename) FROM pg_rewrite r WHERE r.ev_class = c.oid),
  (SELECT string_agg(p.polname || ' ' || p.polcmd::text || ' ' || p.polpermissive::text || ' ' || coalesce(pg_get_expr(p.polqual, p.polrelid), '')
                     || ' ' || coalesce(pg_get_expr(p.polwithcheck, p.polrelid), ''), ',' ORDER BY p.polname) FROM pg_policy p WHERE p.polrelid = c.oid),
  (SELECT string_agg(cn.nspname || '.' || cc.relname, ',' ORDER BY cn.nspname, cc.relname)
     FROM pg_inherits i JOIN pg_class cc ON cc.oid = i.inhrelid JOIN pg_namespace cn ON cn.oid = cc.relnamespace WHERE i.inhparent = c.oid)
)) AS fingerprint
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE (n.nspname || '.' || c.relname) = ANY($1::text[])`;

/** `schema.name` → its definition's hash; a table that does not exist is absent from the map. */
export async function fingerprintTables(
  query: <R extends pg.QueryResultRow>(text: string, values?: unknown[]) => Promise<R[]>,
  tables: string[],
): Promise<Record<string, string>> {
  if (tables.length === 0) return {};
  const rows = await query<{ table: string; fingerprint: string }>(FINGERPRINT_SQL, [tables]);
  return Object.fromEntries(rows.map((r) => [r.table, r.fingerprint]));
}

/** The tables whose definition is not the one measured (changed, or gone). */
export function changedTables(measured: Record<string, string>, now: Record<string, string>): string[] {
  return Object.keys(measured)
    .filter((table) => measured[table] !== now[table])
    .sort();
}
