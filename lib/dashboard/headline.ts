// What a reviewer reads first about a request, before the agent's own words: the operation itself
// in one line ("DELETE FROM sessions WHERE id = 7;", "DELETE api.example.com/v1/users/7",
// "delete_file path=/srv/app/.env") and Countersign's measured sentence. Pure, shared by the inbox and
// the request page; the text stays untrusted (it is the agent's), so callers render it inert.
import { readPlannedEffect } from "../requests/planned-effect";
import { operationHeadline as headlineOf } from "./operation-headline";

/** The operation in one line, by its own kind (one implementation: ./operation-headline). */
export function operationHeadline(operation: unknown): string {
  const kind = operation && typeof operation === "object" ? (operation as { kind?: unknown }).kind : undefined;
  return headlineOf(typeof kind === "string" ? kind : "", operation);
}

/** Countersign's own measured sentence for the request, when its executor measured one. */
export function measuredSentence(plannedEffect: unknown): string | null {
  const effect = readPlannedEffect(plannedEffect);
  const summary = effect?.summary.trim();
  return summary ? summary : null;
}

/** Text split at backtick pairs, so `public.users` can be shown as code rather than with backticks. */
export function codeSpans(text: string): Array<{ text: string; code: boolean }> {
  const spans: Array<{ text: string; code: boolean }> = [];
  const pattern = /`([^`\n]+)`/g;
  let last = 0;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    if (match.index > last) spans.push({ text: text.slice(last, match.index), code: false });
    spans.push({ text: match[1]!, code: true });
    last = match.index + match[0].length;
  }
  if (last < text.length) spans.push({ text: text.slice(last), code: false });
  return spans;
}
