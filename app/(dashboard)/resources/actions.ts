"use server";

import { refresh } from "next/cache";
import { db } from "@/lib/db";
import { config } from "@/lib/env";
import { registerResource, removeResource, updateResourceConnection, type HttpConfig, type RegisterResource } from "@/lib/resources";
import { requireActionReviewer } from "@/lib/auth/session";
import { actionError, formString, type ActionResult } from "@/lib/dashboard/action-result";

// The connection URL or credential comes in with the form and goes nowhere else: not into an
// answer, a log line or the audit log. Each action checks the admin role and refuses cross-site
// requests itself.

/** A list field typed as text: entries separated by commas or any white space. */
function formList(form: FormData, name: string): string[] {
  return form
    .getAll(name)
    .flatMap((value) => (typeof value === "string" ? value.split(/[\s,]+/) : []))
    .filter(Boolean);
}

/**
 * What the register form sent, as `registerResource` takes it. Values are passed on as typed (an
 * empty time-out means the default): the domain's schema judges them and names the bad fields.
 */
function registration(form: FormData): RegisterResource {
  const common = { name: formString(form, "name"), environment: formString(form, "environment"), description: formString(form, "description") };
  // A form without a type is the PostgreSQL form (older pages, scripts).
  if (formString(form, "kind") !== "http") return { ...common, kind: "postgres", connectionUrl: formString(form, "connectionUrl") };
  const authType = formString(form, "authType");
  const auth = (authType === "header" || authType === "query" ? { type: authType, name: formString(form, "authName") } : { type: authType }) as HttpConfig["auth"];
  const timeout = formString(form, "timeoutSeconds");
  return {
    ...common,
    kind: "http",
    baseUrl: formString(form, "baseUrl"),
    auth,
    allowedMethods: formList(form, "allowedMethods").map((method) => method.toUpperCase()),
    allowedPathPrefixes: formList(form, "allowedPathPrefixes"),
    allowPrivateNetwork: form.get("allowPrivateNetwork") === "on",
    catalog: formString(form, "catalog") || null,
    ...(timeout ? { timeoutSeconds: Number(timeout) } : {}),
    secret: formString(form, "secret"),
  };
}

/** The register form's answer, with what it should show again: never the connection URL or credential. */
export type RegisterResult = ActionResult & { values?: Record<string, string | string[]> };

/**
 * The fields to fill in again after a refusal, so fixing one field does not mean typing the rest.
 * The base URL comes back only when it carries no credentials, query or fragment: a refused URL
 * may hold a secret, and secrets go nowhere but the encrypted column.
 */
function formValues(form: FormData): Record<string, string | string[]> {
  const values: Record<string, string | string[]> = {};
  for (const field of ["kind", "name", "environment", "description", "authType", "authName", "allowedPathPrefixes", "catalog", "timeoutSeconds", "allowPrivateNetwork"]) {
    const value = formString(form, field);
    if (value) values[field] = value;
  }
  values.allowedMethods = form.getAll("allowedMethods").filter((value): value is string => typeof value === "string");
  const baseUrl = formString(form, "baseUrl");
  try {
    const url = new URL(baseUrl);
    if (!url.username && !url.password && !url.search && !url.hash) values.baseUrl = baseUrl;
  } catch {
    // Not a URL: left empty, and its field error says what is wrong.
  }
  return values;
}

// Server action: registers a database for the built-in executor or an HTTP API for the broker.
export async function registerResourceAction(_prev: RegisterResult, form: FormData): Promise<RegisterResult> {
  try {
    const admin = await requireActionReviewer("admin");
    const resource = await registerResource(await db(), config(), registration(form), { type: "user", id: admin.id });
    refresh();
    const secret = resource.kind === "http" ? "credential" : "connection URL";
    // The form stays on the type just registered, its fields empty for the next one.
    return { done: `Resource ${resource.name} registered in ${resource.environment}. Its ${secret} is stored encrypted and will not be shown again.`, values: { kind: resource.kind } };
  } catch (error) {
    return { ...actionError(error), values: formValues(form) };
  }
}

// Server action: replaces a database's connection URL (a rotated password, a moved database) or
// an HTTP API's credential (a rotated token).
export async function replaceConnectionUrlAction(_prev: ActionResult, form: FormData): Promise<ActionResult> {
  try {
    const admin = await requireActionReviewer("admin");
    const value = form.has("secret") ? formString(form, "secret") : formString(form, "connectionUrl");
    const resource = await updateResourceConnection(await db(), config(), formString(form, "name"), value, { type: "user", id: admin.id });
    refresh();
    return { done: resource.kind === "http" ? `Credential of ${resource.name} replaced.` : `Connection URL of ${resource.name} replaced.` };
  } catch (error) {
    return actionError(error);
  }
}

// Server action: removes a resource; the built-in executor can no longer reach it.
export async function removeResourceAction(_prev: ActionResult, form: FormData): Promise<ActionResult> {
  try {
    const admin = await requireActionReviewer("admin");
    const resource = await removeResource(await db(), formString(form, "name"), { type: "user", id: admin.id });
    refresh();
    return { done: `Resource ${resource.name} removed.` };
  } catch (error) {
    return actionError(error);
  }
}
