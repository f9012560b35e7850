// `npm run cli`: the admin CLI (cli/index.ts), compiled ahead of time (scripts/compiled.mjs).
import { importCompiled } from "./compiled.mjs";

await importCompiled("admin", "index");
