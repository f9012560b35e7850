// Starts `countersign hook …` quickly: the hook runs before every tool call, and loading the
// TypeScript through tsx costs about a second. The hook's sources (client/hooks/*.ts and the
// client they import) are compiled once with esbuild into node_modules/.cache/countersign/,
// keyed by the SHA-256 of their contents, and reused until a source changes; dependencies stay in
// node_modules, loaded only when a request is needed. When that cannot be done (no esbuild, a
// read-only install) it falls back to tsx: slower, same behaviour.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const root = path.resolve(import.meta.dirname, "../..");
const entry = path.join(root, "client/hooks/main.ts");
const cacheDir = path.join(root, "node_modules/.cache/countersign");
const stampFile = path.join(cacheDir, "hook.json");

function keyOf(inputs) {
  const hash = createHash("sha256");
  for (const file of inputs) hash.update(`${file}\0`).update(readFileSync(path.join(root, file))).update("\0");
  return hash.digest("hex").slice(0, 32);
}

/** The compiled entry if it matches the sources as they are now. */
function cached() {
  try {
    const stamp = JSON.parse(readFileSync(stampFile, "utf8"));
    if (!Array.isArray(stamp.inputs) || stamp.inputs.length === 0 || typeof stamp.key !== "string" || !/^[0-9a-f]{32}$/.test(stamp.key)) return undefined;
    if (keyOf(stamp.inputs) !== stamp.key) return undefined;
    const compiled = path.join(cacheDir, `hook-${stamp.key}`, "main.mjs");
    return existsSync(compiled) ? compiled : undefined;
  } catch {
    return undefined;
  }
}

async function build() {
  const esbuild = await import("esbuild");
  mkdirSync(cacheDir, { recursive: true });
  const tmp = path.join(cacheDir, `tmp-${process.pid}-${Date.now()}`);
  try {
    const result = await esbuild.build({
      absWorkingDir: root,
      entryPoints: { main: entry },
      bundle: true,
      splitting: true,
      format: "esm",
      platform: "node",
      target: "node20",
      packages: "external",
      outdir: tmp,
      outExtension: { ".js": ".mjs" },
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs)
      .filter((file) => !file.split(/[\\/]/).includes("node_modules"))
      .sort();
    const key = keyOf(inputs);
    const dir = path.join(cacheDir, `hook-${key}`);
    if (existsSync(dir)) rmSync(tmp, { recursive: true, force: true }); // another hook built it first
    else renameSync(tmp, dir);
    const stampTmp = `${stampFile}.${process.pid}`;
    writeFileSync(stampTmp, JSON.stringify({ key, inputs }));
    renameSync(stampTmp, stampFile);
    return path.join(dir, "main.mjs");
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
}

async function load() {
  try {
    return await import(pathToFileURL(cached() ?? (await build())).href);
  } catch {
    const { register } = await import("tsx/esm/api");
    register();
    return import(pathToFileURL(entry).href);
  }
}

/** Runs the hook; the exit code. Anything that goes wrong here is exit 2, which both harnesses treat as "blocked". */
export async function runHookCommand(argv) {
  const fail = (error) => {
    process.stderr.write(`countersign hook: ${error?.message ?? String(error)}; refused\n`);
    process.exit(2);
  };
  process.on("uncaughtException", fail);
  process.on("unhandledRejection", fail);
  try {
    const { runHookProcess } = await load();
    return await runHookProcess(argv);
  } catch (error) {
    fail(error);
  }
}
