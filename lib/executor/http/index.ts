export { RunHttp } from "./schema";
export { runHttpOnResource, runApprovedHttp, type HttpExecutionResult, type RunHttpOutcome, type RunHttpInput } from "./run-http";
