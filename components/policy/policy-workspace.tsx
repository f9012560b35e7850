"use client";
// The policy editor and the simulator side by side: the simulator can try the edited YAML before
// it is saved. YAML can be pasted or loaded from a file; saving makes a new version.
import { useActionState, useDeferredValue, useId, useMemo, useState } from "react";
import { checkPolicyYaml } from "@/lib/policy/check-yaml";
import { RiskBadge } from "../badges";
import { CodeSpans, SafeText } from "../safe-text";
import { buttonStyles, inputClass, labelClass, Notice, Panel } from "../ui";
import type { PolicyIssue, PolicySaveResult, SimulationResult, SimulationView } from "./types";

type SaveAction = (prev: PolicySaveResult, form: FormData) => Promise<PolicySaveResult>;
type SimulateAction = (prev: SimulationResult, form: FormData) => Promise<SimulationResult>;

const EXAMPLE_OPERATION = JSON.stringify({ kind: "sql", target: { environment: "production", resource: "pg/app" }, sql: "DROP TABLE customers;" }, null, 2);

export function PolicyWorkspace({
  version,
  yaml,
  environments,
  save,
  simulate,
}: {
  version: number;
  yaml: string;
  environments: { name: string; tier: string }[];
  /** Absent for approvers, who read the policy and simulate but do not edit it. */
  save?: SaveAction;
  simulate: SimulateAction;
}) {
  const [text, setText] = useState(yaml);
  const [base, setBase] = useState({ version, yaml });
  // A new version (saved here, restored, or by someone else) replaces the editor's text.
  if (base.version !== version) {
    setBase({ version, yaml });
    setText(yaml);
  }
  const dirty = text !== base.yaml;
  return (
    <div className="grid gap-4 lg:grid-cols-2">
      {save ? (
        <Editor version={version} text={text} setText={setText} dirty={dirty} reset={() => setText(base.yaml)} save={save} />
      ) : (
        <ReadOnlyPolicy version={version} yaml={base.yaml} />
      )}
      <Simulator text={text} dirty={dirty} environments={environments} simulate={simulate} />
    </div>
  );
}

function ReadOnlyPolicy({ version, yaml }: { version: number; yaml: string }) {
  const id = useId();
  return (
    <Panel id="policy-yaml" title="Policy as YAML">
      <label htmlFor={`${id}-yaml`} className={labelClass}>
        Policy (YAML), version {version}
      </label>
      <p id={`${id}-yaml-help`} className="text-xs text-zinc-600 dark:text-zinc-400">
        Read only: admins change the policy. Try an operation against it in the simulator.
      </p>
      <textarea
        id={`${id}-yaml`}
        value={yaml}
        readOnly
        aria-describedby={`${id}-yaml-help`}
        spellCheck={false}
        rows={24}
        className={`${inputClass} mt-1 font-mono text-[13px] leading-5`}
      />
      <div className="mt-3">
        <a href="/policy/export" download className={buttonStyles.secondary}>
          Export YAML
        </a>
      </div>
    </Panel>
  );
}

function Issues({ issues }: { issues?: PolicyIssue[] }) {
  if (!issues?.length) return null;
  return (
    <ul aria-label="Problems" className="mt-1 list-disc space-y-0.5 pl-5">
      {issues.map((issue, i) => (
        <li key={i}>
          <span className="font-mono text-xs font-semibold">
            <SafeText text={issue.field} />
          </span>
          : <SafeText text={issue.message} />
        </li>
      ))}
    </ul>
  );
}

