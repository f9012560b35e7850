"use client";

import { useActionState, useId, useState } from "react";
import { buttonStyles, inputClass, labelClass, Notice } from "@/components/ui";
import { ActionFeedback, type ActionResult } from "@/components/action-form";
import { registerResourceAction, replaceConnectionUrlAction, type RegisterResult } from "./actions";

export interface CatalogOption {
  name: string;
  provider: string;
}

const AUTH_TYPES = [
  { value: "bearer", label: "Bearer token" },
  { value: "basic", label: "Basic (user:password)" },
  { value: "header", label: "Header named…" },
  { value: "query", label: "Query parameter named…" },
] as const;

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

const checkboxClass = "h-4 w-4 accent-zinc-900 dark:accent-zinc-100";

/**
 * A write-only secret field (a connection URL or an HTTP credential): a password input the
 * browser neither fills nor offers to save.
 */
function SecretInput({
  id,
  name,
  placeholder,
  maxLength,
  label,
  describedBy,
  invalid,
  className = "",
}: {
  id: string;
  name: "connectionUrl" | "secret";
  placeholder: string;
  maxLength: number;
  label?: string;
  describedBy?: string;
  invalid?: boolean;
  className?: string;
}) {
  return (
    <input
      id={id}
      name={name}
      type="password"
      required
      maxLength={maxLength}
      autoComplete="off"
      spellCheck={false}
      placeholder={placeholder}
      aria-label={label}
      aria-describedby={describedBy}
      aria-invalid={invalid || undefined}
      className={`${inputClass} font-mono ${className}`}
    />
  );
}

const POSTGRES_SECRET = { name: "connectionUrl", placeholder: "postgresql://user:password@host:5432/database", maxLength: 4096 } as const;
const HTTP_SECRET = { name: "secret", placeholder: "token, user:password or the header's value", maxLength: 16 * 1024 } as const;

export function RegisterResourceForm({ environments, catalogs }: { environments: Array<{ name: string; tier: string }>; catalogs: CatalogOption[] }) {
  // Each answer remounts the fields: their defaults are what the answer says to show again.
  const [state, action, pending] = useActionState<RegisterResult & { attempt?: number }, FormData>(
    async (prev, form) => ({ ...(await registerResourceAction(prev, form)), attempt: (prev.attempt ?? 0) + 1 }),
    {},
  );
  return (
    <div className="space-y-3">
      {state.error && <Notice tone="error">{state.error}</Notice>}
      {state.done && <Notice tone="success">{state.done}</Notice>}
      <RegisterFields key={state.attempt ?? 0} action={action} pending={pending} state={state} environments={environments} catalogs={catalogs} />
    </div>
  );
}

