import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { db } from "@/lib/db";
import { listPasskeys } from "@/lib/passkeys";
import { displayName, requirePageReviewer } from "@/lib/auth/session";
import { hasRole, type Role } from "@/lib/users/roles";
import { getRequestDetail, requestVersion, type RequestDetail } from "@/lib/dashboard/request-detail";
import { previewDiff } from "@/lib/dashboard/diff";
import { countInvisible, countInvisibleDeep } from "@/lib/dashboard/invisible";
import { EnvironmentBadge, RiskBadge, StatusBadge } from "@/components/badges";
import { CodeView } from "@/components/code-view";
import { Countdown } from "@/components/countdown";
import { DiffView } from "@/components/diff-view";
import { PlannedEffectPanel } from "@/components/planned-effect";
import { RelativeTime } from "@/components/relative-time";
import { LazyDetails } from "@/components/lazy-details";
import { CodeSpans, InlineUntrusted, SafeText } from "@/components/safe-text";
import { buttonStyles, Notice, Panel } from "@/components/ui";
import { UntrustedLabel, UntrustedPanel, UntrustedText } from "@/components/untrusted";
import { DecisionPanel } from "./decision-panel";
import { approvalConsequence } from "@/lib/dashboard/consequence";
import { compareClaims } from "@/lib/dashboard/claims";
import { operationHeadline } from "@/lib/dashboard/operation-headline";
import { MeasuredLabel } from "@/components/planned-effect";
import { Fold, FoldedText, FOLD_MESSAGES, countLines } from "@/components/fold";
import { requiresTypedConfirmation } from "@/lib/risk/hidden-characters";
import { LiveRefresh } from "./live-refresh";

export const metadata: Metadata = { title: "Request" };

type Params = Promise<{ id: string }>;

