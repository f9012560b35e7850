// The command-line programs run from an esbuild bundle (scripts/compiled.mjs): a changed source
// must be rebuilt before it runs, an unchanged one reused without rebuilding.
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
// @ts-expect-error — plain ESM script shared with `npm install` and the CLIs' launchers
import { compiler } from "../scripts/compiled.mjs";

interface Compiler {
  fresh(target: string): string | undefined;
  importCompiled(target: string, entry: string): Promise<Record<string, unknown>>;
}

let root: string;
let tool: Compiler;
const write = (file: string, text: string) => writeFileSync(path.join(root, file), text);
const builds = () => readdirSync(path.join(root, "dist")).filter((name) => name.startsWith("tool-"));

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), "compiled-"));
  write("main.ts", `import { word } from "./dep";\nexport const said: string = word;\nexport const here: string = import.meta.dirname;\nexport const lazy = () => import("./later");\n`);
  write("dep.ts", `export const word = "first";\n`);
  write("later.ts", `export const late = "later";\n`);
  write("settings.json", "{}");
  tool = compiler({ root, targets: { tool: { main: "main.ts" } }, buildInputs: ["settings.json"] });
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("compiled command-line programs", () => {
  it("builds once, keeps each source's own directory, and loads dynamic imports as chunks", async () => {
    const mod = await tool.importCompiled("tool", "main");
    expect(mod.said).toBe("first");
    expect(mod.here).toBe(root);
    expect(await (mod.lazy as () => Promise<{ late: string }>)()).toMatchObject({ late: "later" });
    expect(builds()).toHaveLength(1);
    const stamp = JSON.parse(readFileSync(path.join(root, "dist/tool.json"), "utf8"));
    expect(stamp.inputs).toEqual(expect.arrayContaining(["main.ts", "dep.ts", "later.ts", "settings.json"]));
    expect(tool.fresh("tool")).toBe(path.join(root, "dist", builds()[0]));
  });

  it("rebuilds when any source changes, even one only imported by another, and when a build input changes", async () => {
    await tool.importCompiled("tool", "main");
    write("dep.ts", `export const word = "second";\n`);
    expect(tool.fresh("tool")).toBeUndefined();
    expect((await tool.importCompiled("tool", "main")).said).toBe("second");
    write("settings.json", `{"changed": true}`);
    expect(tool.fresh("tool")).toBeUndefined();
    await tool.importCompiled("tool", "main");
    expect(builds()).toHaveLength(3);
  });

  it("a source touched without a change is compared by content and not rebuilt", async () => {
    await tool.importCompiled("tool", "main");
    const built = builds();
    const later = new Date(Date.now() + 60_000);
    utimesSync(path.join(root, "dep.ts"), later, later);
    expect(tool.fresh("tool")).toBe(path.join(root, "dist", built[0]));
    expect((await tool.importCompiled("tool", "main")).said).toBe("first");
    expect(builds()).toEqual(built);
  });

  it("a deleted source or build directory means a rebuild", async () => {
    await tool.importCompiled("tool", "main");
    rmSync(path.join(root, "dist", builds()[0]), { recursive: true });
    expect(tool.fresh("tool")).toBeUndefined();
    await tool.importCompiled("tool", "main");
    rmSync(path.join(root, "later.ts"));
    expect(tool.fresh("tool")).toBeUndefined();
  });
});
