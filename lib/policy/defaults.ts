// The default policy from DESIGN.md ("Risk and policy"): first match wins; no match → 1 approval.
import type { PolicyRule } from "./schema";

export const DEFAULT_POLICY_RULES: PolicyRule[] = [
  {
    id: "deny-backup-destruction",
    description: "Deleting or disabling backups, snapshots or point-in-time recovery",
    match: { findings: ["backup.*"] },
    effect: {
      type: "deny",
      reason: "Deleting or disabling backups, snapshots or point-in-time recovery is never allowed to agents",
    },
  },
  {
    id: "production-critical",
    description: "Critical operations in production",
    match: { tier: "production", minRisk: "critical" },
    // A stolen session cookie or an unlocked browser alone cannot approve these: each approver's passkey must.
    effect: { type: "require_approval", approvals: 2, passkey: true },
  },
  {
    id: "production-medium-high",
    description: "Medium- or high-risk operations in production",
    match: { tier: "production", minRisk: "medium", maxRisk: "high" },
    effect: { type: "require_approval", approvals: 1 },
  },
  {
    id: "other-high-critical",
    description: "High- or critical-risk operations outside production",
    match: { tier: "other", minRisk: "high" },
    effect: { type: "require_approval", approvals: 1 },
  },
  {
    id: "allow-low",
    description: "Low-risk operations anywhere",
    match: { maxRisk: "low" },
    effect: { type: "allow" },
  },
  {
    id: "allow-medium-outside-production",
    description: "Medium-risk operations outside production",
    match: { tier: "other", minRisk: "medium", maxRisk: "medium" },
    effect: { type: "allow" },
  },
];
