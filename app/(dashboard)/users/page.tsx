import type { Metadata } from "next";
import { db } from "@/lib/db";
import { listUsers } from "@/lib/users";
import { hasRole } from "@/lib/users/roles";
import { requirePageReviewer } from "@/lib/auth/session";
import { ActionButton } from "@/components/action-form";
import { RoleBadge } from "@/components/badges";
import { Forbidden, PageHeader, Panel, PanelTable } from "@/components/ui";
import { CreateUserForm, RoleForm } from "./user-forms";
import { setUserDisabledAction } from "./actions";

export const metadata: Metadata = { title: "Users" };

// Admin: reviewers and their roles. Changes apply on each person's next request.
export default async function UsersPage() {
  const reviewer = await requirePageReviewer("/users");
  if (!hasRole(reviewer.role, "admin")) return <Forbidden role="admin" />;
  const users = await listUsers(await db());
  return (
    <div className="space-y-4">
      <PageHeader title="Users" description="Viewers read requests; approvers also decide them; admins also manage agents, users and settings." />
      <Panel id="add-user" title="Add user">
        <CreateUserForm />
      </Panel>
      <Panel id="user-list" title={`${users.length} users`}>
        <PanelTable columns={["User", "Role", "State", ""]}>
          {users.map((user) => {
            const self = user.id === reviewer.id;
            const disabled = user.disabledAt !== null;
            return (
              <tr key={user.id} className={disabled ? "text-zinc-500" : ""}>
                <td className="px-4 py-2">
                  <div className="font-medium">{user.name || user.email}</div>
                  {user.name && <div className="text-xs text-zinc-500 dark:text-zinc-400">{user.email}</div>}
                  {self && <div className="text-xs text-zinc-500 dark:text-zinc-400">You</div>}
                </td>
                <td className="px-4 py-2">{self ? <RoleBadge role={user.role} /> : <RoleForm userId={user.id} email={user.email} role={user.role} />}</td>
                <td className="px-4 py-2 text-xs font-medium">{disabled ? <span className="text-red-700 dark:text-red-400">Disabled</span> : "Active"}</td>
                <td className="px-4 py-2 text-right">
                  {!self && (
                    <ActionButton
                      action={setUserDisabledAction}
                      fields={{ userId: user.id, disabled: String(!disabled) }}
                      label={disabled ? "Enable" : "Disable"}
                      ariaLabel={`${disabled ? "Enable" : "Disable"} ${user.email}`}
                      variant="subtle"
                    />
                  )}
                </td>
              </tr>
            );
          })}
        </PanelTable>
      </Panel>
    </div>
  );
}
