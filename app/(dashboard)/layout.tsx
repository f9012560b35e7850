import { currentReviewer } from "@/lib/auth/session";
import { Nav } from "@/components/nav";
import { Providers } from "@/components/providers";
import { signOutAction } from "./actions";

// The signed-in shell: navigation and the client data provider. Each page checks the session
// and role itself (a layout does not re-render on every navigation).
export default async function DashboardLayout({ children }: { children: React.ReactNode }) {
  const reviewer = await currentReviewer();
  return (
    <Providers>
      <Nav reviewer={reviewer ? { email: reviewer.email, name: reviewer.name, role: reviewer.role } : null} signOut={signOutAction} />
      <main id="main" className="mx-auto max-w-6xl px-3 py-5 sm:px-6">
        {children}
      </main>
    </Providers>
  );
}
