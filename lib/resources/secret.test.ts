import { describe, expect, it } from "vitest";
import { decryptSecret, encryptSecret } from "./secret";

const URL = "postgresql://app:s3cret-pw@db.internal:5432/main";

describe("connection URL envelopes", () => {
  it("round-trips and never carries the plaintext", () => {
    const envelope = encryptSecret(URL, "auth-secret-a", "postgres/main");
    expect(envelope).not.toContain("s3cret");
    expect(envelope.startsWith("v1.")).toBe(true);
    expect(decryptSecret(envelope, "auth-secret-a", "postgres/main")).toBe(URL);
  });

  it("is bound to the resource name and the AUTH_SECRET", () => {
    const envelope = encryptSecret(URL, "auth-secret-a", "postgres/main");
    expect(() => decryptSecret(envelope, "auth-secret-a", "postgres/other")).toThrow(/cannot be decrypted/);
    expect(() => decryptSecret(envelope, "auth-secret-b", "postgres/main")).toThrow(/cannot be decrypted/);
    expect(() => decryptSecret("v1.x", "auth-secret-a", "postgres/main")).toThrow(/not a v1 envelope/);
  });
});
