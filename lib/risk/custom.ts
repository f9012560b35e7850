// Custom actions: opaque to Countersign, so high unless a catalog entry says otherwise.
import { type Finding, type RiskLevel, quoteName, toAssessment, type RiskAssessment } from "./levels";

export interface CustomCatalogEntry {
  /** The action name, exactly as agents send it. */
  action: string;
  id: string;
  level: RiskLevel;
  message: string;
}

/** No custom actions are classified out of the box. */
export const CUSTOM_CATALOG: readonly CustomCatalogEntry[] = [];

export function assessCustom(action: string, catalog: readonly CustomCatalogEntry[] = CUSTOM_CATALOG): RiskAssessment {
  const entries = catalog.filter((entry) => entry.action === action);
  if (entries.length > 0) {
    return toAssessment(entries.filter((e) => e.level !== "low").map((e): Finding => ({ id: e.id, level: e.level, message: e.message })));
  }
  return toAssessment([
    {
      id: "custom.unclassified",
      level: "high",
      message: `Runs the custom action ${quoteName(action)}, which Countersign cannot classify`,
    },
  ]);
}
