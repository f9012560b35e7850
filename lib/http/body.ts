// Reads a JSON body with a hard size limit (1 MiB) enforced while streaming, not after, and a
// nesting limit checked before parsing.
import { AppError } from "../errors";

export const MAX_BODY_BYTES = 1024 * 1024;
/** Deeper than any operation, context or diff needs; every later step (NUL check, schema, canonical form) recurses. */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether JSON text nests arrays and objects deeper than `max`: one pass over the characters,
 * skipping strings, so a 1 MiB body of `[[[[…` is refused in about a millisecond instead of being
 * parsed and then walked recursively by everything that reads it.
 */
export function jsonNestsDeeperThan(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** JSON.parse, refusing text nested deeper than MAX_JSON_DEPTH first; errors are 400 problem details. */
export function parseJsonText(text: string, what = "The body"): unknown {
  if (jsonNestsDeeperThan(text)) throw new AppError("bad_request", `${what} nests arrays or objects more than ${MAX_JSON_DEPTH} levels deep.`);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AppError("bad_request", `${what} is not valid JSON: ${(error as Error).message}`);
  }
}

export async function readJsonBody(req: { headers: Pick<Headers, "get">; body: ReadableStream<Uint8Array> | null }, limit = MAX_BODY_BYTES): Promise<unknown> {
  const declared = Number(req.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > limit) {
    throw new AppError("payload_too_large", `The body is larger than ${limit} bytes.`);
  }
  const type = req.headers.get("content-type") ?? "";
  if (!/^application\/([a-z.+-]*\+)?json\b/i.test(type)) {
    throw new AppError("unsupported_media_type", "Send the body as JSON with Content-Type: application/json.");
  }
  if (!req.body) throw new AppError("bad_request", "The request has no body.");
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw new AppError("payload_too_large", `The body is larger than ${limit} bytes.`);
    }
    chunks.push(value);
  }
  return parseJsonText(Buffer.concat(chunks).toString("utf8"));
}
