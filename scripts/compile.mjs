// Compiles the command-line programs after `npm install` (see scripts/compiled.mjs).
import { compileAll } from "./compiled.mjs";

await compileAll();
