// The server process's life on the embedded database: client addresses come from the socket,
// not from headers a client chose; SIGTERM lets in-flight requests (long-polls included) finish
// with a complete answer, then releases the data folder.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import { cleanEnv, freePort, runCli, startApp, tempDataDir, type AppServer } from "./app-server";
import { CLIENT_ADDRESS_HEADER } from "../lib/http/client-address";

describe("the server process on the embedded database", () => {
  const dataDir = tempDataDir();
  const env = cleanEnv({ COUNTERSIGN_DATA_DIR: dataDir, LOG_LEVEL: "silent" });
  let server: AppServer | undefined;
  let key: string;

  beforeAll(async () => {
    const added = await runCli(["agent", "add", "--name", "lifecycle-bot", "--environments", "staging,production", "--json"], env);
    expect(added.stderr).toBe("");
    key = JSON.parse(added.stdout).key;
    server = await startApp({ dataDir });
  });
  afterAll(async () => {
    await server?.stop("SIGKILL");
  });

  it("answers the agent API's fast paths with the headers and problem details Next.js gives the other API routes", async () => {
    const fast = await fetch(`${server!.url}/api/health`);
    const viaNext = await fetch(`${server!.url}/api/v1/openapi.json`);
    expect(fast.status).toBe(200);
    expect(viaNext.status).toBe(200);
    for (const name of ["x-content-type-options", "referrer-policy", "x-frame-options", "content-security-policy"]) {
      expect(fast.headers.get(name), name).toBe(viaNext.headers.get(name));
      expect(fast.headers.get(name), name).toBeTruthy();
    }
    const badJson = await fetch(`${server!.url}/api/v1/requests`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: '{"operation": ',
    });
    expect(badJson.status).toBe(400);
    expect(badJson.headers.get("content-type")).toContain("application/problem+json");
    expect(badJson.headers.get("x-frame-options")).toBe("DENY");
  });

  it("reads a create's body on the fast path whether it declares its length or is chunked, and refuses one over 1 MiB with 413", async () => {
    const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
    const operation = { kind: "sql", target: { environment: "staging", resource: "postgres/main" }, sql: "SELECT 1" };
    const declared = await fetch(`${server!.url}/api/v1/requests`, { method: "POST", headers, body: JSON.stringify({ operation, summary: "declared length" }) });
    expect(declared.status).toBe(201);
    expect((await declared.json()).summary).toBe("declared length");
    // A stream body goes out chunked, with no Content-Length.
    const text = JSON.stringify({ operation, summary: "chunked" });
    const chunked = await fetch(`${server!.url}/api/v1/requests`, {
      method: "POST",
      headers,
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(text.slice(0, 20)));
          controller.enqueue(new TextEncoder().encode(text.slice(20)));
          controller.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(201);
    expect((await chunked.json()).summary).toBe("chunked");
    // On a connection of its own, so no later call reuses one whose upload the server answered early.
    const big = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(`${server!.url}/api/v1/requests`, { method: "POST", headers, agent: false }, (res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode!, body }));
      });
      req.on("error", reject);
      req.end(JSON.stringify({ operation, summary: "x".repeat(1024 * 1024) }));
    });
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body).code).toBe("payload_too_large");
  });

  it("serves public/robots.txt to signed-out visitors, keeping every page out of search engines", async () => {
    const robots = await fetch(`${server!.url}/robots.txt`, { redirect: "manual" });
    expect(robots.status).toBe(200);
    expect(await robots.text()).toContain("User-agent: *\nDisallow: /\n");
  });

  it("believes X-Forwarded-Host (and -Proto, -Port, Forwarded) only from a trusted proxy: a forged one changes no redirect, link or origin check", async () => {
    const forged = { "x-forwarded-host": "evil.example", "x-forwarded-proto": "https", "x-forwarded-port": "443", forwarded: "host=evil.example;proto=https" };
    // next-auth's redirect to its sign-in page carries an absolute callback URL built from the host.
    const redirect = await fetch(`${server!.url}/api/auth/signin`, { headers: forged, redirect: "manual" });
    expect(redirect.status).toBe(302);
    const location = redirect.headers.get("location")!;
    expect(location).not.toContain("evil.example");
    expect(new URL(location, server!.url).searchParams.get("callbackUrl")).toBe(`http://localhost:${server!.port}`);
    expect(redirect.headers.get("set-cookie") ?? "").not.toContain("evil.example");
    // The links next-auth hands out (sign-in and OIDC callback URLs).
    const providers = await (await fetch(`${server!.url}/api/auth/providers`, { headers: forged })).json();
    expect(JSON.stringify(providers)).not.toContain("evil.example");
    expect(providers.credentials.callbackUrl).toBe(`http://localhost:${server!.port}/api/auth/callback/credentials`);

    // A cross-site server action (the sign-in form's) whose forged X-Forwarded-Host matches its forged Origin.
    const manifest = JSON.parse(readFileSync(path.join(import.meta.dirname, "../.next/server/server-reference-manifest.json"), "utf8"));
    const actionId = Object.entries(manifest.node as Record<string, { exportedName?: string }>).find(([, a]) => a.exportedName === "signInWithPasswordAction")![0];
    const signIn = (headers: Record<string, string>) => {
      const form = new FormData();
      form.append("0", JSON.stringify([{}, "$K1"]));
      form.append("1_email", "nobody@example.com");
      form.append("1_password", "not-the-password");
      return fetch(`${server!.url}/signin`, { method: "POST", headers: { "next-action": actionId, accept: "text/x-component", ...headers }, body: form }).then(async (r) => ({ status: r.status, body: await r.text() }));
    };
    // From the site itself the action runs (and refuses the password): the request reaches it.
    const sameSite = await signIn({ origin: `http://127.0.0.1:${server!.port}` });
    expect(sameSite.status).toBe(200);
    expect(sameSite.body).toContain("That email and password do not match an active account.");
    // From another site, even claiming that site as the forwarded host, it is refused before running.
    const crossSite = await signIn({ origin: "http://evil.example", ...forged });
    expect(crossSite.status).not.toBe(200);
    expect(crossSite.body).not.toContain("do not match");
  });

  it("locks out a source after 20 bad keys, however it forges X-Forwarded-For or the internal client-address header, for bad keys only", async () => {
    const bad = `csk_0123456789abcdef_${"y".repeat(43)}`;
    const attempt = (token: string, i: number) =>
      fetch(`${server!.url}/api/v1/requests/00000000-0000-4000-8000-000000000000`, {
        // The forged internal client-address header too: the server overwrites it with the socket's address.
        headers: { authorization: `Bearer ${token}`, "x-forwarded-for": `203.0.113.${i}`, "x-real-ip": `198.51.100.${i}`, [CLIENT_ADDRESS_HEADER]: `192.0.2.${i}` },
      });
    for (let i = 0; i < 20; i++) expect((await attempt(bad, i)).status).toBe(401);
    const refused = await attempt(bad, 99);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    // The read above is answered by the custom server's fast path; the lockout holds on the routes
    // Next.js answers too (one count per process, whichever serves the route).
    const viaNext = await fetch(`${server!.url}/api/v1/requests/00000000-0000-4000-8000-000000000000/cancel`, { method: "POST", headers: { authorization: `Bearer ${bad}` } });
    expect(viaNext.status).toBe(429);
    // Another agent's valid key from the same address still works: its request simply does not exist.
    expect((await attempt(key, 100)).status).toBe(404);
  });

  it("on SIGTERM answers a held long-poll in full, exits 0 and releases the folder", async () => {
    // The lockout above is per process: a restart clears it (the counts live in the database).
    await server!.stop("SIGTERM");
    server = await startApp({ dataDir });
    const created = await fetch(`${server.url}/api/v1/requests`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ operation: { kind: "sql", target: { environment: "production", resource: "postgres/main" }, sql: "DROP TABLE customers" } }),
    });
    expect(created.status).toBe(201);
    const request = await created.json();
    expect(request.status).toBe("pending");

    const started = Date.now();
    const poll = fetch(`${server.url}/api/v1/requests/${request.id}?wait=30`, { headers: { authorization: `Bearer ${key}` } }).then(async (res) => ({
      status: res.status,
      body: await res.json(),
      at: Date.now(),
    }));
    await new Promise((r) => setTimeout(r, 1500));
    const signalled = Date.now();
    const exited = server.stop("SIGTERM");
    const answer = await poll;
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ id: request.id, status: "pending" });
    // Answered because of the shutdown, long before its 30 s wait.
    expect(answer.at - signalled).toBeLessThan(5_000);
    expect(answer.at - started).toBeGreaterThan(1_000);
    expect(await exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(10_000);
    expect(server.logs()).toContain('"msg":"stopped"');
    server = undefined;

    expect(existsSync(path.join(dataDir, "countersign.lock"))).toBe(false);
    const list = await runCli(["agent", "list", "--json"], env);
    expect(list.stderr).toBe("");
    expect(JSON.parse(list.stdout).map((a: { name: string }) => a.name)).toEqual(["lifecycle-bot"]);
  }, 60_000);
});

