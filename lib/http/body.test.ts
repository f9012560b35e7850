import { describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH, jsonNestsDeeperThan, readJsonBody } from "./body";

const post = (body: string) => new Request("http://localhost/api/v1/requests", { method: "POST", headers: { "content-type": "application/json" }, body });

describe("reading a JSON body", () => {
  it.each([
    ["10,000-deep arrays", "[".repeat(10_000) + "]".repeat(10_000)],
    ["100,000-deep arrays", "[".repeat(100_000) + "]".repeat(100_000)],
    ["100,000-deep objects", '{"a":'.repeat(100_000) + "1" + "}".repeat(100_000)],
    ["deep nesting inside an operation", JSON.stringify({ operation: { kind: "custom", params: JSON.parse("[".repeat(MAX_JSON_DEPTH) + "]".repeat(MAX_JSON_DEPTH)) } })],
  ])("refuses %s as 400 bad_request before parsing it", async (_name, body) => {
    const started = performance.now();
    const error = await readJsonBody(post(body)).then(() => null, (e: unknown) => e);
    expect(error).toMatchObject({ code: "bad_request", status: 400, message: expect.stringContaining(`more than ${MAX_JSON_DEPTH} levels deep`) });
    // A single linear pass: far below anything that would hold up other requests.
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it("accepts nesting up to the limit, and brackets inside strings do not count", async () => {
    const atLimit = "[".repeat(MAX_JSON_DEPTH) + "]".repeat(MAX_JSON_DEPTH);
    expect(await readJsonBody(post(atLimit))).toBeInstanceOf(Array);
    const text = JSON.stringify({ sql: "[".repeat(1000) + '\\"{' + "{".repeat(1000) });
    expect(jsonNestsDeeperThan(text)).toBe(false);
    expect(await readJsonBody(post(text))).toEqual(JSON.parse(text));
  });
});
