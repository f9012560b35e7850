// Shared steps: the agent's side of the API (plain fetch with its key), and signing in as a person.
import { randomBytes } from "node:crypto";
import { expect, test as base, type Page } from "@playwright/test";
import path from "node:path";
import { ADMIN, PASSWORD, USERS, e2eState, type E2EUser } from "./state";
import { cleanEnv, runCli } from "../test/app-server";

// Each spec file asks through an agent of its own (same owner and environments as the shared
// e2e-deploy-bot): the circuit breaker counts critical requests per agent, and one agent sending
// every spec's DROP TABLEs would rightly be quarantined part-way through the run.
const agentsByFile = new Map<string, Promise<AgentApi>>();

function agentForFile(file: string): Promise<AgentApi> {
  const state = e2eState();
  const key = `${state.url} ${file}`;
  let agent = agentsByFile.get(key);
  if (!agent) {
    const name = `e2e-deploy-bot-${path.basename(file, ".spec.ts")}-${randomBytes(2).toString("hex")}`;
    agent = runCli(
      ["agent", "add", `--name=${name}`, "--environments=production,staging,development", `--owner=${USERS.owner.email}`, "--json"],
      cleanEnv({ ...state.cliEnv, LOG_LEVEL: "silent" }),
    ).then((res) => {
      if (res.code !== 0) throw new Error(`agent add ${name} failed: ${res.stderr}`);
      return new AgentApi(state.url, (JSON.parse(res.stdout) as { key: string }).key, name);
    });
    agentsByFile.set(key, agent);
  }
  return agent;
}

export const test = base.extend<{ agent: AgentApi }>({
  baseURL: async ({}, use) => use(e2eState().url),
  agent: async ({}, use, testInfo) => use(await agentForFile(testInfo.file)),
});
export { expect };

export function unique(prefix: string): string {
  return `${prefix}_${randomBytes(3).toString("hex")}`;
}

export interface ApiAnswer<T = any> {
  status: number;
  body: T;
}

export class AgentApi {
  constructor(
    readonly url: string,
    readonly key: string,
    readonly name?: string,
  ) {}

  async call(method: string, path: string, body?: unknown): Promise<ApiAnswer> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  async create(body: Record<string, unknown>): Promise<{ id: string; status: string; requiredApprovals: number; risk: { level: string } }> {
    const res = await this.call("POST", "/api/v1/requests", body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  }

  get(id: string, wait?: number) {
    return this.call("GET", `/api/v1/requests/${id}${wait ? `?wait=${wait}` : ""}`);
  }

  redeem(token: string, operation: unknown) {
    return this.call("POST", "/api/v1/grants/redeem", { token, operation });
  }
}

export function sqlOperation(sql: string, resource: string, environment = "production") {
  return { kind: "sql", target: { environment, resource }, sql };
}

/** Signs in on the sign-in page (the page must already show it). */
export async function fillSignIn(page: Page, user: E2EUser | typeof ADMIN) {
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

/** Opens `path` signed in as `user`, signing in first through the real form. */
export async function signInAt(page: Page, user: E2EUser, path = "/") {
  await page.goto(`/signin?callbackUrl=${encodeURIComponent(path)}`);
  await fillSignIn(page, user);
  await page.waitForURL((url) => url.pathname === path.split("?")[0]);
}