// The deep link reviewers receive: everything needed to decide one request, and the decision.
export default async function RequestPage({ params }: { params: Params }) {
  const { id } = await params;
  const reviewer = await requirePageReviewer(`/requests/${encodeURIComponent(id)}`);
  const request = await getRequestDetail(await db(), id);
  if (!request) notFound();

  const now = new Date().toISOString();
  const hidden =
    countInvisible(request.summary) +
    countInvisibleDeep(request.operation) +
    countInvisibleDeep(request.context) +
    countInvisible(request.diff?.content ?? "") +
    countInvisible(request.plannedEffect ? `${request.plannedEffect.summary}\n${request.plannedEffect.details}` : "") +
    countInvisible(request.outcomeDetail ?? "");
  const approvals = request.reviews.filter((r) => r.decision === "approve");
  const myReview = request.reviews.find((r) => r.reviewerId === reviewer.id);
  const isOwner = request.agent.owner?.id === reviewer.id;
  const grantUsable = request.status === "approved" && request.grant && !request.grant.redeemedAt && !request.grant.revokedAt && request.grant.expiresAt > now;
  const canDecide = request.status === "pending" && request.expiresAt > now && !myReview && hasRole(reviewer.role, request.requiredRole as Role);
  // During a cool-down any reviewer who may decide can still cancel the approval.
  // Any reviewer may cancel during a cool-down; revoking an issued grant needs an approver.
  const canRevoke = (Boolean(grantUsable) && hasRole(reviewer.role, "approver")) || request.status === "cooling_down";
  const mode = canDecide ? "decide" : canRevoke ? "revoke" : "none";
  const hasPasskey = canDecide && request.passkeyRequired ? (await listPasskeys(await db(), reviewer.id)).length > 0 : false;
  const version = requestVersion({
    status: request.status,
    reviews: request.reviews.length,
    updatedAt: request.updatedAt,
    redeemed: Boolean(request.grant?.redeemedAt),
    revoked: Boolean(request.grant?.revokedAt),
  });

  return (
    <article className="space-y-4">
      <LiveRefresh requestId={request.id} version={version} />
      {request.production && <ProductionBanner environment={request.environment} />}
      <nav aria-label="Breadcrumb" className="text-sm text-zinc-600 dark:text-zinc-400">
        <Link href="/" className="rounded hover:underline focus-visible:outline-2 focus-visible:outline-blue-600">
          Inbox
        </Link>{" "}
        / <span className="font-mono">{request.id.slice(0, 8)}</span>
      </nav>

      <header className="space-y-3">
        <div className="flex flex-wrap items-center gap-1.5">
          <StatusBadge status={request.status} />
          {/* Production has its banner above: one environment indicator per page. */}
          {!request.production && <EnvironmentBadge name={request.environment} production={false} />}
          <RiskBadge level={request.riskLevel} />
          <span className="text-sm text-zinc-700 dark:text-zinc-300">
            {request.status === "pending" ? (
              <>
                Expires <Countdown to={request.expiresAt} now={now} phrase="in" />
              </>
            ) : (
              <>
                Created <RelativeTime at={request.createdAt} now={now} />
              </>
            )}
          </span>
        </div>
        <Headline request={request} />
      </header>

      <PhoneSummary request={request} approvals={approvals.length} mode={mode} now={now} />

      {hidden > 0 && (
        <Notice tone="warning" role="alert">
          <strong>
            Hidden characters: this request contains {hidden} invisible, zero-width, direction-changing or control character{hidden === 1 ? "" : "s"}.
          </strong>{" "}
          They are shown below as highlighted escapes such as <code className="font-mono">\u202E</code>. Such characters can make text read differently from what
          runs — read the operation carefully.
        </Notice>
      )}
      {request.findings.some((f) => f.id === "operation.lookalike_characters") && (
        <Notice tone="warning" role="alert">
          <strong>Look-alike letters: the operation mixes letters from another script that look like Latin ones into Latin words.</strong> What it names
          can differ from what you read; the Risk panel shows each such word with the letter escaped, and approving needs the resource name typed.
        </Notice>
      )}
      {!request.environmentDefined && (
        <Notice tone="warning" role="status">
          The environment <InlineUntrusted text={request.environment} className="font-mono" /> is not defined, so it counts as production.
        </Notice>
      )}

      <div className="grid gap-4 lg:grid-cols-[minmax(0,1fr)_22rem]">
        <div className="min-w-0 space-y-4">
          <Findings request={request} />
          {request.plannedEffect && <PlannedEffectPanel effect={request.plannedEffect} />}
          <Panel
            id="operation"
            className="border-2 border-zinc-400 dark:border-zinc-500"
            title="Operation — exactly what will run"
            actions={
              <span className="flex min-w-0 flex-wrap items-center gap-2">
                <BoundLabel />
                <span className="font-mono text-[11px] break-words text-zinc-600 dark:text-zinc-400" title="Operation digest, bound into the grant">
                  {request.operationDigest}
                </span>
              </span>
            }
          >
            <p className="mb-3 text-xs text-zinc-600 dark:text-zinc-400">
              Written by the agent, and exactly what will run if approved: the grant is signed over this digest, and nothing else can be run with it. Read
              this, not the summary.
            </p>
            <OperationView request={request} />
          </Panel>
          {request.diff && (
            <UntrustedPanel id="diff" title="Agent's planned change (claimed)">
              <DiffView preview={previewDiff(request.diff.format, request.diff.content)} downloadHref={`/api/dashboard/requests/${request.id}/diff`} />
            </UntrustedPanel>
          )}
          <UntrustedPanel id="context" title="Agent's context">
            <ContextView request={request} />
          </UntrustedPanel>
        </div>

        <aside className="min-w-0 space-y-4 lg:sticky lg:top-16 lg:self-start" aria-label="Decision">
          <Panel
            id="decision"
            title="Decision"
            className="scroll-mt-16"
            actions={
              // On a phone the header is screens away when the reviewer reaches the buttons; on a
              // wide screen it is beside them, and one indicator of each is enough.
              <span role="group" className="flex flex-wrap items-center gap-1.5 lg:hidden" aria-label="Environment and risk">
                <EnvironmentBadge name={request.environment} production={request.production} />
                <RiskBadge level={request.riskLevel} />
              </span>
            }
          >
            <div className="space-y-3">
              <Approvals request={request} approvals={approvals.length} />
              <Outcome request={request} now={now} />
              {mode === "none" && <WhyNoButtons request={request} role={reviewer.role} reviewed={Boolean(myReview)} now={now} />}
              <DecisionPanel
                requestId={request.id}
                mode={mode}
                coolingDown={request.status === "cooling_down"}
                critical={request.riskLevel === "critical"}
                confirm={requiresTypedConfirmation(request.riskLevel, request.findings)}
                resource={request.resource}
                consequence={approvalConsequence({
                  agentName: request.agent.name,
                  kind: request.kind,
                  operation: request.operation,
                  resource: request.resource,
                  environment: request.environment,
                  approvalsLeft: Math.max(1, request.requiredApprovals - approvals.length),
                  coolDownSeconds: request.coolDownSeconds,
                })}
                isOwner={isOwner}
                agentName={request.agent.name}
                passkey={request.passkeyRequired ? { hasPasskey } : undefined}
              />
            </div>
          </Panel>
          <Facts request={request} />
        </aside>
      </div>
    </article>
  );
}

