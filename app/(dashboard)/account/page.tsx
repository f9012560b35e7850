import type { Metadata } from "next";
import { db } from "@/lib/db";
import { listPasskeys } from "@/lib/passkeys";
import { requirePageReviewer } from "@/lib/auth/session";
import { ActionButton } from "@/components/action-form";
import { RelativeTime } from "@/components/relative-time";
import { PageHeader, Panel, PanelTable } from "@/components/ui";
import { RegisterPasskeyForm } from "./passkey-forms";
import { removePasskeyAction } from "./actions";

export const metadata: Metadata = { title: "Account" };

// The signed-in person's own account: their passkeys, which policy can require to approve.
export default async function AccountPage() {
  const reviewer = await requirePageReviewer("/account");
  const passkeys = await listPasskeys(await db(), reviewer.id);
  const now = new Date().toISOString();
  return (
    <div className="space-y-4">
      <PageHeader
        title="Account"
        description={`Signed in as ${reviewer.email} (${reviewer.role}).`}
      />
      <Panel id="passkeys" title="Passkeys">
        <p className="mb-3 text-sm text-zinc-600 dark:text-zinc-400">
          Policy can ask for a passkey — with your fingerprint, face or PIN — to approve the requests it names (by default, critical ones in
          production), so a session cookie or an unlocked browser alone cannot approve them.
        </p>
        {passkeys.length === 0 ? (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">You have no passkeys yet.</p>
        ) : (
          <PanelTable columns={["Name", "Added", "Last used", ""]}>
            {passkeys.map((passkey) => (
              <tr key={passkey.id}>
                <td className="px-4 py-2 text-sm">{passkey.name}</td>
                <td className="px-4 py-2 text-sm">
                  <RelativeTime at={passkey.createdAt.toISOString()} now={now} />
                </td>
                <td className="px-4 py-2 text-sm">{passkey.lastUsedAt ? <RelativeTime at={passkey.lastUsedAt.toISOString()} now={now} /> : "never"}</td>
                <td className="px-4 py-2 text-right text-sm">
                  <ActionButton
                    action={removePasskeyAction}
                    fields={{ id: passkey.id }}
                    label="Remove"
                    ariaLabel={`Remove passkey ${passkey.name}`}
                    variant="subtle"
                    confirm={`Remove the passkey “${passkey.name}”? It can no longer approve requests.`}
                  />
                </td>
              </tr>
            ))}
          </PanelTable>
        )}
      </Panel>
      <Panel id="register-passkey" title="Register a passkey">
        <RegisterPasskeyForm />
      </Panel>
    </div>
  );
}
