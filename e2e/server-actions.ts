// Calls the running build's server actions over HTTP, the way a browser form does, with whatever
// session and Origin a test chooses: to check that every state-changing action refuses cross-site
// requests and the wrong roles on the server, not only by hiding buttons.
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Browser } from "@playwright/test";
import { fillSignIn } from "./fixtures";
import type { ADMIN, E2EUser } from "./state";

interface ManifestEntry {
  exportedName?: string;
  filename?: string;
}

let manifest: Record<string, ManifestEntry> | undefined;

/** The id Next.js gave the exported server action `name` in this build. */
export function actionId(name: string): string {
  manifest ??= JSON.parse(readFileSync(path.resolve(import.meta.dirname, "..", ".next/server/server-reference-manifest.json"), "utf8")).node;
  const ids = Object.entries(manifest!).filter(([, entry]) => entry.exportedName === name);
  if (ids.length !== 1) throw new Error(`expected one server action named ${name}, found ${ids.length}`);
  return ids[0][0];
}

export interface ActionCall {
  /** The page the form lives on, e.g. "/agents". */
  page: string;
  action: string;
  fields: Record<string, string | string[]>;
  /** The `Cookie` header: whose session. */
  cookie: string;
  /** The `Origin` header; null sends none. Default: the app's own origin. */
  origin?: string | null;
  secFetchSite?: string;
}

export interface ActionAnswer {
  status: number;
  text: string;
}

/** Posts a form-bound action (`useActionState`: arguments [previous state, form data]). */
export async function callAction(baseURL: string, call: ActionCall): Promise<ActionAnswer> {
  const body = new FormData();
  for (const [name, value] of Object.entries(call.fields)) {
    for (const v of Array.isArray(value) ? value : [value]) body.append(`_1_${name}`, v);
  }
  // React's reply encoding: argument 1 is the FormData whose entries carry the "_1_" prefix.
  body.append("0", JSON.stringify([{}, "$K1"]));
  const headers: Record<string, string> = {
    accept: "text/x-component",
    "next-action": actionId(call.action),
    cookie: call.cookie,
  };
  const origin = call.origin === undefined ? new URL(baseURL).origin : call.origin;
  if (origin !== null) headers.origin = origin;
  if (call.secFetchSite) headers["sec-fetch-site"] = call.secFetchSite;
  const res = await fetch(new URL(call.page, baseURL), { method: "POST", headers, body, redirect: "manual" });
  return { status: res.status, text: await res.text() };
}

/** Signs `user` in through the real form in a throwaway context and returns their Cookie header. */
export async function sessionCookie(browser: Browser, baseURL: string, user: E2EUser | typeof ADMIN): Promise<string> {
  const context = await browser.newContext({ baseURL });
  try {
    const page = await context.newPage();
    await page.goto("/signin");
    await fillSignIn(page, user);
    await page.waitForURL((url) => url.pathname === "/");
    return (await context.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
  } finally {
    await context.close();
  }
}

/** The audit events (JSON lines export) matching `query`, read as an admin. */
export async function auditEvents(baseURL: string, adminCookie: string, query: Record<string, string>): Promise<Array<Record<string, any>>> {
  const res = await fetch(new URL(`/audit/export?${new URLSearchParams({ ...query, format: "jsonl" })}`, baseURL), { headers: { cookie: adminCookie } });
  if (res.status !== 200) throw new Error(`audit export answered ${res.status}`);
  const text = (await res.text()).trim();
  return text ? text.split("\n").map((line) => JSON.parse(line)) : [];
}
