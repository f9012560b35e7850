import type { Metadata } from "next";
import Form from "next/form";
import { db } from "@/lib/db";
import { listEnvironments } from "@/lib/environments";
import { diffLines, listPolicyHistory, policyToYaml } from "@/lib/policy/versions";
import { describeBreaker } from "@/lib/policy/breaker";
import { breakerThresholdsOf, measurementPolicyOf } from "@/lib/policy/store";
import { describeMeasurementPolicy } from "@/lib/policy/measurement";
import { hasRole } from "@/lib/users/roles";
import { requirePageReviewer } from "@/lib/auth/session";
import { ActionButton } from "@/components/action-form";
import { PolicyDiff } from "@/components/policy/policy-diff";
import { PolicyWorkspace } from "@/components/policy/policy-workspace";
import { RuleList } from "@/components/policy/rule-list";
import { buttonStyles, Forbidden, inputClass, labelClass, PageHeader, Panel, PanelTable } from "@/components/ui";
import { restorePolicyAction, savePolicyAction, simulatePolicyAction } from "./actions";

export const metadata: Metadata = { title: "Policy" };

function formatTime(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

function versionParam(value: string | string[] | undefined): number | null {
  const n = typeof value === "string" && /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  return Number.isSafeInteger(n) ? n : null;
}

// The rules in force, the simulator, the version history and compare, for approvers and admins;
// the YAML editor and restore for admins only.
export default async function PolicyPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const reviewer = await requirePageReviewer("/policy");
  if (!hasRole(reviewer.role, "approver")) return <Forbidden role="approver" />;
  const admin = hasRole(reviewer.role, "admin");
  const prisma = await db();
  const [history, environments, params] = await Promise.all([listPolicyHistory(prisma), listEnvironments(prisma), searchParams]);
  const current = history[0];
  if (!current) throw new Error("No policy version exists: the server seeds one at start-up.");
  const byVersion = new Map(history.map((v) => [v.version, v]));
  const from = byVersion.get(versionParam(params.from) ?? history[1]?.version ?? current.version) ?? history[1] ?? current;
  const to = byVersion.get(versionParam(params.to) ?? current.version) ?? current;
  const comparing = from.version !== to.version || params.from !== undefined;
  return (
    <div className="space-y-4">
      <PageHeader
        title="Policy"
        description={
          <>
            Version {current.version}, saved {formatTime(current.createdAt)} by {current.authorEmail ?? "Countersign"}. Rules are tried in order; the first that
            matches decides.
          </>
        }
      />
      <Panel id="policy-rules" title={`Rules in force (version ${current.version})`}>
        <RuleList rules={current.rules} />
        <p className="mt-3 border-t border-zinc-200 pt-3 text-sm text-zinc-600 dark:border-zinc-800 dark:text-zinc-300">
          <span className="font-medium text-zinc-900 dark:text-zinc-100">Circuit breaker{current.circuitBreaker ? "" : " (default)"}:</span>{" "}
          {describeBreaker(breakerThresholdsOf(current))} Set <code className="font-mono text-xs">circuitBreaker</code> in the YAML to change it.
        </p>
        <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-300">
          <span className="font-medium text-zinc-900 dark:text-zinc-100">Measured effect{current.measurement ? "" : " (default)"}:</span>{" "}
          {describeMeasurementPolicy(measurementPolicyOf(current))} Set <code className="font-mono text-xs">measurement</code> in the YAML to change it.
        </p>
      </Panel>
      <PolicyWorkspace
        version={current.version}
        yaml={policyToYaml(current.rules, current.circuitBreaker, current.measurement)}
        environments={environments.map((e) => ({ name: e.name, tier: e.tier }))}
        save={admin ? savePolicyAction : undefined}
        simulate={simulatePolicyAction}
      />
      <Panel id="policy-history" title="Version history">
        <PanelTable columns={["Version", "Author", "Saved", "Note", ""]}>
          {history.map((v) => (
            <tr key={v.version}>
              <td className="px-4 py-2 tabular-nums">
                {v.version}
                {v.version === current.version && <span className="ml-2 text-xs font-medium text-emerald-700 dark:text-emerald-400">in force</span>}
              </td>
              <td className="px-4 py-2">{v.authorEmail ?? "Countersign"}</td>
              <td className="px-4 py-2 whitespace-nowrap tabular-nums">
                <time dateTime={v.createdAt.toISOString()}>{formatTime(v.createdAt)}</time>
              </td>
              <td className="px-4 py-2 text-zinc-600 dark:text-zinc-400">{v.note}</td>
              <td className="px-4 py-2 text-right">
                {admin && v.version !== current.version && (
                  <ActionButton
                    action={restorePolicyAction}
                    fields={{ version: String(v.version) }}
                    label="Restore"
                    ariaLabel={`Restore version ${v.version}`}
                    variant="subtle"
                    confirm={`Make version ${v.version}'s rules current again? This saves them as a new version.`}
                  />
                )}
              </td>
            </tr>
          ))}
        </PanelTable>
      </Panel>
      <Panel id="policy-compare" title="Compare versions">
        {/* next/form navigates without a reload, so unsaved edits in the editor survive a comparison. */}
        <Form action="/policy" scroll={false} className="mb-3 flex flex-wrap items-end gap-3">
          <div>
            <label htmlFor="compare-from" className={labelClass}>
              From version
            </label>
            <select id="compare-from" name="from" defaultValue={from.version} className={`${inputClass} mt-1 w-auto`}>
              {history.map((v) => (
                <option key={v.version} value={v.version}>
                  {v.version}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor="compare-to" className={labelClass}>
              To version
            </label>
            <select id="compare-to" name="to" defaultValue={to.version} className={`${inputClass} mt-1 w-auto`}>
              {history.map((v) => (
                <option key={v.version} value={v.version}>
                  {v.version}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" className={buttonStyles.secondary}>
            Compare
          </button>
        </Form>
        {comparing ? (
          <PolicyDiff
            lines={diffLines(policyToYaml(from.rules, from.circuitBreaker, from.measurement), policyToYaml(to.rules, to.circuitBreaker, to.measurement))}
            label={`Differences from version ${from.version} to version ${to.version}`}
          />
        ) : (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">There is only one version so far.</p>
        )}
      </Panel>
    </div>
  );
}
