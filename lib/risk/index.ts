// The risk classifier: a pure function from an operation to its risk level, findings and the
// objects it touches. The SQL parser must be loaded once first: `await loadRiskEngine()`.
import type { Operation } from "../operations/schema";
import { assessCustom } from "./custom";
import { assertRiskEngineLoaded } from "./engine";
import { assessMcp } from "./mcp";
import { hiddenCharacterFindings } from "./hidden-characters";
import { assessHttp } from "./http";
import { type RiskAssessment, toAssessment } from "./levels";
import { assessShell } from "./shell";
import { assessSql } from "./sql";

export { RISK_LEVELS, compareRisk, maxRisk, type Finding, type RiskAssessment, type RiskLevel } from "./levels";
export { isRiskEngineLoaded, loadRiskEngine, RiskEngineNotLoadedError } from "./engine";
export { assessSql } from "./sql";
export { assessHttp } from "./http";
export { assessShell } from "./shell";
export { assessMcp } from "./mcp";
export { assessCustom, CUSTOM_CATALOG, type CustomCatalogEntry } from "./custom";
export { HTTP_CATALOG, type HttpCatalogEntry } from "./http-catalog";
export { requiresTypedConfirmation, TYPED_CONFIRMATION_FINDINGS } from "./hidden-characters";

/**
 * Classifies an operation. Synchronous and pure; throws `RiskEngineNotLoadedError` if
 * `loadRiskEngine()` has not completed (for every kind, so a missing start-up step shows at once).
 * Hidden characters, or look-alike letters from another script inside Latin words, anywhere in what
 * runs make any operation critical, so approving it takes the typed confirmation.
 */
export function assessRisk(operation: Operation): RiskAssessment {
  assertRiskEngineLoaded();
  const assessment = assessKind(operation);
  const hidden = hiddenCharacterFindings(operation);
  return hidden.length === 0 ? assessment : toAssessment([...hidden, ...assessment.findings], assessment.targets);
}

function assessKind(operation: Operation): RiskAssessment {
  switch (operation.kind) {
    case "sql":
      return assessSql(operation.sql);
    case "http":
      return assessHttp({ method: operation.method, url: operation.url, body: operation.body });
    case "shell":
      return assessShell(operation.command);
    case "custom":
      return assessCustom(operation.action);
    case "mcp":
      return assessMcp(operation);
  }
}
