// Loads the PostgreSQL parser (WebAssembly) once, so that classification itself can stay
// synchronous. Loading starts when this module is imported; `await loadRiskEngine()` at
// start-up (and in tests, the CLI) makes sure it has finished before the first `assessRisk`.
import {
  loadModule,
  parsePlPgSQLSync,
  parseSync,
  scanSync,
  type ParseResult,
  type ScanResult,
} from "libpg-query";

let loaded = false;
let loading: Promise<void> | null = null;

/** Loads the parser; idempotent and safe to call concurrently. */
export function loadRiskEngine(): Promise<void> {
  loading ??= loadModule().then(
    () => {
      loaded = true;
    },
    (error: unknown) => {
      loading = null;
      throw error;
    },
  );
  return loading;
}

// Start at import: a long-running server is ready long before its first request. A failure
// here is reported by the next explicit loadRiskEngine() call instead.
loadRiskEngine().catch(() => {});

export function isRiskEngineLoaded(): boolean {
  return loaded;
}

export class RiskEngineNotLoadedError extends Error {
  readonly code = "risk_engine_not_loaded";
  constructor() {
    super("The risk engine is not loaded: await loadRiskEngine() once at start-up before calling assessRisk().");
    this.name = "RiskEngineNotLoadedError";
  }
}

export function assertRiskEngineLoaded(): void {
  if (!loaded) throw new RiskEngineNotLoadedError();
}

export interface SqlParseFailure {
  message: string;
  /** 0-based character position of the error, when the parser reports one. */
  position: number | null;
}

export function parseSql(sql: string): { ok: true; result: ParseResult } | { ok: false; error: SqlParseFailure } {
  assertRiskEngineLoaded();
  if (sql === "") return { ok: true, result: { stmts: [] } }; // the library refuses empty input
  try {
    return { ok: true, result: parseSync(sql) };
  } catch (error) {
    return { ok: false, error: toFailure(error) };
  }
}

export function parsePlpgsql(sql: string): { ok: true; result: unknown } | { ok: false; error: SqlParseFailure } {
  assertRiskEngineLoaded();
  try {
    return { ok: true, result: parsePlPgSQLSync(sql) as unknown };
  } catch (error) {
    return { ok: false, error: toFailure(error) };
  }
}

export function scanSql(sql: string): ScanResult | null {
  assertRiskEngineLoaded();
  try {
    return scanSync(sql);
  } catch {
    return null;
  }
}

function toFailure(error: unknown): SqlParseFailure {
  const message = error instanceof Error ? error.message : String(error);
  const details = (error as { sqlDetails?: { cursorPosition?: number } } | null)?.sqlDetails;
  const position = typeof details?.cursorPosition === "number" ? details.cursorPosition : null;
  return { message, position };
}