/**
 * What Countersign knows, first: the line that runs (the signed artifact), Countersign's own
 * measurement of it, where the agent's figures disagree with that measurement, and only then the
 * agent's summary, labelled as its words.
 */
function Headline({ request }: { request: RequestDetail }) {
  const headline = operationHeadline(request.kind, request.operation);
  const mismatches = compareClaims([request.summary, request.context?.reasoning], request.plannedEffect?.measured);
  return (
    <div className="space-y-2">
      <p className="text-sm text-zinc-700 dark:text-zinc-300">
        <span className="uppercase">{request.kind}</span> on <InlineUntrusted text={request.resource} className="font-mono font-medium" />
        {!request.production && (
          <>
            {" "}
            in <InlineUntrusted text={request.environment} className="font-medium" />
          </>
        )}
      </p>
      <h1 className="font-mono text-lg leading-snug font-semibold break-words">
        <bdi>
          <SafeText text={headline} />
        </bdi>
        {headline.endsWith("…") && (
          <a href="#operation" className="ml-2 font-sans text-sm font-normal whitespace-nowrap text-blue-700 underline dark:text-blue-300">
            the whole operation
          </a>
        )}
      </h1>
      {request.plannedEffect && (
        <p className="flex flex-wrap items-center gap-x-2 gap-y-1 text-base font-semibold">
          <MeasuredLabel />
          <span className="min-w-0 break-words">
            <CodeSpans text={request.plannedEffect.summary} />
          </span>
        </p>
      )}
      {mismatches.length > 0 && (
        <Notice tone="warning" role="alert">
          <strong>The agent&apos;s figures differ from Countersign&apos;s measurement.</strong>{" "}
          {mismatches.map((m) => (
            <span key={m.what} className="mr-1">
              <SafeText text={m.sentence} />
            </span>
          ))}
        </Notice>
      )}
      {request.summary && (
        <section aria-label="Agent's summary" className="rounded-md border border-dashed border-amber-400/80 bg-amber-50/40 px-3 py-2 dark:border-amber-700/70 dark:bg-amber-950/20">
          <div className="mb-1 flex flex-wrap items-center gap-2 text-xs text-zinc-700 dark:text-zinc-300">
            <span className="font-medium">Agent&apos;s summary</span>
            <UntrustedLabel />
          </div>
          <UntrustedText text={request.summary} />
        </section>
      )}
    </div>
  );
}

