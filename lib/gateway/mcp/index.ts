export { listGatewayTools, describeGatewayTool, callGatewayTool, runApprovedMcp, gatewayToolName, type GatewayTool, type McpExecutionResult, type RunMcpOutcome } from "./gateway";
export { closeUpstreams } from "./upstream";
