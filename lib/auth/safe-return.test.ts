import { describe, expect, it } from "vitest";
import { safeReturnPath } from "./safe-return";

describe("safeReturnPath", () => {
  it.each([
    ["/requests/0b6c2d4e-1f1a-4a57-9a55-0f4b3c2a1d00", "/requests/0b6c2d4e-1f1a-4a57-9a55-0f4b3c2a1d00"],
    ["/", "/"],
    ["/?status=pending&risk=critical", "/?status=pending&risk=critical"],
    ["/audit?type=request.created#top", "/audit?type=request.created#top"],
    ["/requests/../agents", "/agents"],
  ])("follows the same-origin path %s", (input, expected) => {
    expect(safeReturnPath(input)).toBe(expected);
  });

  it.each([
    ["//evil.example"],
    ["//evil.example/requests/1"],
    ["https://evil.example"],
    ["http://localhost:3000/requests/1"],
    ["/\\evil.example"],
    ["\\\\evil.example"],
    ["/%5Cevil.example"],
    ["/%5cevil.example"],
    ["/%255Cevil.example"],
    ["/%2F%2Fevil.example"],
    ["%2F%2Fevil.example"],
    ["javascript:alert(1)"],
    ["JavaScript:alert(1)"],
    ["/\t/evil.example"],
    ["/\n/evil.example"],
    [" /requests"],
    ["data:text/html,hi"],
    ["requests/1"],
    [""],
    ["/%E0%A4%A"],
    ["/signin?callbackUrl=/x"],
    ["/" + "a".repeat(5000)],
  ])("refuses %j", (input) => {
    expect(safeReturnPath(input)).toBe("/");
  });

  it("refuses what is not a string", () => {
    expect(safeReturnPath(undefined)).toBe("/");
    expect(safeReturnPath(null)).toBe("/");
    expect(safeReturnPath(["/requests"])).toBe("/");
  });

  it("uses the given fallback", () => {
    expect(safeReturnPath("//evil.example", "/inbox")).toBe("/inbox");
  });
});
