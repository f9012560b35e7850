import { describe, expect, it } from "vitest";
import { Operation } from "./schema";
import { findCredential } from "./credentials";
import { redactSecrets } from "../audit/redact";

const AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const target = { environment: "staging", resource: "r" };
const op = (o: Record<string, unknown>) => Operation.parse({ target, ...o });

describe("credentials in an operation", () => {
  it.each([
    ["a password in a URL", { kind: "http", method: "GET", url: "https://admin:hunter22@api.example.com/x" }, "operation.url", "a password in a URL"],
    ["a bearer token in a header", { kind: "http", method: "GET", url: "https://api.example.com/x", headers: { Authorization: "Bearer abc" } }, "operation.headers.Authorization", "a credential header (Authorization)"],
    ["an API key header", { kind: "http", method: "GET", url: "https://api.example.com/x", headers: { "X-Api-Key": "k" } }, "operation.headers.X-Api-Key", "a credential header (X-Api-Key)"],
    ["a token in a JSON body", { kind: "http", method: "POST", url: "https://api.example.com/x", body: { auth: { token: "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB" } } }, "operation.body.auth.token", "a GitHub token"],
    ["a bearer token in a command", { kind: "shell", command: "curl -H 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9abcdef' https://api.example.com" }, "operation.command", "an Authorization credential (Bearer/Basic)"],
    ["a bare cloud secret in a command", { kind: "shell", command: `AWS_SECRET=${AWS_SECRET} aws s3 ls` }, "operation.command", "a cloud secret key"],
    ["an AWS access key id in a parameter", { kind: "custom", action: "deploy", params: { key: "AKIAIOSFODNN7EXAMPLE" } }, "operation.params.key", "an AWS access key id"],
    ["a private key in a parameter", { kind: "custom", action: "install", params: { pem: "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----" } }, "operation.params.pem", "a private key"],
    ["a connection string with a password in SQL", { kind: "sql", sql: "SELECT dblink_connect('host=db password=s3cret dbname=x')" }, "operation.sql", "a password in a connection string"],
    ["a database URL with a password in SQL", { kind: "sql", sql: "SELECT * FROM dblink('postgresql://app:s3cret@db/x', 'SELECT 1') AS t(a int)" }, "operation.sql", "a password in a URL"],
    ["a Countersign key", { kind: "shell", command: "export COUNTERSIGN_API_KEY=csk_abcdefghijklmnopqrstuvwxyz012345" }, "operation.command", "a Countersign agent key"],
  ])("refuses %s", (_label, operation, field, what) => {
    expect(findCredential(op(operation))).toEqual({ field, what });
  });

  it.each([
    ["a plain read", { kind: "sql", sql: "SELECT id, password_hash FROM users WHERE email = 'a@example.com'" }],
    ["a git commit hash", { kind: "shell", command: "git show 3f786850e387550fdab836ed7e6dc881de23001b" }],
    ["a URL with a user but no password", { kind: "http", method: "GET", url: "https://user@api.example.com/x" }],
    ["a long base64 body", { kind: "http", method: "POST", url: "https://api.example.com/upload", body: { file: "QUJD".repeat(100) } }],
    ["a non-credential header", { kind: "http", method: "GET", url: "https://api.example.com/x", headers: { accept: "application/json" } }],
    ["a password column in an UPDATE", { kind: "sql", sql: "UPDATE users SET password_hash = NULL WHERE id = 4" }],
  ])("lets %s through", (_label, operation) => {
    expect(findCredential(op(operation))).toBeNull();
  });

  it("the context redactor also catches a bare cloud secret key, and leaves hex digests alone", () => {
    expect(redactSecrets(`the key is ${AWS_SECRET} ok`)).toBe("the key is [REDACTED] ok");
    expect(redactSecrets("commit 3f786850e387550fdab836ed7e6dc881de23001b")).toBe("commit 3f786850e387550fdab836ed7e6dc881de23001b");
  });
});