function Editor({
  version,
  text,
  setText,
  dirty,
  reset,
  save,
}: {
  version: number;
  text: string;
  setText: (text: string) => void;
  dirty: boolean;
  reset: () => void;
  save: SaveAction;
}) {
  const [state, action, pending] = useActionState<PolicySaveResult, FormData>(save, {});
  const [importError, setImportError] = useState<string | null>(null);
  const id = useId();
  // Checked as the admin types, with the server's own rules; the deferred value keeps typing
  // smooth in a long policy. The server checks again when it saves.
  const typed = useDeferredValue(text);
  const check = useMemo(() => checkPolicyYaml(typed), [typed]);
  return (
    <Panel id="policy-editor" title="Edit policy">
      <form action={action} className="space-y-3">
        <input type="hidden" name="baseVersion" value={version} />
        <div>
          <label htmlFor={`${id}-yaml`} className={labelClass}>
            Policy (YAML)
          </label>
          <p id={`${id}-yaml-help`} className="text-xs text-zinc-600 dark:text-zinc-400">
            A list of rules, first match wins; a request no rule matches needs 1 approval. To set the circuit breaker, write a
            mapping of <code>circuitBreaker</code> (count, windowSeconds, minRisk, statuses, and optional bursts of minRisk, count and windowSeconds) and <code>rules</code>. Editing version {version}
            {dirty ? " (changed, not saved)" : ""}.
          </p>
          <textarea
            id={`${id}-yaml`}
            name="yaml"
            value={text}
            onChange={(e) => setText(e.target.value)}
            aria-describedby={`${id}-yaml-help ${id}-yaml-check`}
            aria-invalid={!check.ok || state.issues?.length ? true : undefined}
            spellCheck={false}
            autoCapitalize="off"
            autoCorrect="off"
            rows={24}
            className={`${inputClass} mt-1 font-mono text-[13px] leading-5`}
          />
          <div id={`${id}-yaml-check`} role="status" aria-live="polite" className="mt-1 text-sm">
            {check.ok ? (
              <p className="text-emerald-800 dark:text-emerald-300">
                ✓ Valid: {check.rules.length} rule{check.rules.length === 1 ? "" : "s"}
                {check.circuitBreaker ? ", a circuit breaker of its own" : ""}
                {check.measurement ? ", measurement thresholds" : ""}.
              </p>
            ) : (
              <div className="text-red-800 dark:text-red-300">
                <p className="font-medium">✕ Not valid yet — this cannot be saved:</p>
                <Issues issues={check.errors} />
              </div>
            )}
          </div>
        </div>
        <div>
          <label htmlFor={`${id}-import`} className={labelClass}>
            Import YAML file
          </label>
          <input
            id={`${id}-import`}
            type="file"
            accept=".yaml,.yml,text/yaml,application/yaml,text/plain"
            className="mt-1 block text-sm"
            onChange={async (e) => {
              const file = e.target.files?.[0];
              e.target.value = "";
              if (!file) return;
              if (file.size > 256 * 1024) {
                setImportError(`${file.name} is larger than 256 KiB.`);
                return;
              }
              setImportError(null);
              setText(await file.text());
            }}
          />
          <p className="mt-0.5 text-xs text-zinc-600 dark:text-zinc-400">Loads the file into the editor; nothing is saved until you press Save.</p>
          {importError && <Notice tone="error">{importError}</Notice>}
        </div>
        <div>
          <label htmlFor={`${id}-note`} className={labelClass}>
            Note
          </label>
          <input id={`${id}-note`} name="note" maxLength={500} autoComplete="off" placeholder="What changed and why" className={`${inputClass} mt-1`} />
        </div>
        {state.error && (
          <Notice tone="error">
            {state.error}
            <Issues issues={state.issues} />
          </Notice>
        )}
        {state.done && <Notice tone="success">{state.done}</Notice>}
        <div className="flex flex-wrap gap-2">
          <button type="submit" disabled={pending || !check.ok} className={buttonStyles.primary}>
            Save new version
          </button>
          <button type="button" disabled={!dirty} onClick={reset} className={buttonStyles.secondary}>
            Discard changes
          </button>
          <a href="/policy/export" download className={buttonStyles.secondary}>
            Export YAML
          </a>
        </div>
      </form>
    </Panel>
  );
}

