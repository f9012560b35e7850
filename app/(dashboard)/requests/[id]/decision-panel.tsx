"use client";
// Approve / Deny (with a reason) for a pending request, Cancel approval during a cool-down, Revoke
// for an approved, unused grant. The server decides whether this reviewer may; this panel only
// explains and asks. Server messages can quote agent-chosen names, so they render as SafeText.
// When policy asks for a passkey, Approve first runs the browser's WebAuthn prompt for a challenge
// bound to this request, and sends its answer with the approval; the server verifies it.
import { useActionState, useId, useRef, useState } from "react";
import Link from "next/link";
import { startAuthentication } from "@simplewebauthn/browser";
import { SafeText } from "@/components/safe-text";
import { buttonStyles, inputClass, labelClass, Notice } from "@/components/ui";
import { approvalPasskeyOptionsAction, decideAction, type DecisionState } from "./actions";

export interface DecisionPanelProps {
  requestId: string;
  mode: "decide" | "revoke" | "none";
  /** Approved but still cooling down: revoking cancels the approval before any grant exists. */
  coolingDown?: boolean;
  critical: boolean;
  /** Approving needs the resource name typed: critical requests, and hidden or look-alike characters at any level. */
  confirm?: boolean;
  resource: string;
  isOwner: boolean;
  agentName: string;
  /** What Approve grants, in words (lib/dashboard/consequence.ts). */
  consequence?: string;
  /** Set when policy asks each approval for the approver's passkey; whether this reviewer has one. */
  passkey?: { hasPasskey: boolean };
}

