"use client";
// Registering a passkey: the server's options go to the browser's WebAuthn prompt, and its answer
// comes back with the name the person gave it. The server verifies and stores it.
import { useActionState, useId, useRef, useState } from "react";
import { startRegistration } from "@simplewebauthn/browser";
import { SafeText } from "@/components/safe-text";
import { buttonStyles, inputClass, labelClass, Notice } from "@/components/ui";
import type { ActionResult } from "@/lib/dashboard/action-result";
import { passkeyRegistrationOptionsAction, registerPasskeyAction } from "./actions";

export function RegisterPasskeyForm() {
  const [state, action, pending] = useActionState<ActionResult, FormData>(registerPasskeyAction, {});
  const [prompting, setPrompting] = useState(false);
  const [promptError, setPromptError] = useState<string | null>(null);
  const response = useRef<HTMLInputElement>(null);
  const id = useId();
  const error = promptError ?? state.error;
  return (
    <form
      action={action}
      className="space-y-3"
      onSubmit={async (event) => {
        // First the browser's prompt; the form is submitted once it has answered.
        if (response.current?.value) return;
        event.preventDefault();
        const form = event.currentTarget;
        setPromptError(null);
        setPrompting(true);
        try {
          const { options, error: refused } = await passkeyRegistrationOptionsAction();
          if (!options) throw new Error(refused ?? "The server gave no passkey options.");
          const answer = await startRegistration({ optionsJSON: options });
          response.current!.value = JSON.stringify(answer);
          form.requestSubmit();
        } catch (e) {
          setPromptError(e instanceof Error ? `No passkey was registered: ${e.message}` : "No passkey was registered.");
        } finally {
          setPrompting(false);
        }
      }}
    >
      <input ref={response} type="hidden" name="response" defaultValue="" />
      {error && (
        <Notice tone="error">
          <SafeText text={error} />
        </Notice>
      )}
      {state.done && !error && <Notice tone="success">{state.done}</Notice>}
      <div>
        <label htmlFor={`${id}-name`} className={labelClass}>
          Passkey name
        </label>
        <input id={`${id}-name`} name="name" required maxLength={60} placeholder="e.g. Work laptop" className={`${inputClass} mt-1 max-w-sm`} />
      </div>
      <button
        type="submit"
        disabled={pending || prompting}
        className={buttonStyles.primary}
        onClick={() => {
          // A fresh registration each time: clear the previous answer before the prompt.
          if (response.current) response.current.value = "";
        }}
      >
        Register passkey
      </button>
      {(pending || prompting) && (
        <span role="status" className="ml-2 text-xs text-zinc-600 dark:text-zinc-400">
          {prompting ? "Waiting for your passkey…" : "Saving…"}
        </span>
      )}
    </form>
  );
}
