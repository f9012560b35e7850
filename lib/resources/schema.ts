// What an admin sends to register a resource.
import { z } from "zod";

export const RESOURCE_NAME = /^[a-z0-9][a-z0-9._/-]{0,99}$/;

/** A PostgreSQL connection URL: postgres:// or postgresql://, with a host. */
export const PostgresUrl = z
  .string()
  .max(4096)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === "postgres:" || url.protocol === "postgresql:") && url.hostname.length > 0;
    } catch {
      return false;
    }
  }, "must be a postgres:// or postgresql:// URL with a host");

export const RegisterResource = z.strictObject({
  name: z.string().regex(RESOURCE_NAME, "lower-case letters, digits, . _ / -; at most 100 characters"),
  environment: z.string().min(1).max(100),
  connectionUrl: PostgresUrl,
  description: z.string().max(1000).default(""),
});
export type RegisterResource = z.input<typeof RegisterResource>;