/** The operation is the agent's text, but it is the thing the grant is signed over: said so, apart from the narrative. */
function BoundLabel() {
  return (
    <span className="inline-flex items-center gap-1 rounded border border-zinc-400 bg-zinc-100 px-1.5 py-0.5 text-[11px] font-semibold tracking-wide text-zinc-800 uppercase dark:border-zinc-500 dark:bg-zinc-800 dark:text-zinc-100">
      <svg viewBox="0 0 16 16" className="h-3 w-3 fill-current" aria-hidden="true">
        <path d="M4 7V5a4 4 0 1 1 8 0v2h1v8H3V7h1zm2 0h4V5a2 2 0 1 0-4 0v2z" />
      </svg>
      Bound to the grant
    </span>
  );
}

/** Restated at the top of the page, in words, so a production request cannot be mistaken for any other. */
function ProductionBanner({ environment }: { environment: string }) {
  return (
    <div role="note" aria-label="Production" className="flex flex-wrap items-center gap-x-3 gap-y-1 rounded-lg bg-red-700 px-4 py-3 text-white ring-1 ring-red-900 dark:bg-red-700 dark:ring-red-400">
      <svg viewBox="0 0 16 16" className="h-5 w-5 shrink-0 fill-current" aria-hidden="true">
        <path d="M8 1l7.5 13h-15L8 1zm-.8 5v4h1.6V6H7.2zm0 5.2v1.6h1.6v-1.6H7.2z" />
      </svg>
      <p className="text-base font-bold tracking-wide">
        PRODUCTION — this runs against <InlineUntrusted text={environment} className="font-mono" />
        {environment !== "production" && <span className="font-normal"> (production tier)</span>}
      </p>
    </div>
  );
}

/**
 * On a phone the Decision panel sits below the operation, thousands of pixels down: this line
 * gives what a reviewer needs first (quorum, expiry, whether they can act) and a jump to it.
 */
function PhoneSummary({ request, approvals, mode, now }: { request: RequestDetail; approvals: number; mode: "decide" | "revoke" | "none"; now: string }) {
  return (
    <div role="group" aria-label="At a glance" className="flex flex-wrap items-center justify-between gap-2 rounded-lg border border-zinc-200 bg-white px-3 py-2 text-sm lg:hidden dark:border-zinc-800 dark:bg-zinc-900">
      <span className="flex flex-wrap items-center gap-x-3 gap-y-1">
        {request.requiredApprovals === 0 ? (
          <span>No approval needed</span>
        ) : (
          <span>
            Quorum <strong className="tabular-nums">{approvals}/{request.requiredApprovals}</strong>
          </span>
        )}
        {request.status === "pending" && (
          <span>
            <Countdown to={request.expiresAt} now={now} />
          </span>
        )}
      </span>
      <a href="#decision" className={mode === "none" ? buttonStyles.secondary : buttonStyles.primary}>
        {mode === "decide" ? "Go to decision ↓" : mode === "revoke" ? (request.status === "cooling_down" ? "Go to cancel ↓" : "Go to revoke ↓") : "Go to decision status ↓"}
      </a>
    </div>
  );
}

function Findings({ request }: { request: RequestDetail }) {
  return (
    <Panel id="risk" title="Risk findings">
      {request.findings.length === 0 ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400">Countersign found nothing risky in this operation.</p>
      ) : (
        <ul className="space-y-2">
          {request.findings.map((finding, i) => (
            <li key={i} className="flex flex-wrap items-baseline gap-2 text-sm">
              <span className="w-16 shrink-0 text-xs font-semibold tracking-wide text-zinc-600 uppercase dark:text-zinc-300">{finding.level}</span>
              <span className="min-w-0 flex-1 break-words">
                <CodeSpans text={finding.message} />
                <span className="ml-2 font-mono text-xs whitespace-nowrap text-zinc-500 dark:text-zinc-400">{finding.id}</span>
              </span>
            </li>
          ))}
        </ul>
      )}
      <p className="mt-3 text-xs text-zinc-500 dark:text-zinc-400">
        From Countersign&apos;s own parse of the operation, not the agent&apos;s description.
        {request.policy.ruleId && (
          <>
            {" "}
            Policy v{request.policy.version}, rule <span className="font-mono">{request.policy.ruleId}</span>: {request.requiredApprovals} approval
            {request.requiredApprovals === 1 ? "" : "s"} by {request.requiredRole}s{request.passkeyRequired ? ", each confirmed with the approver's passkey" : ""}.
          </>
        )}
      </p>
    </Panel>
  );
}

