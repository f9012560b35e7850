import { db } from "@/lib/db";
import { requireReviewer } from "@/lib/auth/session";
import { currentPolicy } from "@/lib/policy/store";
import { getPolicyVersion, policyToYaml } from "@/lib/policy/versions";
import { AppError } from "@/lib/errors";
import { problemResponse } from "@/lib/http/problem";

export const dynamic = "force-dynamic";

// GET /policy/export[?version=N] — the policy in force (or version N) as a YAML download, for approvers and admins
export async function GET(request: Request) {
  try {
    await requireReviewer("approver");
    const prisma = await db();
    const param = new URL(request.url).searchParams.get("version");
    if (param !== null && !/^\d{1,9}$/.test(param)) throw new AppError("bad_request", "version must be a policy version number.");
    const policy = param === null ? await currentPolicy(prisma) : await getPolicyVersion(prisma, Number(param));
    return new Response(policyToYaml(policy.rules, policy.circuitBreaker, policy.measurement), {
      headers: {
        "content-type": "application/yaml; charset=utf-8",
        "content-disposition": `attachment; filename="countersign-policy-v${policy.version}.yaml"`,
        "cache-control": "private, no-store",
        "x-content-type-options": "nosniff",
      },
    });
  } catch (error) {
    return problemResponse(error, "/policy/export");
  }
}
