// HTTP resources and environment bindings in the browser: an admin registers an HTTP API whose
// credential is write-only, then declares a host that belongs to an environment.
import { randomBytes } from "node:crypto";
import { expect, signInAt, test, unique } from "./fixtures";
import { ADMIN } from "./state";

test("an admin registers an HTTP API without its credential ever coming back, and binds a host to an environment", async ({ page }) => {
  const name = unique("api/e2e");
  const secret = `e2e-token-${randomBytes(8).toString("hex")}`;
  await signInAt(page, ADMIN, "/resources");

  const form = page.getByRole("region", { name: "Register resource" });
  await form.getByLabel("Type").selectOption("http");
  await expect(form.getByText("POST /api/v1/resources/{name}/http", { exact: true })).toBeVisible();
  await expect(form.getByLabel("Connection URL")).toHaveCount(0);
  await form.getByLabel("Name", { exact: true }).fill(name);
  await form.getByLabel("Environment").selectOption("staging");
  await form.getByLabel("Base URL").fill("http://127.0.0.1:9/");
  await form.getByLabel("How the credential is sent").selectOption("bearer");
  const credential = form.getByLabel("Credential", { exact: true });
  await expect(credential).toHaveAttribute("type", "password");
  await expect(credential).toHaveAttribute("autocomplete", "off");
  await credential.fill(secret);
  await expect(form.getByLabel("Time-out (seconds)")).toHaveValue("30");
  await form.getByRole("button", { name: "Register resource" }).click();
  await expect(form.getByRole("status")).toHaveText(`Resource ${name} registered in staging. Its credential is stored encrypted and will not be shown again.`);

  const row = page.getByRole("row", { name: new RegExp(name) });
  await expect(row).toContainText("http");
  await expect(row).toContainText("http://127.0.0.1:9/");
  await expect(row).toContainText("Bearer token");
  await expect(row.getByRole("button", { name: `Replace credential of ${name}` })).toHaveText("Replace credential");
  expect(await page.content()).not.toContain(secret);
  await page.reload();
  await expect(page.getByRole("row", { name: new RegExp(name) })).toContainText("http://127.0.0.1:9/");
  expect(await page.content()).not.toContain(secret);

  // A host declared for an environment of its own, listed beside it.
  const environment = unique("e2e-bound").replace("_", "-");
  const host = `api-${randomBytes(3).toString("hex")}.e2e.example`;
  await page.goto("/environments");
  const add = page.getByRole("region", { name: "Add environment" });
  await add.getByLabel("Name").fill(environment);
  await add.getByLabel("Tier").selectOption("other");
  await add.getByRole("button", { name: "Add environment" }).click();
  await expect(add.getByText(`Environment ${environment} added`)).toBeVisible();

  const envRow = page.getByRole("row", { name: new RegExp(environment) });
  await envRow.getByText(`Edit hosts and resource names of ${environment}`).click();
  await envRow.getByLabel(`Hosts that belong to ${environment}`).fill(host);
  await envRow.getByRole("button", { name: `Save hosts and resource names of ${environment}` }).click();
  await expect(envRow.getByRole("status")).toHaveText(`Saved: 1 binding for ${environment}.`);
  await page.reload();
  await expect(page.getByRole("row", { name: new RegExp(environment) }).getByRole("listitem")).toHaveText(host);
});
