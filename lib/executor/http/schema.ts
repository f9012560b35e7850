// What an agent sends to call a registered HTTP API through Countersign's credential broker.
import { z } from "zod";
import { RequestContext } from "../../requests/schema";

const QueryValue = z.union([z.string().max(8192), z.array(z.string().max(8192)).max(100)]);

export const RunHttp = z.strictObject({
  method: z.string().regex(/^[A-Za-z]{1,16}$/, "an HTTP method name"),
  /** Under the resource's base URL, starting with `/`. */
  path: z.string().min(1).max(4096),
  query: z.record(z.string().max(200), QueryValue).optional(),
  /** Non-credential headers; the broker adds the credential. */
  headers: z.record(z.string().max(100), z.string().max(8192)).optional(),
  /** JSON (sent as application/json) or text. */
  body: z.unknown().optional(),
  summary: z.string().max(500).optional(),
  context: RequestContext.optional(),
  /** Seconds to wait for people before answering with the pending request (0–60). */
  wait: z.number().int().min(0).max(60).default(0),
});
export type RunHttp = z.infer<typeof RunHttp>;
