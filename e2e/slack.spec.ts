// Slack: settings, and the deep link a reviewer follows from a notification. Serial: the webhook
// is one setting for the whole server.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect, fillSignIn, signInAt, sqlOperation, test, unique } from "./fixtures";
import { ADMIN, USERS } from "./state";

test.describe.configure({ mode: "serial" });

function receiver() {
  const received: string[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      received.push(body);
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
  });
  return {
    received,
    async start() {
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/e2e-secret-path`;
    },
    close: () => server.close(),
  };
}

test("an admin sets the Slack webhook and sends a test message", async ({ page }) => {
  const slack = receiver();
  const received = slack.received;
  const webhook = await slack.start();
  try {
    await signInAt(page, ADMIN, "/settings");
    await page.getByLabel("Slack webhook URL").fill(webhook);
    await page.getByRole("button", { name: "Save webhook" }).click();
    await expect(page.getByText("Saved.")).toBeVisible();
    // The secret path is never shown again in full.
    await expect(page.getByText(webhook)).toHaveCount(0);
    await page.getByRole("button", { name: "Send test" }).click();
    await expect(page.getByText("Test message sent.")).toBeVisible();
    expect(received.length).toBeGreaterThan(0);
    expect(JSON.parse(received[0])).toHaveProperty("text");
  } finally {
    // Leave notifications off for the other specs.
    await page.getByLabel("Slack webhook URL").fill("");
    await page.getByRole("button", { name: "Save webhook" }).click();
    await expect(page.getByText(/Removed\./)).toBeVisible();
    slack.close();
  }
});

test("a pending request reaches Slack with a deep link; the reviewer follows it, signs in and denies", async ({ browser, page, agent, baseURL }) => {
  const slack = receiver();
  const webhook = await slack.start();
  try {
    await signInAt(page, ADMIN, "/settings");
    await page.getByLabel("Slack webhook URL").fill(webhook);
    await page.getByRole("button", { name: "Save webhook" }).click();
    await expect(page.getByText("Saved.")).toBeVisible();

    const resource = unique("postgres/main");
    const created = await agent.create({
      operation: sqlOperation(`DROP TABLE ${unique("orders")};`, resource),
      summary: "Tidy up <!channel> @here <https://evil.example|click me>",
    });
    expect(created.status).toBe("pending");

    // The worker delivers within seconds; find this request's message.
    let message: any;
    await expect
      .poll(() => {
        message = slack.received.map((b) => JSON.parse(b)).find((m) => JSON.stringify(m).includes(created.id));
        return Boolean(message);
      }, { timeout: 20_000 })
      .toBe(true);
    const raw = JSON.stringify(message);
    expect(raw).not.toContain("<!channel>");
    expect(raw).not.toContain("<https://evil.example|click me>");
    expect(raw).not.toMatch(/(^|[^\u200d])@here/);
    const link = raw.match(/"url":"([^"]+\/requests\/[^"]+)"/)![1];
    expect(link).toBe(`${baseURL}/requests/${created.id}`);

    // A signed-out reviewer opens the link from Slack, signs in, and lands on the request.
    const phone = await browser.newContext({ baseURL, viewport: { width: 390, height: 844 } });
    const reviewer = await phone.newPage();
    await reviewer.goto(link);
    await expect(reviewer).toHaveURL(/\/signin\?callbackUrl=/);
    await fillSignIn(reviewer, USERS.bob);
    await expect(reviewer).toHaveURL(new RegExp(`/requests/${created.id}$`));
    await reviewer.getByLabel("Reason").fill("Not without a backup first");
    await reviewer.getByRole("button", { name: "Deny" }).click();
    const answer = await agent.get(created.id, 10);
    expect(answer.body).toMatchObject({ status: "denied", reason: "Not without a backup first" });
    await phone.close();

    // The decision follows up in Slack.
    await expect
      .poll(() => slack.received.filter((b) => b.includes(created.id)).length, { timeout: 20_000 })
      .toBeGreaterThanOrEqual(2);
  } finally {
    await page.goto("/settings");
    await page.getByLabel("Slack webhook URL").fill("");
    await page.getByRole("button", { name: "Save webhook" }).click();
    await expect(page.getByText(/Removed\./)).toBeVisible();
    slack.close();
  }
});
