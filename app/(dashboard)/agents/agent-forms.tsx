"use client";

import { useActionState, useId } from "react";
import { CopyButton } from "@/components/copy-button";
import { ActionFeedback } from "@/components/action-form";
import { buttonStyles, inputClass, labelClass, Notice } from "@/components/ui";
import type { ActionResult } from "@/lib/dashboard/action-result";
import { createAgentAction, createKeyAction, updateAgentAction, type NewKeyResult } from "./actions";

const SCOPES = [
  { value: "requests:create", label: "Create requests", checked: true },
  { value: "requests:read", label: "Read its requests", checked: true },
  { value: "grants:redeem", label: "Redeem grants (executor)", checked: false },
];

/** The plaintext key, shown this once with a copy button. */
function NewKey({ result }: { result: NewKeyResult }) {
  if (!result.key) return null;
  return (
    <div role="status" className="space-y-2 rounded-md border border-emerald-300 bg-emerald-50 p-3 text-sm dark:border-emerald-800 dark:bg-emerald-950/50">
      <p className="font-medium text-emerald-900 dark:text-emerald-100">
        {result.done} Copy the key now: this is the only time it is shown. Only its hash is stored.
      </p>
      <div className="flex flex-wrap items-center gap-2">
        <code aria-label="New API key" className="min-w-0 flex-1 rounded bg-white px-2 py-1.5 font-mono text-xs break-all select-all dark:bg-zinc-950">
          {result.key}
        </code>
        <CopyButton value={result.key} label="Copy key" />
      </div>
    </div>
  );
}

type Reviewer = { id: string; email: string; name: string | null };
type Environment = { name: string; tier: string };

/** What an agent may do — the same fields whether it is being created or edited. */
interface AgentAccess {
  ownerId: string | null;
  description: string;
  environments: string[];
  resources: string[];
  scopes: string[];
}

const NEW_AGENT: AgentAccess = {
  ownerId: null,
  description: "",
  environments: [],
  resources: ["*"],
  scopes: SCOPES.filter((s) => s.checked).map((s) => s.value),
};

function AgentAccessFields({ id, access, users, environments }: { id: string; access: AgentAccess; users: Reviewer[]; environments: Environment[] }) {
  const known = new Set(environments.map((e) => e.name));
  const other = access.environments.filter((e) => !known.has(e)).join(", ");
  return (
    <>
      <div>
        <label htmlFor={`${id}-owner`} className={labelClass}>
          Owner
        </label>
        <select id={`${id}-owner`} name="ownerId" className={`${inputClass} mt-1`} defaultValue={access.ownerId ?? ""}>
          <option value="">No owner</option>
          {users.map((u) => (
            <option key={u.id} value={u.id}>
              {u.name ? `${u.name} (${u.email})` : u.email}
            </option>
          ))}
        </select>
        <p className="mt-1 text-xs text-zinc-600 dark:text-zinc-400">The owner can never approve this agent&apos;s requests.</p>
      </div>
      <div>
        <label htmlFor={`${id}-description`} className={labelClass}>
          Description
        </label>
        <input id={`${id}-description`} name="description" defaultValue={access.description} maxLength={2000} className={`${inputClass} mt-1`} />
      </div>
      <fieldset>
        <legend className={labelClass}>Environments</legend>
        <div className="mt-1 flex flex-wrap gap-x-4 gap-y-1">
          {environments.map((env) => (
            <label key={env.name} className="flex items-center gap-1.5 text-sm">
              <input type="checkbox" name="environments" value={env.name} defaultChecked={access.environments.includes(env.name)} className="h-4 w-4 accent-zinc-900 dark:accent-zinc-100" />
              {env.name}
              {env.tier === "production" && <span className="text-xs font-semibold text-red-700 dark:text-red-400">(production)</span>}
            </label>
          ))}
        </div>
        <label htmlFor={`${id}-other-envs`} className={`${labelClass} mt-2`}>
          Other environments (comma-separated, * allowed)
        </label>
        <input id={`${id}-other-envs`} name="otherEnvironments" defaultValue={other} className={`${inputClass} mt-1`} placeholder="e.g. preview-*" />
        <label htmlFor={`${id}-resources`} className={`${labelClass} mt-2`}>
          Resources (comma-separated, * allowed)
        </label>
        <input id={`${id}-resources`} name="resources" defaultValue={access.resources.join(", ")} required className={`${inputClass} mt-1`} placeholder="e.g. postgres/*" />
      </fieldset>
      <fieldset>
        <legend className={labelClass}>Scopes</legend>
        <div className="mt-1 space-y-1">
          {SCOPES.map((scope) => (
            <label key={scope.value} className="flex items-center gap-1.5 text-sm">
              <input type="checkbox" name="scopes" value={scope.value} defaultChecked={access.scopes.includes(scope.value)} className="h-4 w-4 accent-zinc-900 dark:accent-zinc-100" />
              {scope.label} <code className="text-xs text-zinc-600 dark:text-zinc-400">{scope.value}</code>
            </label>
          ))}
        </div>
      </fieldset>
    </>
  );
}

