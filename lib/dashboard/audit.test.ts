import { describe, expect, it } from "vitest";
import { csvField, csvLine, parseAuditBefore, parseAuditFilters, auditSearch } from "./audit";

describe("csvField", () => {
  it.each([
    ["plain", "request.created", "request.created"],
    ["null", null, ""],
    ["comma", "a,b", '"a,b"'],
    ["quote", 'say "hi"', '"say ""hi"""'],
    ["newline", "a\nb", '"a\nb"'],
    ["formula", "=HYPERLINK(\"http://evil\")", '"\'=HYPERLINK(""http://evil"")"'],
    ["plus", "+1", "'+1"],
    ["at", "@SUM(A1)", "'@SUM(A1)"],
    ["object", { reason: "x" }, '"{""reason"":""x""}"'],
  ])("%s", (_name, input, expected) => {
    expect(csvField(input)).toBe(expected);
  });

  it("writes a whole row with CRLF", () => {
    const line = csvLine({ seq: "1", at: "2026-01-01T00:00:00.000Z", type: "t", actorType: "user", actorId: null, subjectType: null, subjectId: null, data: {}, prevHash: "0", hash: "h" });
    expect(line).toBe("1,2026-01-01T00:00:00.000Z,t,user,,,,{},0,h\r\n");
  });
});

describe("audit filters", () => {
  it("round-trips through the URL and ignores blanks", () => {
    const filters = parseAuditFilters(new URLSearchParams("type=request.&actor=%20&subject=agent:deploy-bot"));
    expect(filters).toEqual({ type: "request.", actor: undefined, subject: "agent:deploy-bot" });
    expect(auditSearch(filters, { format: "csv" })).toBe("type=request.&subject=agent%3Adeploy-bot&format=csv");
  });

  it.each([
    ["a NUL in the event type", "type=request.%00", "type"],
    ["a NUL in the actor", "actor=%00", "actor"],
    ["a NUL in the subject", "subject=agent:%00bot", "subject"],
  ])("refuses %s with 400 naming it", (_name, query, field) => {
    expect(() => parseAuditFilters(new URLSearchParams(query))).toThrow(expect.objectContaining({ status: 400, code: "bad_request", errors: [expect.objectContaining({ field })] }));
  });

  it("reads a page marker as a sequence number and refuses anything else with 400", () => {
    expect(parseAuditBefore(undefined)).toBeNull();
    expect(parseAuditBefore("")).toBeNull();
    expect(parseAuditBefore("120")).toBe("120");
    for (const before of ["-1", "abc", "1e3", "1\u0000", "99999999999999999999", "9223372036854775808"]) {
      expect(() => parseAuditBefore(before), before).toThrow(expect.objectContaining({ status: 400, errors: [expect.objectContaining({ field: "before" })] }));
    }
  });
});