function field(op: unknown, key: string): unknown {
  return op && typeof op === "object" ? (op as Record<string, unknown>)[key] : undefined;
}

/** Above this, the stored JSON is offered as a download rather than drawn (it repeats the SQL or command). */
const MAX_SHOWN_JSON_CHARS = 64 * 1024;

function OperationView({ request }: { request: RequestDetail }) {
  const op = request.operation;
  const json = JSON.stringify(op, null, 2) ?? "";
  const sql = field(op, "sql");
  const command = field(op, "command");
  const download = `/api/dashboard/requests/${request.id}/operation`;
  const downloadJson = `${download}?format=json`;
  const jsonView =
    json.length > MAX_SHOWN_JSON_CHARS ? (
      <p className="text-xs text-zinc-600 dark:text-zinc-400">
        The stored operation is {Math.ceil(json.length / 1024).toLocaleString("en")} KiB, too long to show here.{" "}
        <a href={downloadJson} download className="font-medium underline">
          Download it as JSON
        </a>{" "}
        to read all of it.
      </p>
    ) : (
      <CodeView code={json} language="json" label="Operation as stored (JSON)" downloadHref={downloadJson} downloadLabel="Download the operation as JSON" />
    );
  let primary: React.ReactNode = null;
  if (request.kind === "sql" && typeof sql === "string") {
    primary = <CodeView code={sql} language="sql" label="SQL to run" downloadHref={download} downloadLabel="Download the whole SQL" />;
  } else if (request.kind === "shell" && typeof command === "string") {
    const cwd = field(op, "cwd");
    primary = (
      <>
        {typeof cwd === "string" && (
          <p className="mb-2 text-xs text-zinc-600 dark:text-zinc-400">
            In <span className="font-mono">{<SafeText text={cwd} />}</span>
          </p>
        )}
        <CodeView code={command} language="shell" label="Shell command to run" downloadHref={download} downloadLabel="Download the whole command" />
      </>
    );
  } else if (request.kind === "http") {
    const method = String(field(op, "method") ?? "");
    const url = String(field(op, "url") ?? "");
    const body = field(op, "body");
    const host = httpHost(url);
    primary = (
      <>
        <p className="mb-2 font-mono text-sm break-all">
          <strong>
            <SafeText text={method} />
          </strong>{" "}
          <SafeText text={url} />
        </p>
        {host && (
          <dl className="mb-2 flex flex-wrap items-baseline gap-x-2 text-sm">
            <dt className="text-xs font-semibold tracking-wide text-zinc-600 uppercase dark:text-zinc-400">Host</dt>
            <dd className="font-mono font-semibold break-all">
              <bdi dir="ltr">
                <SafeText text={host.host} />
              </bdi>
            </dd>
          </dl>
        )}
        {host?.nonAscii && (
          <div className="mb-2">
            <Notice tone="warning" role="alert">
              <strong>The host name has non-ASCII letters.</strong> It is shown above as the name the request really goes to (punycode, <code className="font-mono">xn--…</code>). Such names can imitate a familiar site letter for letter — check it.
            </Notice>
          </div>
        )}
        {body !== undefined && <CodeView code={JSON.stringify(body, null, 2) ?? ""} language="json" label="HTTP request body" />}
      </>
    );
  } else if (request.kind === "mcp") {
    const annotations = field(op, "annotations") as Record<string, boolean> | undefined;
    const hints = annotations ? Object.entries(annotations).map(([k, v]) => `${k}: ${v}`).join(", ") : "none declared";
    primary = (
      <>
        <p className="mb-2 font-mono text-sm break-all">
          Tool <strong>{<SafeText text={String(field(op, "tool") ?? "")} />}</strong> of the MCP server <SafeText text={request.resource} />
        </p>
        <p className="mb-2 text-xs text-zinc-600 dark:text-zinc-400">
          The server&apos;s own hints (not trusted to lower the risk): <SafeText text={hints} />
        </p>
        <CodeView code={JSON.stringify(field(op, "arguments") ?? {}, null, 2) ?? ""} language="json" label="Tool arguments" />
      </>
    );
  } else if (request.kind === "custom") {
    primary = (
      <p className="mb-2 font-mono text-sm break-all">
        Action <strong>{<SafeText text={String(field(op, "action") ?? "")} />}</strong>
      </p>
    );
  }
  return (
    <div className="space-y-3">
      {primary}
      {primary && request.kind !== "custom" ? <LazyDetails summary="The whole operation as stored (JSON)">{jsonView}</LazyDetails> : jsonView}
    </div>
  );
}