function Simulator({
  text,
  dirty,
  environments,
  simulate,
}: {
  text: string;
  dirty: boolean;
  environments: { name: string; tier: string }[];
  simulate: SimulateAction;
}) {
  const [state, action, pending] = useActionState<SimulationResult, FormData>(simulate, {});
  // Controlled, because React resets uncontrolled fields after each submission and the pasted
  // operation should stay for the next try.
  const [operation, setOperation] = useState(EXAMPLE_OPERATION);
  const [environment, setEnvironment] = useState("");
  const [agent, setAgent] = useState("");
  const [pastRequest, setPastRequest] = useState("");
  const [useEdited, setUseEdited] = useState(false);
  const id = useId();
  return (
    <Panel id="policy-simulator" title="Simulator">
      <form action={action} className="space-y-3">
        <input type="hidden" name="yaml" value={text} />
        <div>
          <label htmlFor={`${id}-operation`} className={labelClass}>
            Operation (JSON)
          </label>
          <p id={`${id}-operation-help`} className="text-xs text-zinc-600 dark:text-zinc-400">
            As an agent would send it: <code>kind</code> (sql, http, shell, custom) with <code>sql</code>, <code>method</code>/<code>url</code>,{" "}
            <code>command</code> or <code>action</code>; <code>target</code> is optional.
          </p>
          <textarea
            id={`${id}-operation`}
            name="operation"
            value={operation}
            onChange={(e) => setOperation(e.target.value)}
            aria-describedby={`${id}-operation-help`}
            spellCheck={false}
            rows={8}
            className={`${inputClass} mt-1 font-mono text-[13px] leading-5`}
          />
        </div>
        <div>
          <label htmlFor={`${id}-request`} className={labelClass}>
            Or a past request (ID)
          </label>
          <input
            id={`${id}-request`}
            name="request"
            value={pastRequest}
            onChange={(e) => setPastRequest(e.target.value.trim())}
            maxLength={36}
            autoComplete="off"
            spellCheck={false}
            placeholder="Replays its exact operation and agent instead of the JSON above"
            className={`${inputClass} mt-1 font-mono text-[13px]`}
          />
        </div>
        <div className="grid gap-3 sm:grid-cols-2">
          <div>
            <label htmlFor={`${id}-environment`} className={labelClass}>
              Environment
            </label>
            <select id={`${id}-environment`} name="environment" value={environment} onChange={(e) => setEnvironment(e.target.value)} className={`${inputClass} mt-1`}>
              <option value="">As in the operation</option>
              {environments.map((env) => (
                <option key={env.name} value={env.name}>
                  {env.name} ({env.tier === "production" ? "production" : "non-production"})
                </option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor={`${id}-agent`} className={labelClass}>
              Agent name
            </label>
            <input id={`${id}-agent`} name="agent" value={agent} onChange={(e) => setAgent(e.target.value)} maxLength={100} autoComplete="off" placeholder="Any agent (optional)" className={`${inputClass} mt-1`} />
          </div>
        </div>
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" name="useEdited" checked={useEdited} onChange={(e) => setUseEdited(e.target.checked)} />
          Use the edited YAML{dirty ? " (changed, not saved)" : ""} instead of the current version
        </label>
        <button type="submit" disabled={pending} className={buttonStyles.primary}>
          Simulate
        </button>
        {state.error && (
          <Notice tone="error">
            {state.error}
            <Issues issues={state.issues} />
          </Notice>
        )}
      </form>
      {state.simulation && <SimulationOutcome simulation={state.simulation} />}
    </Panel>
  );
}

function SimulationOutcome({ simulation: s }: { simulation: SimulationView }) {
  return (
    <section aria-label="Simulation result" className="mt-4 space-y-2 border-t border-zinc-200 pt-3 text-sm dark:border-zinc-800">
      <p className="text-xs text-zinc-600 dark:text-zinc-400">
        Against <SafeText text={s.source} />, in <SafeText text={s.environment} /> ({s.tier === "production" ? "production tier" : "non-production tier"}).
      </p>
      <dl className="grid grid-cols-[8rem_1fr] gap-x-3 gap-y-1">
        <dt className="font-medium">Risk</dt>
        <dd>
          <RiskBadge level={s.level} />
        </dd>
        <dt className="font-medium">Matched rule</dt>
        <dd className="font-mono text-xs">{s.ruleId === null ? "none (the default applies)" : <SafeText text={`${(s.ruleIndex ?? 0) + 1}. ${s.ruleId}`} />}</dd>
        <dt className="font-medium">Effect</dt>
        <dd data-effect={s.effectType}>
          <SafeText text={s.effect} />
        </dd>
        {s.targets.length > 0 && (
          <>
            <dt className="font-medium">Touches</dt>
            <dd className="font-mono text-xs break-all">
              <SafeText text={s.targets.join(", ")} />
            </dd>
          </>
        )}
      </dl>
      <p className="text-zinc-700 dark:text-zinc-300">
        <SafeText text={s.explanation} />
      </p>
      <div>
        <h3 className="font-medium">Findings</h3>
        {s.findings.length === 0 ? (
          <p className="text-zinc-600 dark:text-zinc-400">None: nothing risky was recognised.</p>
        ) : (
          <ul aria-label="Findings" className="mt-1 space-y-1">
            {s.findings.map((f, i) => (
              <li key={i} className="flex flex-wrap items-baseline gap-2">
                <RiskBadge level={f.level} />
                <span className="font-mono text-xs">
                  <SafeText text={f.id} />
                </span>
                <span>
                  <CodeSpans text={f.message} />
                </span>
              </li>
            ))}
          </ul>
        )}
      </div>
      <p className="text-xs text-zinc-600 dark:text-zinc-400">
        <span className="font-medium">Measured effect: </span>
        {s.measured ? "the replayed request's own measurement was applied as the risk floor. " : "paste an operation to see its parse alone; replay a request to apply its measurement. "}
        <SafeText text={s.measurementPolicy} />
      </p>
    </section>
  );
}