export function DecisionPanel({ requestId, mode, coolingDown = false, critical, confirm = critical, resource, isOwner, agentName, consequence, passkey }: DecisionPanelProps) {
  const [state, action, pending] = useActionState<DecisionState, FormData>(decideAction, {});
  const [typed, setTyped] = useState<string | null>(null);
  const [prompting, setPrompting] = useState(false);
  const [promptError, setPromptError] = useState<string | null>(null);
  const assertion = useRef<HTMLInputElement>(null);
  const id = useId();
  if (mode === "none") return state.done ? <Notice tone="success">{state.done}</Notice> : null;
  // The owner may deny but never approve (decideRequest refuses it): no button that cannot work.
  const canApprove = mode === "decide" && !isOwner;
  const reasonError = state.fieldErrors?.reason;
  const confirmationError = state.fieldErrors?.confirmation;
  const confirmation = typed ?? state.values?.confirmation ?? "";
  // A critical approval, or one of an operation with hidden or look-alike characters, waits for the
  // resource name, typed exactly (the server checks it again).
  const confirmed = !confirm || confirmation === resource;
  const needsPasskey = canApprove && passkey !== undefined;
  const error = promptError ?? state.error;
  return (
    <form
      action={action}
      className="space-y-3"
      aria-describedby={error ? `${id}-error` : undefined}
      onSubmit={async (event) => {
        const submitter = (event.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
        setPromptError(null);
        if (!needsPasskey || submitter?.value !== "approve" || assertion.current?.value) return;
        if (prompting) return event.preventDefault();
        // Approve asks the passkey first; the form goes to the server with its answer.
        event.preventDefault();
        const form = event.currentTarget;
        setPrompting(true);
        try {
          const { options, error: refused } = await approvalPasskeyOptionsAction(requestId);
          if (!options) throw new Error(refused ?? "The server gave no passkey options.");
          const answer = await startAuthentication({ optionsJSON: options });
          assertion.current!.value = JSON.stringify(answer);
          form.requestSubmit(submitter);
        } catch (e) {
          setPromptError(`Not approved: your passkey did not confirm it${e instanceof Error ? ` (${e.message})` : ""}.`);
        } finally {
          setPrompting(false);
        }
      }}
    >
      <input type="hidden" name="requestId" value={requestId} />
      {needsPasskey && <input ref={assertion} type="hidden" name="passkey" defaultValue="" />}
      {coolingDown && <input type="hidden" name="coolingDown" value="true" />}
      {error && (
        <div id={`${id}-error`}>
          <Notice tone="error">
            <SafeText text={error} />
          </Notice>
        </div>
      )}
      {state.done && <Notice tone="success">{state.done}</Notice>}
      {mode === "decide" && isOwner && (
        <Notice tone="info" role="status">
          You own <strong>{agentName}</strong>, so you cannot approve its requests: another reviewer must. You can still deny.
        </Notice>
      )}
      <div>
        <label htmlFor={`${id}-reason`} className={labelClass}>
          Reason
          <span className="font-normal text-zinc-600 dark:text-zinc-400"> {mode === "revoke" || !canApprove ? "(required)" : "(required to deny)"}</span>
        </label>
        <textarea
          id={`${id}-reason`}
          name="reason"
          rows={2}
          maxLength={2000}
          defaultValue={state.values?.reason}
          aria-invalid={reasonError ? true : undefined}
          aria-describedby={reasonError ? `${id}-reason-error` : undefined}
          className={`${inputClass} mt-1`}
          required={mode === "revoke"}
        />
        {reasonError && (
          <p id={`${id}-reason-error`} className="mt-1 text-xs text-red-700 dark:text-red-400">
            Reason: <SafeText text={reasonError} />
          </p>
        )}
      </div>
      {canApprove && confirm && (
        <div>
          <label htmlFor={`${id}-confirm`} className={labelClass}>
            Type <code className="rounded bg-zinc-100 px-1 font-mono text-zinc-900 dark:bg-zinc-800 dark:text-zinc-100">
              <SafeText text={resource} />
            </code>{" "}
            to confirm
          </label>
          <input
            id={`${id}-confirm`}
            name="confirmation"
            autoComplete="off"
            spellCheck={false}
            value={confirmation}
            onChange={(e) => setTyped(e.target.value)}
            aria-invalid={confirmationError || (confirmation !== "" && !confirmed) ? true : undefined}
            aria-describedby={`${id}-confirm-help`}
            className={`${inputClass} mt-1 font-mono`}
          />
          <p id={`${id}-confirm-help`} className="mt-1 text-xs text-zinc-500 dark:text-zinc-400">
            {confirmation !== "" && !confirmed ? "Not yet the resource name: Approve stays disabled until it matches exactly. " : ""}
            {critical
              ? "Critical requests need the resource name typed to approve."
              : "This operation holds hidden or look-alike characters, so approving it needs the resource name typed."}{" "}
            Not needed to deny.
          </p>
        </div>
      )}
      {needsPasskey && (
        <p id={`${id}-passkey`} className="text-sm text-zinc-700 dark:text-zinc-300">
          {passkey.hasPasskey ? (
            <>Policy asks for your passkey: Approve opens your browser&apos;s passkey prompt, and the approval counts only once it confirms.</>
          ) : (
            <>
              Approving this request needs a passkey, and you have none.{" "}
              <Link href="/account" className="font-medium underline">
                Register one on your account page
              </Link>{" "}
              first. You can still deny.
            </>
          )}
        </p>
      )}
      {canApprove && consequence && (
        <p id={`${id}-consequence`} className="rounded-md border border-zinc-200 bg-zinc-50 px-3 py-2 text-sm text-zinc-800 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100">
          <span className="font-semibold">Approve grants: </span>
          <SafeText text={consequence} />
        </p>
      )}
      <div className="flex flex-wrap gap-2">
        {mode === "decide" ? (
          <>
            {canApprove && (
              <button
                type="submit"
                name="decision"
                value="approve"
                // Not disabled while the prompt is open: the form is then submitted with this button,
                // and a disabled submitter would leave its decision out of the form data.
                disabled={pending || !confirmed || (needsPasskey && !passkey.hasPasskey)}
                aria-describedby={[consequence ? `${id}-consequence` : "", needsPasskey ? `${id}-passkey` : ""].filter(Boolean).join(" ") || undefined}
                onClick={() => {
                  // Each Approve asks the passkey afresh: a refused answer is never sent twice.
                  if (assertion.current) assertion.current.value = "";
                }}
                className={critical ? buttonStyles.danger : buttonStyles.approve}
              >
                Approve
              </button>
            )}
            <button type="submit" name="decision" value="deny" disabled={pending} className={buttonStyles.danger}>
              Deny
            </button>
          </>
        ) : (
          <button type="submit" name="decision" value="revoke" disabled={pending} className={buttonStyles.danger}>
            {coolingDown ? "Cancel approval" : "Revoke"}
          </button>
        )}
        {(pending || prompting) && (
          <span role="status" className="self-center text-xs text-zinc-600 dark:text-zinc-400">
            {prompting ? "Waiting for your passkey…" : "Saving…"}
          </span>
        )}
      </div>
    </form>
  );
}