/**
 * Where an HTTP operation really goes: the WHATWG URL parser gives the host in its ASCII form
 * (punycode), which is what the executor connects to. `nonAscii` when the agent wrote the host
 * with non-ASCII letters (or wrote punycode itself), the look-alike trick.
 */
function httpHost(url: string): { host: string; nonAscii: boolean } | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (!parsed.host) return null;
  const written = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^/?#]*)/i.exec(url)?.[1] ?? "";
  const nonAscii = /[^\x00-\x7f]/.test(written) || parsed.hostname.split(".").some((label) => label.startsWith("xn--"));
  return { host: parsed.host, nonAscii };
}

function ContextView({ request }: { request: RequestDetail }) {
  const context = request.context;
  if (!context) return <p className="text-sm text-zinc-600 dark:text-zinc-400">The agent gave no context.</p>;
  return (
    <dl className="space-y-4">
      {context.reasoning && (
        <div>
          <dt className="mb-1 text-xs font-semibold tracking-wide text-zinc-600 uppercase dark:text-zinc-400">Reasoning</dt>
          <dd>
            <FoldedText text={context.reasoning} what="reasoning" />
          </dd>
        </div>
      )}
      {context.prompt && (
        <div>
          <dt className="mb-1 text-xs font-semibold tracking-wide text-zinc-600 uppercase dark:text-zinc-400">Prompt</dt>
          <dd>
            <UntrustedText text={context.prompt} className="rounded-md bg-zinc-50 p-2 font-mono text-[13px] dark:bg-zinc-950" />
          </dd>
        </div>
      )}
      {context.transcript && context.transcript.length > 0 && (
        <div>
          <dt className="mb-1 text-xs font-semibold tracking-wide text-zinc-600 uppercase dark:text-zinc-400">Transcript ({context.transcript.length} message{context.transcript.length === 1 ? "" : "s"})</dt>
          <dd>
            <Fold open={context.transcript.length <= FOLD_MESSAGES} summary={`Show the transcript: ${context.transcript.length} messages, ${countLines(context.transcript.map((e) => e.content).join("\n")).toLocaleString("en")} lines`}>
            <ol className="space-y-2">
              {context.transcript.map((entry, i) => (
                <li key={i} className="rounded-md border border-zinc-200 p-2 dark:border-zinc-800">
                  <div className="mb-1 font-mono text-xs font-semibold text-zinc-600 dark:text-zinc-400">
                    <SafeText text={entry.role} />
                  </div>
                  <UntrustedText text={entry.content} />
                </li>
              ))}
            </ol>
            </Fold>
          </dd>
        </div>
      )}
      {context.links && context.links.length > 0 && (
        <div>
          <dt className="mb-1 text-xs font-semibold tracking-wide text-zinc-600 uppercase dark:text-zinc-400">Links (not clickable; copy to visit)</dt>
          <dd>
            <ul className="space-y-1">
              {context.links.map((link, i) => (
                <li key={i} className="font-mono text-xs break-all text-zinc-700 select-all dark:text-zinc-300">
                  <SafeText text={link} />
                </li>
              ))}
            </ul>
          </dd>
        </div>
      )}
      {context.session && (
        <div>
          <dt className="mb-1 text-xs font-semibold tracking-wide text-zinc-600 uppercase dark:text-zinc-400">Session</dt>
          <dd className="font-mono text-xs break-all">
            <SafeText text={context.session} />
          </dd>
        </div>
      )}
    </dl>
  );
}