function RegisterFields({
  action,
  pending,
  state,
  environments,
  catalogs,
}: {
  action: (form: FormData) => void;
  pending: boolean;
  state: RegisterResult;
  environments: Array<{ name: string; tier: string }>;
  catalogs: CatalogOption[];
}) {
  const id = useId();
  const values = state.values ?? {};
  const text = (field: string, fallback = "") => (typeof values[field] === "string" ? (values[field] as string) : fallback);
  const [kind, setKind] = useState(text("kind", "postgres") === "http" ? "http" : "postgres");
  const [authType, setAuthType] = useState(text("authType", "bearer"));
  const methods = Array.isArray(values.allowedMethods) ? values.allowedMethods : [];

  // The messages for a field and its entries (`allowedPathPrefixes.2` is the third entry).
  const errorsFor = (...fields: string[]) =>
    Object.entries(state.fieldErrors ?? {}).flatMap(([key, message]) => {
      if (fields.includes(key)) return [message];
      const entry = /^(.+)\.(\d+)$/.exec(key);
      return entry && fields.includes(entry[1]) ? [`Entry ${Number(entry[2]) + 1}: ${message}`] : [];
    });
  const errorId = (field: string) => `${id}-${field}-error`;
  const fieldError = (field: string, ...also: string[]) => {
    const messages = errorsFor(field, ...also);
    return messages.length > 0 ? (
      <p id={errorId(field)} className="mt-1 text-xs text-red-700 dark:text-red-400">
        {messages.join(" ")}
      </p>
    ) : null;
  };
  const invalid = (field: string, ...also: string[]) => errorsFor(field, ...also).length > 0;
  const describedBy = (field: string, help?: string, ...also: string[]) => [help, invalid(field, ...also) ? errorId(field) : null].filter(Boolean).join(" ") || undefined;

  const route = kind === "http" ? "http" : "sql";
  return (
    <form action={action} className="grid gap-3 sm:grid-cols-2">
      <div>
        <label htmlFor={`${id}-kind`} className={labelClass}>
          Type
        </label>
        <select id={`${id}-kind`} name="kind" value={kind} onChange={(e) => setKind(e.target.value === "http" ? "http" : "postgres")} className={`${inputClass} mt-1`}>
          <option value="postgres">PostgreSQL database</option>
          <option value="http">HTTP API</option>
        </select>
      </div>
      <div className="hidden sm:block" />
      <div>
        <label htmlFor={`${id}-name`} className={labelClass}>
          Name
        </label>
        <input
          id={`${id}-name`}
          name="name"
          required
          maxLength={100}
          pattern="[a-z0-9][a-z0-9._/\-]*"
          autoComplete="off"
          placeholder={kind === "http" ? "api/github" : "postgres/orders"}
          defaultValue={text("name")}
          aria-describedby={describedBy("name", `${id}-name-help`)}
          aria-invalid={invalid("name") || undefined}
          className={`${inputClass} mt-1 font-mono`}
        />
        <p id={`${id}-name-help`} className="mt-1 text-xs text-zinc-600 dark:text-zinc-400">
          What agents name in <code>POST /api/v1/resources/&#123;name&#125;/{route}</code>. Lower-case letters, digits, “.”, “_”, “/” and “-”.
        </p>
        {fieldError("name")}
      </div>
      <div>
        <label htmlFor={`${id}-environment`} className={labelClass}>
          Environment
        </label>
        <select
          id={`${id}-environment`}
          name="environment"
          required
          defaultValue={text("environment")}
          aria-describedby={describedBy("environment")}
          aria-invalid={invalid("environment") || undefined}
          className={`${inputClass} mt-1`}
        >
          <option value="" disabled>
            Choose…
          </option>
          {environments.map((env) => (
            <option key={env.name} value={env.name}>
              {env.name}
              {env.tier === "production" ? " (production)" : ""}
            </option>
          ))}
        </select>
        <p className="mt-1 text-xs text-zinc-600 dark:text-zinc-400">Requests on this resource are always in this environment, whatever the agent says.</p>
        {fieldError("environment")}
      </div>
      {kind === "postgres" ? (
        <div className="sm:col-span-2">
          <label htmlFor={`${id}-url`} className={labelClass}>
            Connection URL
          </label>
          <SecretInput {...POSTGRES_SECRET} id={`${id}-url`} describedBy={describedBy("connectionUrl", `${id}-url-help`)} invalid={invalid("connectionUrl")} className="mt-1" />
          <p id={`${id}-url-help`} className="mt-1 text-xs text-zinc-600 dark:text-zinc-400">
            Write-only: stored encrypted, never shown again, logged or audited. Prefer a role that can do only what agents should.
          </p>
          {fieldError("connectionUrl")}
        </div>
      ) : (
        <>
          <div className="sm:col-span-2">
            <label htmlFor={`${id}-base-url`} className={labelClass}>
              Base URL
            </label>
            <input
              id={`${id}-base-url`}
              name="baseUrl"
              type="url"
              required
              maxLength={2048}
              autoComplete="off"
              spellCheck={false}
              placeholder="https://api.example.com/"
              defaultValue={text("baseUrl")}
              aria-describedby={describedBy("baseUrl", `${id}-base-url-help`)}
              aria-invalid={invalid("baseUrl") || undefined}
              className={`${inputClass} mt-1 font-mono`}
            />
            <p id={`${id}-base-url-help`} className="mt-1 text-xs text-zinc-600 dark:text-zinc-400">
              Agents call paths under it. No credentials, query or fragment: the credential goes below.
            </p>
            {fieldError("baseUrl")}
          </div>
          <div>
            <label htmlFor={`${id}-auth-type`} className={labelClass}>
              How the credential is sent
            </label>
            <select
              id={`${id}-auth-type`}
              name="authType"
              value={authType}
              onChange={(e) => setAuthType(e.target.value)}
              aria-describedby={describedBy("auth", undefined, "auth.type")}
              aria-invalid={invalid("auth", "auth.type") || undefined}
              className={`${inputClass} mt-1`}
            >
              {AUTH_TYPES.map((auth) => (
                <option key={auth.value} value={auth.value}>
                  {auth.label}
                </option>
              ))}
            </select>
            {fieldError("auth", "auth.type")}
          </div>
          {authType === "header" || authType === "query" ? (
            <div>
              <label htmlFor={`${id}-auth-name`} className={labelClass}>
                {authType === "header" ? "Header name" : "Query parameter name"}
              </label>
              <input
                id={`${id}-auth-name`}
                name="authName"
                required
                maxLength={100}
                autoComplete="off"
                spellCheck={false}
                placeholder={authType === "header" ? "X-Api-Key" : "api_key"}
                defaultValue={text("authName")}
                aria-describedby={describedBy("auth.name")}
                aria-invalid={invalid("auth.name") || undefined}
                className={`${inputClass} mt-1 font-mono`}
              />
              {fieldError("auth.name")}
            </div>
          ) : (
            <div className="hidden sm:block" />
          )}
          <div className="sm:col-span-2">
            <label htmlFor={`${id}-secret`} className={labelClass}>
              Credential
            </label>
            <SecretInput {...HTTP_SECRET} id={`${id}-secret`} describedBy={describedBy("secret", `${id}-secret-help`)} invalid={invalid("secret")} className="mt-1" />
            <p id={`${id}-secret-help`} className="mt-1 text-xs text-zinc-600 dark:text-zinc-400">
              {authType === "basic" ? "user:password. " : ""}Write-only: stored encrypted, added to each call by Countersign, never shown again, logged or audited. Prefer a token that can
              do only what agents should.
            </p>
            {fieldError("secret")}
          </div>
          <fieldset aria-describedby={describedBy("allowedMethods", `${id}-methods-help`)}>
            <legend className={labelClass}>Allowed methods</legend>
            <div className="mt-1 flex flex-wrap gap-x-3 gap-y-1">
              {METHODS.map((method) => (
                <label key={method} className="flex items-center gap-1.5 font-mono text-xs">
                  <input type="checkbox" name="allowedMethods" value={method} defaultChecked={methods.includes(method)} className={checkboxClass} />
                  {method}
                </label>
              ))}
            </div>
            <p id={`${id}-methods-help`} className="mt-1 text-xs text-zinc-600 dark:text-zinc-400">
              None ticked: every method.
            </p>
            {fieldError("allowedMethods")}
          </fieldset>
          <div>
            <label htmlFor={`${id}-prefixes`} className={labelClass}>
              Allowed path prefixes
            </label>
            <input
              id={`${id}-prefixes`}
              name="allowedPathPrefixes"
              maxLength={5000}
              autoComplete="off"
              spellCheck={false}
              placeholder="/v1/orders, /v1/customers"
              defaultValue={text("allowedPathPrefixes")}
              aria-describedby={describedBy("allowedPathPrefixes", `${id}-prefixes-help`)}
              aria-invalid={invalid("allowedPathPrefixes") || undefined}
              className={`${inputClass} mt-1 font-mono`}
            />
            <p id={`${id}-prefixes-help`} className="mt-1 text-xs text-zinc-600 dark:text-zinc-400">
              Comma-separated. Empty: every path under the base URL.
            </p>
            {fieldError("allowedPathPrefixes")}
          </div>
          <div>
            <label htmlFor={`${id}-catalog`} className={labelClass}>
              Catalog
            </label>
            <select
              id={`${id}-catalog`}
              name="catalog"
              defaultValue={text("catalog")}
              aria-describedby={describedBy("catalog", `${id}-catalog-help`)}
              aria-invalid={invalid("catalog") || undefined}
              className={`${inputClass} mt-1`}
            >
              <option value="">— follow the base URL&apos;s host —</option>
              {catalogs.map((catalog) => (
                <option key={catalog.name} value={catalog.name}>
                  {catalog.name} ({catalog.provider})
                </option>
              ))}
            </select>
            <p id={`${id}-catalog-help`} className="mt-1 text-xs text-zinc-600 dark:text-zinc-400">
              Which provider&apos;s catalog judges the risk of each call, for an API reached through a proxy or another host name.
            </p>
            {fieldError("catalog")}
          </div>
          <div>
            <label htmlFor={`${id}-timeout`} className={labelClass}>
              Time-out (seconds)
            </label>
            <input
              id={`${id}-timeout`}
              name="timeoutSeconds"
              type="number"
              min={1}
              max={120}
              step={1}
              defaultValue={text("timeoutSeconds", "30")}
              aria-describedby={describedBy("timeoutSeconds", `${id}-timeout-help`)}
              aria-invalid={invalid("timeoutSeconds") || undefined}
              className={`${inputClass} mt-1 w-32`}
            />
            <p id={`${id}-timeout-help`} className="mt-1 text-xs text-zinc-600 dark:text-zinc-400">
              How long a call may take, connecting included.
            </p>
            {fieldError("timeoutSeconds")}
          </div>
          <div className="sm:col-span-2">
            <label className="flex items-center gap-1.5 text-sm">
              <input
                type="checkbox"
                name="allowPrivateNetwork"
                defaultChecked={text("allowPrivateNetwork") === "on"}
                aria-describedby={`${id}-private-help`}
                className={checkboxClass}
              />
              Allow a private network
            </label>
            <p id={`${id}-private-help`} className="mt-1 text-xs text-amber-800 dark:text-amber-300">
              Warning: only for an API on your own network. With this on, the host may resolve to loopback, private or link-local addresses, so a wrong host name or a
              changed DNS answer lets agents&apos; calls reach internal services (cloud metadata, admin consoles) with this credential.
            </p>
            {fieldError("allowPrivateNetwork")}
          </div>
        </>
      )}
      <div className="sm:col-span-2">
        <label htmlFor={`${id}-description`} className={labelClass}>
          Description
        </label>
        <input id={`${id}-description`} name="description" maxLength={1000} defaultValue={text("description")} className={`${inputClass} mt-1`} />
        {fieldError("description")}
      </div>
      <div>
        <button type="submit" disabled={pending} className={buttonStyles.primary}>
          {pending ? "Registering…" : "Register resource"}
        </button>
      </div>
    </form>
  );
}

/** Replaces a database's connection URL or an HTTP API's credential: write-only, like registering. */
export function ReplaceSecretForm({ name, kind }: { name: string; kind: string }) {
  const [state, action, pending] = useActionState<ActionResult, FormData>(replaceConnectionUrlAction, {});
  const id = useId();
  const http = kind === "http";
  return (
    <form action={action} className="flex flex-wrap items-center gap-1.5">
      <input type="hidden" name="name" value={name} />
      <SecretInput
        {...(http ? HTTP_SECRET : POSTGRES_SECRET)}
        id={`${id}-secret`}
        label={http ? `New credential for ${name}` : `New connection URL for ${name}`}
        className="w-64 py-1"
      />
      <button type="submit" disabled={pending} className={buttonStyles.subtle} aria-label={http ? `Replace credential of ${name}` : `Replace connection URL of ${name}`}>
        {http ? "Replace credential" : "Replace URL"}
      </button>
      <ActionFeedback state={state} />
    </form>
  );
}
