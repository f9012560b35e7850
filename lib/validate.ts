// Parses input with a zod schema, turning failures into a 422 that names each field.
import { z } from "zod";
import { AppError } from "./errors";

export function fieldErrors(error: z.ZodError, prefix = ""): { field: string; message: string }[] {
  const name = (path: PropertyKey[]) => [prefix, ...path.map(String)].filter(Boolean).join(".") || "(body)";
  return error.issues.flatMap((issue) =>
    // A strict object names its unknown keys on the object itself: name each key as its own field.
    issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => ({ field: name([...issue.path, key]), message: "is not a known field" }))
      : [{ field: name(issue.path), message: issue.message }],
  );
}

export function parseInput<T extends z.ZodType>(schema: T, input: unknown, message = "The input is not valid."): z.output<T> {
  const result = schema.safeParse(input);
  if (!result.success) throw new AppError("validation_failed", message, fieldErrors(result.error));
  return result.data;
}

/**
 * PostgreSQL cannot store NUL characters in text or JSON; refuse them up front with the field's
 * path rather than failing (or silently altering the text) at insert time.
 */
export function findNulCharacter(value: unknown, path: string[] = []): string | null {
  if (typeof value === "string") return value.includes("\u0000") ? path.join(".") || "(body)" : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findNulCharacter(value[i], [...path, String(i)]);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes("\u0000")) return [...path, k].join(".");
      const found = findNulCharacter(v, [...path, k]);
      if (found) return found;
    }
  }
  return null;
}

// Built once: a zod schema costs far more to build than to check with.
const UUID = z.uuid();

/** Whether `value` is a UUID, as ids of stored rows are. */
export function isUuid(value: unknown): boolean {
  return UUID.safeParse(value).success;
}
