// What an agent sends to create a request, and what it gets back.
import { z } from "zod";
import { Operation } from "../operations/schema";

const MAX_TEXT = 64 * 1024;

export const RequestContext = z.strictObject({
  reasoning: z.string().max(MAX_TEXT).optional(),
  prompt: z.string().max(MAX_TEXT).optional(),
  transcript: z
    .array(z.strictObject({ role: z.string().min(1).max(50), content: z.string().max(MAX_TEXT) }))
    .max(500)
    .optional(),
  links: z.array(z.url({ protocol: /^https?$/ }).max(2048)).max(50).optional(),
  session: z.string().max(200).optional(),
});
export type RequestContext = z.infer<typeof RequestContext>;

export const RequestDiff = z.strictObject({
  format: z.enum(["unified", "text", "json"]),
  content: z.string().max(512 * 1024),
});
export type RequestDiff = z.infer<typeof RequestDiff>;

export const CreateRequest = z.strictObject({
  operation: Operation,
  summary: z
    .string()
    .max(500)
    .transform((s) => s.replace(/[\r\n\t]+/g, " ").trim())
    .optional(),
  context: RequestContext.optional(),
  diff: RequestDiff.optional(),
  ttlSeconds: z.number().int().min(10).max(86_400).default(900),
});
export type CreateRequest = z.infer<typeof CreateRequest>;

export const RedeemGrant = z.strictObject({
  token: z.string().min(1).max(8192),
  operation: z.unknown().refine((v) => v !== undefined && v !== null, "operation is required"),
});
export type RedeemGrant = z.infer<typeof RedeemGrant>;

export const ReportOutcome = z.strictObject({
  status: z.enum(["executed", "failed"]),
  detail: z.string().max(MAX_TEXT).optional(),
});
export type ReportOutcome = z.infer<typeof ReportOutcome>;

/** `?wait=N` on a read: whole seconds, 1–60 (no `wait` means no waiting). */
export const WaitSeconds = z
  .string()
  .regex(/^\d{1,2}$/, "must be a whole number of seconds")
  .transform(Number)
  .pipe(z.number().int().min(1).max(60));

export const REQUEST_STATUSES = ["pending", "cooling_down", "approved", "denied", "expired", "cancelled", "revoked", "executed", "failed"] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];
export const TERMINAL_STATUSES: RequestStatus[] = ["denied", "expired", "cancelled", "revoked", "executed", "failed"];
