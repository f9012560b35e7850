// Prisma's official WebAssembly schema engine, driven through the PGlite driver adapter, so that
// migrations can be generated and checked for drift with no native engine and no server.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import * as bg from "@prisma/schema-engine-wasm/schema_engine_bg";
import type { SchemaEngine } from "@prisma/schema-engine-wasm";

const require = createRequire(import.meta.url);
let loaded: Promise<void> | undefined;

function loadWasm(): Promise<void> {
  loaded ??= (async () => {
    const wasmPath = path.join(
      path.dirname(require.resolve("@prisma/schema-engine-wasm/schema_engine_bg")),
      "schema_engine_bg.wasm",
    );
    const { instance } = await WebAssembly.instantiate(readFileSync(wasmPath), {
      "./schema_engine_bg.js": bg as unknown as WebAssembly.ModuleImports,
    });
    (bg as unknown as { __wbg_set_wasm(w: unknown): void }).__wbg_set_wasm(instance.exports);
    (instance.exports as { __wbindgen_start(): void }).__wbindgen_start();
  })();
  return loaded;
}

const noFilters = { externalTables: [], externalEnums: [] };

function migrationList(dir: string) {
  const { readdirSync, existsSync } = require("node:fs") as typeof import("node:fs");
  const names = existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
        .sort()
    : [];
  const lockPath = path.join(dir, "migration_lock.toml");
  return {
    baseDir: dir,
    lockfile: {
      path: "migration_lock.toml",
      content: existsSync(lockPath) ? readFileSync(lockPath, "utf8") : null,
    },
    shadowDbInitScript: "",
    migrationDirectories: names.map((name) => ({
      path: name,
      migrationFile: {
        path: "migration.sql",
        content: { tag: "ok", value: readFileSync(path.join(dir, name, "migration.sql"), "utf8") },
      },
    })),
  };
}

async function withEngine<T>(schemaPath: string, fn: (engine: SchemaEngine) => Promise<T>): Promise<T> {
  await loadWasm();
  const schema = readFileSync(schemaPath, "utf8");
  const db = new PGlite();
  try {
    const { SchemaEngine } = bg as unknown as typeof import("@prisma/schema-engine-wasm");
    const engine = await SchemaEngine.new(
      { datamodels: [[schemaPath, schema]] },
      () => {},
      bindMigrationAwareSqlAdapterFactory(new PrismaPGlite(db)),
    );
    try {
      return await fn(engine);
    } finally {
      engine.free();
    }
  } finally {
    await db.close();
  }
}

/** SQL that takes a database from the migrations folder's end state to the schema's. Empty when they agree. */
export async function diffMigrationsToSchema(schemaPath: string, migrationsDir: string): Promise<string> {
  return withEngine(schemaPath, async (engine) => {
    const result = await engine.diff({
      from: { tag: "migrations", ...migrationList(migrationsDir) },
      to: { tag: "schemaDatamodel", files: [{ path: schemaPath, content: readFileSync(schemaPath, "utf8") }] },
      script: true,
      exitCode: null,
      filters: noFilters,
    } as never);
    const sql = result.stdout ?? "";
    return /^\s*(-- This is an empty migration\.)?\s*$/.test(sql) ? "" : sql;
  });
}
