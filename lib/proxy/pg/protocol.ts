// The PostgreSQL messages the proxy reads after start-up and the ones it answers with. pg-gateway
// owns the connection (framing, SSLRequest and TLS, the startup packet, the password exchange) and
// its pg-protocol Writer builds every message here; what pg-gateway 0.2 leaves to its user — the
// extended protocol's messages and query results — is read and written in this file.
import type { PostgresConnection } from "pg-gateway";
import type { TextColumn } from "../../../client/sql-executor";

/** Front-end message type bytes after start-up. */
export const Frontend = {
  Query: 0x51, // Q
  Parse: 0x50, // P
  Bind: 0x42, // B
  Describe: 0x44, // D
  Execute: 0x45, // E
  Close: 0x43, // C
  Sync: 0x53, // S
  Flush: 0x48, // H
  Terminate: 0x58, // X
  FunctionCall: 0x46, // F
  Password: 0x70, // p
  CopyData: 0x64, // d
  CopyDone: 0x63, // c
  CopyFail: 0x66, // f
} as const;

// Codes of start-up packets that are not a StartupMessage (their "protocol version").
export const CANCEL_REQUEST_CODE = 80877102;
export const GSSENC_REQUEST_CODE = 80877104;

/** Reads one front-end message: the type byte and length are skipped. */
export class MessageReader {
  private offset = 5;
  constructor(private readonly data: Buffer) {}

  get type(): number {
    return this.data[0];
  }
  int16(): number {
    const v = this.data.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }
  int32(): number {
    const v = this.data.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }
  byte(): number {
    return this.data[this.offset++];
  }
  cstring(): string {
    const end = this.data.indexOf(0, this.offset);
    if (end < 0) throw new ProtocolViolation("a string is not terminated");
    const s = this.data.toString("utf8", this.offset, end);
    this.offset = end + 1;
    return s;
  }
  bytes(length: number): Buffer {
    if (this.offset + length > this.data.length) throw new ProtocolViolation("a value runs past the end of its message");
    const b = this.data.subarray(this.offset, this.offset + length);
    this.offset += length;
    return b;
  }
}

export class ProtocolViolation extends Error {
  override name = "ProtocolViolation";
}

export interface ParseMessage {
  statement: string;
  query: string;
  parameterTypes: number[];
}

export function readParse(data: Buffer): ParseMessage {
  const r = new MessageReader(data);
  const statement = r.cstring();
  const query = r.cstring();
  const count = r.int16();
  const parameterTypes = Array.from({ length: count }, () => r.int32());
  return { statement, query, parameterTypes };
}

export interface BindMessage {
  portal: string;
  statement: string;
  /** 0 text, 1 binary; one per parameter (expanded from the message's shorthand). */
  parameterFormats: number[];
  parameters: Array<Buffer | null>;
  resultFormats: number[];
}

export function readBind(data: Buffer): BindMessage {
  const r = new MessageReader(data);
  const portal = r.cstring();
  const statement = r.cstring();
  const formats = Array.from({ length: r.int16() }, () => r.int16());
  const parameters = Array.from({ length: r.int16() }, () => {
    const length = r.int32();
    return length < 0 ? null : Buffer.from(r.bytes(length));
  });
  const resultFormats = Array.from({ length: r.int16() }, () => r.int16());
  // No codes: all text; one code: it applies to every parameter.
  const parameterFormats = parameters.map((_, i) => (formats.length === 0 ? 0 : formats.length === 1 ? formats[0] : (formats[i] ?? 0)));
  return { portal, statement, parameterFormats, parameters, resultFormats };
}

/** Describe and Close: 'S' (prepared statement) or 'P' (portal), and its name. */
export function readTarget(data: Buffer): { kind: "S" | "P"; name: string } {
  const r = new MessageReader(data);
  const kind = String.fromCharCode(r.byte());
  if (kind !== "S" && kind !== "P") throw new ProtocolViolation(`unknown ${data[0] === Frontend.Close ? "Close" : "Describe"} target '${kind}'`);
  return { kind, name: r.cstring() };
}

export function readExecute(data: Buffer): { portal: string; maxRows: number } {
  const r = new MessageReader(data);
  return { portal: r.cstring(), maxRows: r.int32() };
}

export function readCString(data: Buffer): string {
  return new MessageReader(data).cstring();
}

/** A start-up packet (no type byte): its length and code, for CancelRequest and GSSENCRequest. */
export function startupCode(data: Buffer): number | null {
  return data.length >= 8 ? data.readInt32BE(4) : null;
}

export function readCancelRequest(data: Buffer): { processId: number; secretKey: number } | null {
  if (data.length !== 16 || startupCode(data) !== CANCEL_REQUEST_CODE) return null;
  return { processId: data.readInt32BE(8), secretKey: data.readInt32BE(12) };
}

export interface Notice {
  severity: "NOTICE" | "WARNING" | "INFO";
  code: string;
  message: string;
  detail?: string;
  hint?: string;
}

/** Writes back-end messages through the connection's own writer and socket. */
export class Replies {
  constructor(private readonly conn: PostgresConnection) {}

  private send(code: number) {
    this.conn.sendData(this.conn.writer.flush(code));
  }

  parseComplete() {
    this.send(0x31); // 1
  }
  bindComplete() {
    this.send(0x32); // 2
  }
  closeComplete() {
    this.send(0x33); // 3
  }
  noData() {
    this.send(0x6e); // n
  }
  emptyQuery() {
    this.send(0x49); // I
  }
  portalSuspended() {
    this.send(0x73); // s
  }
  commandComplete(tag: string) {
    this.conn.writer.addCString(tag);
    this.send(0x43); // C
  }
  parameterDescription(types: number[]) {
    this.conn.writer.addInt16(types.length);
    for (const t of types) this.conn.writer.addInt32(t);
    this.send(0x74); // t
  }
  rowDescription(columns: TextColumn[]) {
    const w = this.conn.writer;
    w.addInt16(columns.length);
    for (const c of columns) {
      w.addCString(c.name).addInt32(c.tableID).addInt16(c.columnID).addInt32(c.dataTypeID).addInt16(c.dataTypeSize).addInt32(c.dataTypeModifier).addInt16(0);
    }
    this.send(0x54); // T
  }
  dataRow(values: (string | null)[]) {
    const w = this.conn.writer;
    w.addInt16(values.length);
    for (const v of values) {
      if (v === null) w.addInt32(-1);
      else {
        const bytes = Buffer.from(v, "utf8");
        w.addInt32(bytes.length).add(bytes);
      }
    }
    this.send(0x44); // D
  }
  backendKeyData(processId: number, secretKey: number) {
    this.conn.writer.addInt32(processId).addInt32(secretKey);
    this.send(0x4b); // K
  }
  notice(n: Notice) {
    const w = this.conn.writer;
    w.addString("S").addCString(n.severity).addString("V").addCString(n.severity).addString("C").addCString(n.code).addString("M").addCString(n.message);
    if (n.detail) w.addString("D").addCString(n.detail);
    if (n.hint) w.addString("H").addCString(n.hint);
    w.addCString("");
    this.send(0x4e); // N
  }
}
