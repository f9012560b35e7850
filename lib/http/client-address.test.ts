import { describe, expect, it } from "vitest";
import { CLIENT_ADDRESS_HEADER, clientAddress, resolveClientAddress, stripUntrustedForwardedHeaders } from "./client-address";

describe("resolveClientAddress", () => {
  it.each([
    ["no proxy trusted: the socket, whatever X-Forwarded-For says", "198.51.100.7", "203.0.113.1", 0, "198.51.100.7"],
    ["no proxy trusted, no header", "198.51.100.7", undefined, 0, "198.51.100.7"],
    ["IPv4 mapped into IPv6", "::ffff:198.51.100.7", undefined, 0, "198.51.100.7"],
    ["IPv6 socket", "2001:db8::1", undefined, 0, "2001:db8::1"],
    ["one proxy: its last entry", "10.0.0.2", "203.0.113.1, 198.51.100.9", 1, "198.51.100.9"],
    ["one proxy, the client forged entries to the left", "10.0.0.2", "1.2.3.4, 5.6.7.8, 198.51.100.9", 1, "198.51.100.9"],
    ["two proxies", "10.0.0.2", "203.0.113.1, 198.51.100.9, 10.0.0.1", 2, "198.51.100.9"],
    ["fewer entries than proxies: the leftmost", "10.0.0.2", "198.51.100.9", 3, "198.51.100.9"],
    ["one proxy that sent no header: the socket", "10.0.0.2", undefined, 1, "10.0.0.2"],
    ["a garbage entry", "10.0.0.2", "not-an-address", 1, "unknown"],
    ["no socket address", undefined, undefined, 0, "unknown"],
  ])("%s", (_name, socket, forwarded, proxies, expected) => {
    expect(resolveClientAddress(socket, forwarded, proxies)).toBe(expected);
  });
});

describe("clientAddress", () => {
  it.each([
    [{ [CLIENT_ADDRESS_HEADER]: "203.0.113.9" }, "203.0.113.9"],
    [{ [CLIENT_ADDRESS_HEADER]: "203.0.113.9", "x-forwarded-for": "10.0.0.1" }, "203.0.113.9"],
    // Only the server's header counts: a client's own X-Forwarded-For or X-Real-IP does not.
    [{ "x-forwarded-for": "10.0.0.1, 198.51.100.4" }, "unknown"],
    [{ "x-real-ip": "198.51.100.5" }, "unknown"],
    [{ [CLIENT_ADDRESS_HEADER]: "<script>" }, "unknown"],
    [{}, "unknown"],
  ])("%j → %s", (headers, expected) => {
    expect(clientAddress(new Headers(headers))).toBe(expected);
  });
});

describe("stripUntrustedForwardedHeaders", () => {
  const forged = () => ({
    host: "countersign.example.com",
    "x-forwarded-host": "evil.example",
    "x-forwarded-proto": "https",
    "x-forwarded-port": "8443",
    forwarded: "for=203.0.113.1;host=evil.example;proto=https",
    "x-forwarded-for": "203.0.113.1",
    cookie: "a=b",
  });

  it("removes the forwarded host, scheme, port and Forwarded when no proxy is trusted, and nothing else", () => {
    const headers: Record<string, string | undefined> = forged();
    stripUntrustedForwardedHeaders(headers, 0);
    expect(headers).toEqual({ host: "countersign.example.com", "x-forwarded-for": "203.0.113.1", cookie: "a=b" });
  });

  it("keeps them when the socket's peer is a trusted proxy", () => {
    const headers: Record<string, string | undefined> = forged();
    stripUntrustedForwardedHeaders(headers, 1);
    expect(headers).toEqual(forged());
  });
});
