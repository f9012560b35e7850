// Writes a new migration with the SQL that brings prisma/migrations up to prisma/schema.prisma,
// using Prisma's WebAssembly schema engine (no native engine, no database server needed).
//   npm run db:migration -- add_resources
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { diffMigrationsToSchema } from "../lib/db/schema-engine";

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error("usage: npm run db:migration -- <snake_case_name>");
  process.exit(2);
}
const root = path.resolve(import.meta.dirname, "..");
const migrationsDir = path.join(root, "prisma/migrations");
const sql = await diffMigrationsToSchema(path.join(root, "prisma/schema.prisma"), migrationsDir);
if (!sql) {
  console.log("The schema and the migrations agree: nothing to write.");
  process.exit(0);
}
const stamp = new Date().toISOString().replace(/[-:T]/g, "").slice(0, 14);
const dir = path.join(migrationsDir, `${stamp}_${name}`);
mkdirSync(dir, { recursive: true });
writeFileSync(path.join(dir, "migration.sql"), sql);
console.log(`Wrote ${path.relative(root, dir)}/migration.sql`);
