// Starts the command-line programs without transpiling TypeScript at every start (tsx costs
// 0.5–2 s a run, far more on a busy machine). Each program's sources are bundled once with
// esbuild into dist/<target>-<key>/, where the key is a SHA-256 of the sources esbuild's metafile
// lists, and reused until one of them changes; npm packages stay in node_modules, and each
// program's dynamic imports become chunks loaded only when needed. `npm install` builds them all
// ahead of time (compileAll); a changed source is rebuilt on the next start, never run stale.
// When no build can be made (no esbuild, a read-only checkout) the sources run through tsx:
// slower, same behaviour.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

/**
 * What is compiled, by target: `client` stands alone (the agent CLI, its coding-agent hook and the
 * stdio MCP bridge, sharing chunks); `admin` is the admin CLI with the app's lib/.
 */
export const TARGETS = {
  client: { cli: "client/cli.ts", hook: "client/hooks/main.ts", "mcp-bridge": "client/mcp-bridge.ts" },
  admin: { index: "cli/index.ts" },
};

// Old builds are removed once this old: a process started from one may still load its chunks.
const PRUNE_AFTER_MS = 24 * 3600_000;

/**
 * The compiler for the sources under `root`, building into `root/dist`. `buildInputs` are files
 * that are not bundled but shape the output: a change to one rebuilds every target.
 */
export function compiler({ root, targets, buildInputs = [] }) {
  const outRoot = path.join(root, "dist");
  const alwaysInputs = [path.relative(root, import.meta.filename), ...buildInputs];
  const stampPath = (target) => path.join(outRoot, `${target}.json`);

  function keyOf(inputs) {
    const hash = createHash("sha256");
    for (const file of inputs) hash.update(`${file}\0`).update(readFileSync(path.join(root, file))).update("\0");
    return hash.digest("hex").slice(0, 32);
  }

  /** Size and modification time of each input: equal to the stamp's means unchanged, without reading. */
  function statsOf(inputs) {
    return inputs.map((file) => {
      const stat = statSync(path.join(root, file));
      return [stat.size, stat.mtimeMs];
    });
  }

  /** The build directory of `target` if it was built from the sources as they are now. */
  function fresh(target) {
    let stamp;
    try {
      stamp = JSON.parse(readFileSync(stampPath(target), "utf8"));
      if (!Array.isArray(stamp.inputs) || stamp.inputs.length === 0 || typeof stamp.key !== "string" || !/^[0-9a-f]{32}$/.test(stamp.key)) return undefined;
      const dir = path.join(outRoot, `${target}-${stamp.key}`);
      if (!existsSync(dir)) return undefined;
      const stats = statsOf(stamp.inputs);
      if (JSON.stringify(stats) === JSON.stringify(stamp.stats)) return dir;
      // Touched (a checkout, a save without changes): compare contents before rebuilding.
      if (keyOf(stamp.inputs) !== stamp.key) return undefined;
      writeStamp(target, { ...stamp, stats });
      return dir;
    } catch {
      return undefined;
    }
  }

  function writeStamp(target, stamp) {
    const tmp = `${stampPath(target)}.${process.pid}`;
    writeFileSync(tmp, JSON.stringify(stamp));
    renameSync(tmp, stampPath(target));
  }

  /**
   * Each source keeps its own location: `import.meta.dirname` (lib/db/migrate.ts finds the
   * migrations with it), `import.meta.filename` and `import.meta.url` are rewritten to the source's
   * place, relative to the bundle's, so a moved checkout keeps working.
   */
  function sourceLocation(outdir) {
    return {
      name: "source-location",
      setup(build) {
        build.onLoad({ filter: /\.[cm]?[jt]s$/ }, (args) => {
          if (args.path.split(/[\\/]/).includes("node_modules")) return undefined;
          const source = readFileSync(args.path, "utf8");
          if (!source.includes("import.meta.")) return undefined;
          const relative = (to) => JSON.stringify(path.relative(outdir, to).split(path.sep).join("/"));
          const file = `__csPath.join(import.meta.dirname, ${relative(args.path)})`;
          const contents = source
            .replace(/\bimport\.meta\.dirname\b/g, `__csPath.join(import.meta.dirname, ${relative(path.dirname(args.path))})`)
            .replace(/\bimport\.meta\.filename\b/g, file)
            .replace(/\bimport\.meta\.url\b/g, `__csUrl.pathToFileURL(${file}).href`);
          const loader = path.extname(args.path).replace(/^\.[cm]?/, "");
          return { contents: `import * as __csPath from "node:path"; import * as __csUrl from "node:url";\n${contents}`, loader, resolveDir: path.dirname(args.path) };
        });
      },
    };
  }

  /** Builds `target`; its directory. Concurrent builders each write their own and the first rename wins. */
  async function compile(target) {
    const esbuild = await import("esbuild");
    mkdirSync(outRoot, { recursive: true });
    const tmp = path.join(outRoot, `tmp-${target}-${process.pid}-${Date.now()}`);
    try {
      const result = await esbuild.build({
        absWorkingDir: root,
        entryPoints: Object.fromEntries(Object.entries(targets[target]).map(([name, file]) => [name, path.join(root, file)])),
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
        plugins: [sourceLocation(tmp)],
      });
      const inputs = [...alwaysInputs, ...Object.keys(result.metafile.inputs).filter((file) => !file.split(/[\\/]/).includes("node_modules"))].sort();
      const stats = statsOf(inputs);
      const key = keyOf(inputs);
      const dir = path.join(outRoot, `${target}-${key}`);
      if (existsSync(dir)) rmSync(tmp, { recursive: true, force: true });
      else renameSync(tmp, dir);
      writeStamp(target, { key, inputs, stats });
      prune(target, dir);
      return dir;
    } catch (error) {
      rmSync(tmp, { recursive: true, force: true });
      throw error;
    }
  }

  function prune(target, keep) {
    const now = Date.now();
    for (const name of readdirSync(outRoot)) {
      const dir = path.join(outRoot, name);
      if (dir === keep || !(name.startsWith(`${target}-`) || name.startsWith(`tmp-${target}-`))) continue;
      try {
        if (now - statSync(dir).mtimeMs > PRUNE_AFTER_MS) rmSync(dir, { recursive: true, force: true });
      } catch {
        // another process pruned it first
      }
    }
  }

  /** Imports entry `entry` of `target` compiled, building it first when stale; through tsx if that fails. */
  async function importCompiled(target, entry) {
    let dir;
    try {
      dir = fresh(target) ?? (await compile(target));
    } catch {
      const { register } = await import("tsx/esm/api");
      register();
      return import(pathToFileURL(path.join(root, targets[target][entry])).href);
    }
    return import(pathToFileURL(path.join(dir, `${entry}.mjs`)).href);
  }

  /** `npm install`'s step: builds every target that is stale. A failure only warns: starts fall back to tsx. */
  async function compileAll() {
    for (const target of Object.keys(targets)) {
      if (fresh(target)) continue;
      try {
        await compile(target);
      } catch (error) {
        process.stderr.write(`countersign: could not compile the ${target} command line (${error?.message ?? error}); it will run through tsx\n`);
      }
    }
  }

  return { compile, fresh, importCompiled, compileAll };
}

const repository = compiler({ root: path.resolve(import.meta.dirname, ".."), targets: TARGETS, buildInputs: ["tsconfig.json"] });
export const { importCompiled, compileAll } = repository;