function Approvals({ request, approvals }: { request: RequestDetail; approvals: number }) {
  const needed = request.requiredApprovals;
  if (needed === 0 && request.reviews.length === 0) {
    return (
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        {request.status === "denied" ? "Refused by policy; no person was asked." : "Allowed by policy; no approval was needed."}
      </p>
    );
  }
  return (
    <div>
      <p className="text-sm">
        <strong className="tabular-nums">
          {approvals} of {needed}
        </strong>{" "}
        approval{needed === 1 ? "" : "s"}
        {request.status === "pending" && needed - approvals > 0 && <span className="text-zinc-600 dark:text-zinc-400"> — {needed - approvals} more needed</span>}
      </p>
      <div className="mt-1.5 flex gap-1" aria-hidden="true">
        {Array.from({ length: Math.max(needed, 1) }, (_, i) => (
          <span key={i} className={`h-1.5 flex-1 rounded-full ${i < approvals ? "bg-emerald-600" : "bg-zinc-200 dark:bg-zinc-700"}`} />
        ))}
      </div>
      {request.reviews.length > 0 && (
        <ul className="mt-3 space-y-1.5 text-sm">
          {request.reviews.map((review) => (
            <li key={review.reviewerId} className="flex flex-wrap items-baseline gap-x-2">
              <span className={review.decision === "approve" ? "text-emerald-700 dark:text-emerald-400" : "text-red-700 dark:text-red-400"}>
                {review.decision === "approve" ? "✓ Approved" : "✕ Denied"}
              </span>
              <span className="font-medium">{displayName({ name: review.reviewerName, email: review.reviewerEmail })}</span>
              <span className="text-xs text-zinc-500 dark:text-zinc-400">
                <RelativeTime at={review.createdAt} />
              </span>
              {review.passkeyCredentialId && <span className="text-xs text-zinc-500 dark:text-zinc-400">with a passkey</span>}
              {review.reason && <p className="w-full text-xs break-words whitespace-pre-wrap text-zinc-600 dark:text-zinc-400">“{review.reason}”</p>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function Outcome({ request, now }: { request: RequestDetail; now: string }) {
  const grant = request.grant;
  switch (request.status) {
    case "cooling_down":
      return (
        <Notice tone="info">
          Approved; cooling down. The grant is issued{" "}
          {request.coolDownUntil ? <Countdown to={request.coolDownUntil} now={now} phrase="in" /> : "in a moment"} unless a reviewer cancels the approval now.
        </Notice>
      );
    case "approved":
      if (!grant) return <Notice tone="success">Approved.</Notice>;
      if (grant.expiresAt <= now) return <Notice tone="info">Approved; the grant lapsed unredeemed.</Notice>;
      return (
        <Notice tone="success">
          Approved. The grant has not been redeemed yet; it expires <Countdown to={grant.expiresAt} now={now} phrase="in" />.
        </Notice>
      );
    case "denied":
      return (
        <Notice tone="error" role="status">
          Denied{request.reason ? ":" : "."} {request.reason && <span className="break-words whitespace-pre-wrap">{request.reason}</span>}
        </Notice>
      );
    case "revoked":
      return (
        <Notice tone="info">
          Approval revoked before the grant was used{request.reason ? `: ${request.reason}` : "."}
        </Notice>
      );
    case "expired":
      return <Notice tone="info">Expired without a decision{grant ? " (or the grant lapsed unredeemed)" : ""}.</Notice>;
    case "cancelled":
      return <Notice tone="info">Cancelled by the agent.</Notice>;
    case "executed":
    case "failed":
      return (
        <div className="space-y-1">
          <Notice tone={request.status === "executed" ? "success" : "error"} role="status">
            {request.status === "executed" ? "Executed" : "Failed"} — as reported by the executor.
          </Notice>
          {request.outcomeDetail && (
            <div className="rounded-md border border-dashed border-amber-400/80 p-2">
              <UntrustedLabel />
              <UntrustedText text={request.outcomeDetail} className="mt-1 font-mono text-xs" />
            </div>
          )}
        </div>
      );
    default:
      return null;
  }
}

function WhyNoButtons({ request, role, reviewed, now }: { request: RequestDetail; role: Role; reviewed: boolean; now: string }) {
  if (request.status === "pending") {
    if (request.expiresAt <= now) return <p className="text-sm text-zinc-600 dark:text-zinc-400">This request has expired.</p>;
    if (reviewed) return <p className="text-sm text-zinc-600 dark:text-zinc-400">You have reviewed this request. Other reviewers must give the remaining approvals.</p>;
    return (
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        You can read this request; deciding it needs the <strong>{request.requiredRole}</strong> role (you are a{role === "viewer" ? "" : "n"} {role}).
      </p>
    );
  }
  if (request.status === "approved" && request.grant && !request.grant.redeemedAt && !request.grant.revokedAt && !hasRole(role, "approver")) {
    return <p className="text-sm text-zinc-600 dark:text-zinc-400">Approvers can revoke this approval until the grant is used.</p>;
  }
  return null;
}

function utc(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

function Facts({ request }: { request: RequestDetail }) {
  const row = (label: string, value: React.ReactNode) => (
    <div className="grid grid-cols-[6.5rem_minmax(0,1fr)] gap-2 py-1.5">
      <dt className="text-zinc-500 dark:text-zinc-400">{label}</dt>
      <dd className="min-w-0 break-words">{value}</dd>
    </div>
  );
  return (
    <Panel id="facts" title="Who is asking">
      <dl className="divide-y divide-zinc-100 text-sm dark:divide-zinc-800">
        {row(
          "Agent",
          <>
            <span className="font-medium">{request.agent.name}</span>
            {request.agent.disabled && <span className="ml-2 text-xs font-semibold text-red-700 dark:text-red-400">disabled</span>}
          </>,
        )}
        {row("Owner", request.agent.owner ? displayName(request.agent.owner) : <span className="text-zinc-600 dark:text-zinc-400">No owner</span>)}
        {row(
          "Key",
          request.key ? (
            <>
              <span className="font-mono">{request.key.lookupId}</span> <span className="text-zinc-600 dark:text-zinc-400">“{request.key.label}”</span>
              {request.key.revoked && <span className="ml-2 text-xs font-semibold text-red-700 dark:text-red-400">revoked</span>}
            </>
          ) : (
            <span className="text-zinc-600 dark:text-zinc-400">Unknown (key deleted)</span>
          ),
        )}
        {row(
          "Environment",
          <>
            <InlineUntrusted text={request.environment} className="font-mono" />
            <span className="text-zinc-600 dark:text-zinc-400">{request.production ? " (production tier)" : ""}</span>
          </>,
        )}
        {row("Resource", <InlineUntrusted text={request.resource} className="font-mono" />)}
        {row("Created", <time dateTime={request.createdAt}>{utc(request.createdAt)}</time>)}
        {row("Expires", <time dateTime={request.expiresAt}>{utc(request.expiresAt)}</time>)}
        {row("Request ID", <span className="font-mono text-xs">{request.id}</span>)}
      </dl>
    </Panel>
  );
}
