// What the policy page's server actions answer; shared by the actions and the client forms.
import type { ActionResult } from "@/lib/dashboard/action-result";

export interface PolicyIssue {
  field: string;
  message: string;
}

export interface PolicySaveResult extends ActionResult {
  issues?: PolicyIssue[];
  version?: number;
}

export interface SimulationView {
  /** "policy version 7" or "the edited, unsaved policy". */
  source: string;
  environment: string;
  tier: "production" | "other";
  level: string;
  findings: { id: string; level: string; message: string }[];
  targets: string[];
  ruleId: string | null;
  ruleIndex: number | null;
  effectType: "allow" | "require_approval" | "deny";
  effect: string;
  explanation: string;
  /** The measurement's risk floor and tolerance in words. */
  measurementPolicy: string;
  /** True when a replayed request's own measurement was applied. */
  measured: boolean;
}

export interface SimulationResult extends ActionResult {
  issues?: PolicyIssue[];
  simulation?: SimulationView;
}
