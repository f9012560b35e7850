export { createRequest, type CreateRequestInput, type CreateRequestResult } from "./create-request";
export { decideRequest, Decision, type DecideRequestInput } from "./decide-request";
export { redeemGrant, reportOutcome, type Redemption } from "./redeem-grant";
export { getRequestForAgent, waitForDecision, cancelRequest } from "./agent-requests";
export { expireDueRequests } from "./expire-requests";
export { requestEvents, REQUEST_CHANNEL } from "./events";
export { toRequestView, reviewUrl, type RequestView } from "./view";
export { readPlannedEffect, type PlannedEffect } from "./planned-effect";
export * from "./schema";
