// Asks Countersign about one planned tool call and waits for people: create the request, print
// the review URL at once, long-poll until it is decided or the hook's time runs out, and redeem
// the grant before allowing. Anything but an approval whose grant was redeemed is a denial.
//
// The outcome is not reported: the harness runs the command after the hook has exited and tells
// the hook nothing, so the request stays `approved` with its grant redeemed (the audit log shows
// the one redemption) rather than claiming an `executed` nobody observed.
import type { CreateRequestBody, Redemption, RequestView, WaitOptions } from "../index";
import type { Decision, RequestPlan } from "./plan";

/** The part of CountersignClient the hook uses (a fake in tests). */
export interface HookClient {
  createRequest(body: CreateRequestBody, options?: { idempotencyKey?: string; signal?: AbortSignal }): Promise<RequestView>;
  waitForDecision(id: string, options?: WaitOptions): Promise<RequestView>;
  redeemGrant(token: string, operation: unknown, options?: { signal?: AbortSignal }): Promise<Redemption>;
  cancel(id: string, options?: { signal?: AbortSignal }): Promise<RequestView>;
}

export interface DecideOptions {
  environment: string;
  resource: string;
  /** How long to wait for people, in seconds, from the start. */
  timeoutSeconds: number;
  stderr: { write(text: string): unknown };
  signal?: AbortSignal;
}

const UNDECIDED = new Set(["pending", "cooling_down"]);

function errorText(error: unknown): string {
  const e = error as { detail?: string; code?: string; status?: number; message?: string; cause?: { message?: string } };
  if (typeof e?.status === "number" && e.detail) return `${e.status} ${e.code ?? ""}: ${e.detail}`.replace(/ :/, ":");
  const cause = e?.cause?.message;
  return `${e?.message ?? String(error)}${cause ? ` (${cause})` : ""}`;
}

export async function decide(plan: RequestPlan, client: HookClient, options: DecideOptions): Promise<Decision> {
  const { stderr, signal } = options;
  const started = Date.now();
  const operation = { ...plan.operation, target: { environment: options.environment, resource: options.resource } };
  const body: CreateRequestBody = { operation, summary: plan.summary, context: { session: plan.session } };

  let view: RequestView;
  try {
    view = await client.createRequest(body, { idempotencyKey: plan.idempotencyKey, signal });
  } catch (error) {
    return deny(`Countersign could not be asked, so this is refused: ${errorText(error)}`);
  }
  stderr.write(`countersign: request ${view.id} ${view.status} (risk ${view.risk.level}) — review: ${view.reviewUrl}\n`);

  if (UNDECIDED.has(view.status)) {
    const remaining = options.timeoutSeconds - (Date.now() - started) / 1000;
    stderr.write(`countersign: waiting up to ${Math.max(0, Math.round(remaining))} s for ${view.requiredApprovals} approval(s)…\n`);
    try {
      if (remaining > 0) {
        view = await client.waitForDecision(view.id, {
          timeoutSeconds: remaining,
          signal,
          onRetry: (error, attempt) => {
            if (attempt === 1 || attempt % 10 === 0) stderr.write(`countersign: connection lost (${errorText(error)}); reconnecting…\n`);
          },
        });
      }
    } catch (error) {
      await withdraw(client, view.id);
      if (signal?.aborted) return deny(`Stopped waiting for Countersign (request ${view.id}, withdrawn): interrupted.`, view);
      return deny(`Countersign could not be reached while waiting for request ${view.id}, so this is refused (the request was withdrawn): ${errorText(error)}`, view);
    }
    if (UNDECIDED.has(view.status)) {
      const withdrawn = await withdraw(client, view.id);
      return deny(
        `Timed out after ${Math.round(options.timeoutSeconds)} s waiting for a reviewer to decide Countersign request ${view.id}${withdrawn ? " (withdrawn)" : ""}; nothing ran. Ask the user to get it reviewed, then try again.`,
        view,
      );
    }
  }

  if (view.status === "approved") {
    if (!view.grant?.token) return deny(`Countersign request ${view.id} is approved, but its grant was already used or has lapsed.`, view);
    try {
      await client.redeemGrant(view.grant.token, operation, { signal });
    } catch (error) {
      return deny(`Countersign approved request ${view.id}, but its grant could not be redeemed, so this is refused: ${errorText(error)}`, view);
    }
    const who = view.approvals ? `by ${view.approvals} reviewer(s)` : "by policy";
    const reason = `Approved in Countersign ${who} (request ${view.id}, risk ${view.risk.level}).`;
    // A person's approval is worth telling the user about; policy's allow of every `ls` is not.
    return view.approvals ? { permission: "allow", reason, userMessage: `Countersign approved ${who}: ${view.reviewUrl}` } : { permission: "allow", reason };
  }
  const why = view.reason ?? "no reason given";
  return deny(`Countersign ${view.status} this (request ${view.id}): ${why}`, view);

  function deny(reason: string, request?: RequestView): Decision {
    return { permission: "deny", reason, userMessage: request ? `${reason} — ${request.reviewUrl}` : reason };
  }
}

/** Best effort: a request nobody waits for any more should not be approved into a grant nobody redeems. */
async function withdraw(client: HookClient, id: string): Promise<boolean> {
  try {
    const view = await client.cancel(id, { signal: AbortSignal.timeout(5000) });
    return view.status === "cancelled";
  } catch {
    return false;
  }
}
