export { dryRunSql, formatBytes, type DryRun, type StatementDryRun, type TableImpact } from "./dry-run";
export { executeSql, SqlExecutionError, type SqlResult, type ExecuteOptions } from "./execute";
export { runSqlOnResource, runApprovedSql, madeByBuiltInExecutor, type RunSqlInput, type RunApprovedSqlOptions, type RunSqlOutcome, type ExecutionResult } from "./run-sql";
export { RunSql, RunApprovedSql } from "./schema";
export { runApproved, type RunApprovedOutcome } from "./run-approved";
export { runHttpOnResource, runApprovedHttp, RunHttp, type HttpExecutionResult, type RunHttpOutcome } from "./http";
