// Turns what a server action threw into what the form shows: AppErrors become sentences (with
// field messages), the database being down becomes "try again", anything else propagates to
// Next's error handling and the server log.
import { DATABASE_UNAVAILABLE_MESSAGE, isAppError, isDatabaseUnavailable } from "../errors";
import { log } from "../log";

export interface ActionResult {
  error?: string;
  done?: string;
  fieldErrors?: Record<string, string>;
}

export function actionError(error: unknown): ActionResult {
  if (!isAppError(error)) {
    if (!isDatabaseUnavailable(error)) throw error;
    log.warn("database unavailable", { err: error });
    return { error: DATABASE_UNAVAILABLE_MESSAGE };
  }
  const fieldErrors = Object.fromEntries((error.errors ?? []).map((e) => [e.field, e.message]));
  const details = (error.errors ?? []).map((e) => `${e.field}: ${e.message}`).join("; ");
  return { error: details && error.code === "validation_failed" ? `${error.message} ${details}` : error.message, fieldErrors };
}

export function formString(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === "string" ? value.trim() : "";
}
