// Fails the run early, with a clear message, when PostgreSQL is required but unreachable; and
// builds the app once for the tests that run the real server, and compiles the command-line
// programs once, before test files start them in parallel.
import pg from "pg";
// @ts-expect-error — plain ESM script shared with `npm start`
import { ensureBuild } from "../scripts/ensure-build.mjs";
// @ts-expect-error — plain ESM script shared with `npm install` and the CLIs' launchers
import { compileAll } from "../scripts/compiled.mjs";

export default async function setup() {
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query("SELECT 1");
    } catch (error) {
      throw new Error(`TEST_DATABASE_URL is set but PostgreSQL is unreachable: ${(error as Error).message}`);
    } finally {
      await client.end().catch(() => {});
    }
  }
  await compileAll();
  // Local shortcut for runs that start no server: COUNTERSIGN_TEST_SKIP_BUILD=1.
  if (process.env.COUNTERSIGN_TEST_SKIP_BUILD !== "1") await ensureBuild();
}