describe("npm start", () => {
  const root = path.resolve(import.meta.dirname, "..");
  let npm: ChildProcess | undefined;

  afterAll(() => {
    // The whole process group: whatever npm started must not outlive the test, even when the fix is missing.
    if (npm?.pid) {
      try {
        process.kill(-npm.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  });

  it("passes a SIGTERM sent to npm (as process managers signal the parent) on to the server, which shuts down gracefully and exits 0", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = cleanEnv({ PORT: String(port), COUNTERSIGN_DATA_DIR: tempDataDir(), LOG_LEVEL: "info" });
    // Its own process group, so the clean-up above reaches every process npm started.
    npm = spawn("npm", ["start"], { cwd: root, env: env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let output = "";
    npm.stdout!.on("data", (d: Buffer) => (output += d));
    npm.stderr!.on("data", (d: Buffer) => (output += d));
    const exited = new Promise<number | null>((resolve) => npm!.on("exit", (code) => resolve(code)));
    const healthy = async () => fetch(`${url}/api/health`).then((r) => r.ok, () => false);
    const deadline = Date.now() + 120_000;
    while (!(await healthy())) {
      if (npm.exitCode !== null) throw new Error(`npm start exited early (${npm.exitCode}):\n${output}`);
      if (Date.now() > deadline) throw new Error(`npm start did not become healthy:\n${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }

    npm.kill("SIGTERM"); // npm's own process only, not its group
    expect(await exited).toBe(0);
    expect(output).toContain('"msg":"shutting down"');
    expect(output).toContain('"msg":"stopped"');
    // The server itself is gone: nothing answers on its port, and its data folder is free again.
    expect(await healthy()).toBe(false);
    expect(existsSync(path.join(env.COUNTERSIGN_DATA_DIR, "countersign.lock"))).toBe(false);
  }, 180_000);
});
