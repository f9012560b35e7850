// What an agent sends to run SQL on a registered resource.
import { z } from "zod";
import { RequestContext } from "../requests/schema";

export const RunSql = z.strictObject({
  sql: z.string().min(1).max(256 * 1024),
  summary: z.string().max(500).optional(),
  context: RequestContext.optional(),
  /** Seconds to wait for people before answering with the pending request (0–60). */
  wait: z.number().int().min(0).max(60).default(0),
});
export type RunSql = z.infer<typeof RunSql>;

/** What an agent may send to run the statement of its approved request (the body is optional). */
export const RunApprovedSql = z.strictObject({
  /** Seconds to wait for people while the request is still pending (0–60). */
  wait: z.number().int().min(0).max(60).default(0),
});
export type RunApprovedSql = z.infer<typeof RunApprovedSql>;
