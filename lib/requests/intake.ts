// What a new request needs to know before it is recorded, read in one round trip: the database's
// clock, the policy version in force, the environment's definition and tier, where the target is
// bound (a registered resource or an environment's declared hosts and patterns), whether a Slack
// webhook is stored, and the signing keys live now (for a grant if policy allows the request). Nothing here is cached across requests except a policy version's rules, which
// never change once written (lib/policy/store.ts), so every instance decides on current state.
import { rawSql, type PrismaClient } from "../db";
import { bindingOf, type BoundEnvironment, type DeclaredEnvironment, type Tier } from "../environments";
import { policyAtRevision, type PolicyVersionView } from "../policy/store";
import { SLACK_SETTINGS_KEY } from "../notify/settings";
import { liveKeysJsonSql, liveKeyRowsFromJson, type KeyRow } from "../grants/keys";

export interface IntakeFacts {
  /** The database's clock when the facts were read; the request's creation time. */
  now: Date;
  policy: PolicyVersionView;
  /** The named environment's tier; an undefined name counts as production (fail closed). */
  tier: Tier;
  /** A defined environment whose name differs from the request's only by case. */
  caseVariant: string | null;
  bound: BoundEnvironment | null;
  /** A Slack webhook is stored in settings (the environment's own is in the config). */
  slackStored: boolean;
  /** The stored signing keys live at `now` (signingKeyOf picks the one that signs). */
  signingKeys: KeyRow[];
}

interface FactsRow {
  now: Date;
  policy_version: number | null;
  policy_rev: string | null;
  registered_in: string | null;
  environments: DeclaredEnvironment[] | string;
  slack_stored: boolean;
  signing_keys: unknown;
}

export async function readIntakeFacts(
  prisma: PrismaClient,
  operation: { kind: string; target: { environment: string; resource: string }; url?: string },
): Promise<IntakeFacts> {
  const { environment, resource } = operation.target;
  // Environments: the one named (in any case, for the case check and its tier) and every one that
  // declares hosts or resource patterns (for the binding).
  const [row] = await rawSql(prisma).$queryRawUnsafe<FactsRow[]>(
    `SELECT now() AS now,
            p.version AS policy_version, p.xmin::text AS policy_rev,
            (SELECT r.environment FROM resources r WHERE r.name = $2) AS registered_in,
            (SELECT coalesce(json_agg(json_build_object('name', e.name, 'tier', e.tier::text, 'hosts', e.hosts, 'resourcePatterns', e.resource_patterns) ORDER BY e.name), '[]'::json)
               FROM environments e
              WHERE lower(e.name) = lower($1) OR cardinality(e.hosts) > 0 OR cardinality(e.resource_patterns) > 0) AS environments,
            EXISTS (SELECT 1 FROM settings s WHERE s.key = $3) AS slack_stored,
            ${liveKeysJsonSql("now()")} AS signing_keys
       FROM (SELECT 1) AS one
       LEFT JOIN LATERAL (SELECT version, xmin FROM policy_versions ORDER BY version DESC LIMIT 1) p ON true`,
    environment,
    resource,
    SLACK_SETTINGS_KEY,
  );
  if (row.policy_version === null || row.policy_rev === null) throw new Error("No policy version exists: the server seeds one at start-up.");
  const environments = (typeof row.environments === "string" ? JSON.parse(row.environments) : row.environments) as DeclaredEnvironment[];
  const named = environments.find((env) => env.name === environment);
  const variant = environments.find((env) => env.name !== environment && env.name.toLowerCase() === environment.toLowerCase());
  return {
    now: new Date(row.now),
    policy: await policyAtRevision(prisma, Number(row.policy_version), row.policy_rev),
    tier: named?.tier ?? "production",
    caseVariant: variant?.name ?? null,
    bound: bindingOf(row.registered_in, environments, operation),
    slackStored: row.slack_stored === true,
    signingKeys: liveKeyRowsFromJson(row.signing_keys),
  };
}
