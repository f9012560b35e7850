// The audit page notices tampering: on a server of its own (its embedded database is opened by one
// process at a time), a superuser alters a row while the server is stopped, and the page names it.
import { openEmbedded } from "../lib/db";
import { startApp } from "../test/app-server";
import { expect, fillSignIn, test } from "./fixtures";
import { ADMIN, PASSWORD } from "./state";

test("a row altered behind Countersign's back shows as \"Chain broken at #N\"", async ({ browser }) => {
  test.setTimeout(90_000);
  const options = { env: { COUNTERSIGN_ADMIN_EMAIL: ADMIN.email, COUNTERSIGN_ADMIN_PASSWORD: PASSWORD, LOG_LEVEL: "warn" } };
  let server = await startApp(options);
  const context = await browser.newContext();
  try {
    const url = server.url.replace("127.0.0.1", "localhost");
    const page = await context.newPage();
    await page.goto(`${url}/audit`);
    await fillSignIn(page, ADMIN);
    await expect(page.getByText("Chain intact.")).toBeVisible();
    await expect(page.getByText("The whole chain was walked just now.")).toBeVisible();
    // The next view reads only what is new since.
    await page.reload();
    await expect(page.getByText(/Whole chain last walked .* UTC; newer events checked on each view\./)).toBeVisible();

    await server.stop();
    const database = await openEmbedded(server.dataDir, { holder: "test" });
    try {
      await database.withSql(async (sql) => {
        await sql.exec(`DROP EVENT TRIGGER IF EXISTS countersign_audit_guard_ddl; DROP EVENT TRIGGER IF EXISTS countersign_audit_guard_drop;`);
        await sql.exec(`ALTER TABLE audit_events DISABLE TRIGGER ALL`);
        await sql.exec(`UPDATE audit_events SET data = '{"forged": true}' WHERE seq = 2`);
      });
    } finally {
      await database.close();
    }
    server = await startApp({ ...options, dataDir: server.dataDir, port: server.port });

    await page.reload();
    await expect(page.getByRole("alert").filter({ hasText: "Chain broken at #2:" })).toContainText("row 2 was altered after it was written");
    await expect(page.getByText("Chain intact.")).toHaveCount(0);
  } finally {
    await context.close();
    await server.stop();
  }
});