export function CreateAgentForm({ users, environments }: { users: Reviewer[]; environments: Environment[] }) {
  const [state, action, pending] = useActionState<NewKeyResult, FormData>(createAgentAction, {});
  const id = useId();
  return (
    <div className="space-y-3">
      <NewKey result={state} />
      {state.error && <Notice tone="error">{state.error}</Notice>}
      <form action={action} className="grid gap-3 sm:grid-cols-2">
        <div className="sm:col-span-2">
          <label htmlFor={`${id}-name`} className={labelClass}>
            Name
          </label>
          <input id={`${id}-name`} name="name" required maxLength={100} pattern="[A-Za-z0-9][A-Za-z0-9._\-]*" autoComplete="off" className={`${inputClass} mt-1`} aria-describedby={`${id}-name-help`} />
          <p id={`${id}-name-help`} className="mt-1 text-xs text-zinc-600 dark:text-zinc-400">
            Letters, digits, “.”, “_” and “-”.
          </p>
        </div>
        <AgentAccessFields id={id} access={NEW_AGENT} users={users} environments={environments} />
        <div>
          <label htmlFor={`${id}-key-label`} className={labelClass}>
            Key label
          </label>
          <input id={`${id}-key-label`} name="keyLabel" defaultValue="default" maxLength={100} className={`${inputClass} mt-1`} />
        </div>
        <div className="flex items-end">
          <button type="submit" disabled={pending} className={buttonStyles.primary}>
            {pending ? "Creating…" : "Create agent"}
          </button>
        </div>
      </form>
    </div>
  );
}

export function CreateKeyForm({ agentId, agentName }: { agentId: string; agentName: string }) {
  const [state, action, pending] = useActionState<NewKeyResult, FormData>(createKeyAction, {});
  const id = useId();
  return (
    <div className="space-y-2">
      <NewKey result={state} />
      {state.error && <Notice tone="error">{state.error}</Notice>}
      <form action={action} className="flex flex-wrap items-end gap-2">
        <input type="hidden" name="agentId" value={agentId} />
        <div>
          <label htmlFor={`${id}-label`} className={labelClass}>
            New key label
          </label>
          <input id={`${id}-label`} name="label" maxLength={100} placeholder="e.g. ci-runner" className={`${inputClass} mt-1 w-48`} />
        </div>
        <button type="submit" disabled={pending} className={buttonStyles.secondary} aria-label={`Create key for ${agentName}`}>
          Create key
        </button>
      </form>
    </div>
  );
}

export interface EditableAgent extends AgentAccess {
  id: string;
  name: string;
}

/** Changes what an existing agent may do; keys stay as they are. */
export function EditAgentForm({ agent, users, environments }: { agent: EditableAgent; users: Reviewer[]; environments: Environment[] }) {
  const [state, action, pending] = useActionState<ActionResult, FormData>(updateAgentAction, {});
  const id = useId();
  return (
    <form action={action} className="grid gap-3 sm:grid-cols-2" aria-label={`Edit agent ${agent.name}`}>
      <input type="hidden" name="agentId" value={agent.id} />
      <AgentAccessFields id={id} access={agent} users={users} environments={environments} />
      <div className="flex flex-wrap items-center gap-2 sm:col-span-2">
        <button type="submit" disabled={pending} className={buttonStyles.primary}>
          {pending ? "Saving…" : "Save changes"}
        </button>
        <ActionFeedback state={state} />
      </div>
    </form>
  );
}
