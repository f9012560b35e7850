"use server";

import { refresh } from "next/cache";
import { db } from "@/lib/db";
import { currentPolicy, savePolicy } from "@/lib/policy/store";
import { checkPolicyYaml, getPolicyVersion, simulatePastedOperation } from "@/lib/policy/versions";
import { requireActionReviewer } from "@/lib/auth/session";
import { AppError } from "@/lib/errors";
import { actionError, formString } from "@/lib/dashboard/action-result";
import { parseJsonText } from "@/lib/http/body";
import type { PolicySaveResult, SimulationResult } from "@/components/policy/types";
import { readPlannedEffect } from "@/lib/requests/planned-effect";
import type { MeasuredEffect, MeasurementPolicy } from "@/lib/policy/measurement";

function rawString(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === "string" ? value : "";
}

// Server action: saves the edited YAML as a new policy version (refused if someone saved since).
export async function savePolicyAction(_prev: PolicySaveResult, form: FormData): Promise<PolicySaveResult> {
  try {
    const admin = await requireActionReviewer("admin");
    const checked = checkPolicyYaml(rawString(form, "yaml"));
    if (!checked.ok) return { error: "The policy YAML is not valid; nothing was saved.", issues: checked.errors };
    const prisma = await db();
    const base = Number(formString(form, "baseVersion"));
    const current = await currentPolicy(prisma);
    if (current.version !== base) {
      throw new AppError("conflict", `Version ${current.version} was saved after you started editing version ${base}. Copy your changes, reload, and apply them again.`);
    }
    const saved = await savePolicy(prisma, checked.rules, { type: "user", id: admin.id }, formString(form, "note").slice(0, 500), checked.circuitBreaker, checked.measurement);
    refresh();
    return { done: saved.unchanged ? `No change: version ${saved.version} already says exactly this.` : `Saved as version ${saved.version}.`, version: saved.version };
  } catch (error) {
    return actionError(error);
  }
}

// Server action: makes a past version's rules current again, as a new version.
export async function restorePolicyAction(_prev: PolicySaveResult, form: FormData): Promise<PolicySaveResult> {
  try {
    const admin = await requireActionReviewer("admin");
    const prisma = await db();
    const old = await getPolicyVersion(prisma, Number(formString(form, "version")));
    const saved = await savePolicy(prisma, old.rules, { type: "user", id: admin.id }, `Restored version ${old.version}`, old.circuitBreaker, old.measurement);
    refresh();
    return { done: saved.unchanged ? `Version ${old.version} already says exactly what is in force (version ${saved.version}); nothing changed.` : `Version ${old.version} restored as version ${saved.version}.`, version: saved.version };
  } catch (error) {
    return actionError(error);
  }
}

// Server action: what the current rules (or the edited, unsaved YAML) would decide for an operation.
export async function simulatePolicyAction(_prev: SimulationResult, form: FormData): Promise<SimulationResult> {
  try {
    await requireActionReviewer("approver");
    const prisma = await db();
    let operation: unknown;
    let measured: MeasuredEffect | null = null;
    let agentName = formString(form, "agent");
    const requestId = formString(form, "request");
    if (requestId) {
      // Replay a past request: its exact operation and its agent, under the rules chosen below.
      const past = /^[0-9a-f-]{36}$/i.test(requestId)
        ? await prisma.request.findUnique({ where: { id: requestId }, select: { operation: true, plannedEffect: true, agent: { select: { name: true } } } })
        : null;
      if (!past) return { error: `No request with id ${requestId}.` };
      operation = past.operation;
      // Its own measurement too: the risk floor under the thresholds chosen below.
      measured = readPlannedEffect(past.plannedEffect)?.measured ?? null;
      agentName ||= past.agent.name;
    } else {
      try {
        operation = parseJsonText(rawString(form, "operation"), "The operation");
      } catch (error) {
        return { error: error instanceof Error ? error.message : "The operation is not valid JSON." };
      }
    }
    let rules;
    let version: number | null;
    let measurement: MeasurementPolicy | null;
    if (form.get("useEdited") === "on") {
      const checked = checkPolicyYaml(rawString(form, "yaml"));
      if (!checked.ok) return { error: "The edited policy YAML is not valid, so it cannot be simulated.", issues: checked.errors };
      rules = checked.rules;
      measurement = checked.measurement;
      version = null;
    } else {
      const current = await currentPolicy(prisma);
      rules = current.rules;
      measurement = current.measurement;
      version = current.version;
    }
    const s = await simulatePastedOperation(prisma, {
      operation,
      environment: formString(form, "environment"),
      agentName,
      rules,
      version,
      measurement,
      measured,
    });
    return {
      simulation: {
        source: version === null ? "the edited, unsaved policy" : `policy version ${version}`,
        environment: s.environment,
        tier: s.tier,
        level: s.risk.level,
        findings: s.risk.findings.map((f) => ({ id: f.id, level: f.level, message: f.message })),
        targets: s.risk.targets,
        ruleId: s.rule?.id ?? null,
        ruleIndex: s.rule?.index ?? null,
        effectType: s.effect.type,
        effect: s.outcome,
        explanation: s.explanation,
        measurementPolicy: s.measurementPolicy,
        measured: s.measured,
      },
    };
  } catch (error) {
    return actionError(error);
  }
}
