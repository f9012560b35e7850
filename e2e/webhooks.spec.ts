// Webhooks as an admin meets them: add an endpoint, keep the secret shown once, see a request's
// delivery arrive signed and listed as delivered, then disable and remove the endpoint.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { expect, signInAt, sqlOperation, test, unique } from "./fixtures";
import { ADMIN } from "./state";

test("an admin adds a webhook, a request's delivery arrives signed and is listed; then disable and remove", async ({ page, agent }) => {
  const received: Array<{ body: string; headers: Record<string, string> }> = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      received.push({ body, headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/${unique("hook")}`;
  try {
    await signInAt(page, ADMIN, "/webhooks");
    await page.getByLabel("Endpoint URL").fill(url);
    await page.getByLabel("Description").fill("On-call");
    for (const event of ["request.decided", "request.executed", "request.failed", "agent.quarantined"]) await page.getByRole("checkbox", { name: new RegExp(event.replace(".", "\\.")) }).uncheck();
    await page.getByRole("button", { name: "Add webhook" }).click();
    const secret = (await page.getByLabel("Signing secret").textContent())!.trim();
    expect(secret).toMatch(/^whsec_/);

    const request = await agent.create({ operation: sqlOperation("DELETE FROM orders WHERE id = 7", unique("postgres/orders")), summary: "webhook e2e" });
    await expect.poll(() => received.find((r) => r.body.includes(request.id)), { timeout: 20_000 }).toBeTruthy();
    const delivery = received.find((r) => r.body.includes(request.id))!;
    const event = new Webhook(secret).verify(delivery.body, delivery.headers) as { type: string; data: { request: { id: string; url: string } } };
    expect(event.type).toBe("request.created");
    expect(event.data.request.url).toMatch(new RegExp(`/requests/${request.id}$`));

    // Listed with its last attempt; after a reload the secret is nowhere on the page.
    await page.reload();
    await expect(page.getByText(delivery.headers["webhook-id"])).toBeVisible();
    await expect(page.getByText("Delivered").first()).toBeVisible();
    await expect(page.getByText(secret)).toHaveCount(0);

    await page.getByRole("button", { name: `Disable webhook ${url}` }).click();
    await expect(page.getByRole("button", { name: `Enable webhook ${url}` })).toBeVisible();
    page.once("dialog", (dialog) => dialog.accept());
    await page.getByRole("button", { name: `Remove webhook ${url}` }).click();
    await expect(page.getByText(url, { exact: true })).toHaveCount(0);
  } finally {
    server.close();
  }
});
