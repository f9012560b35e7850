// A local stand-in for Slack's Web API, shared by the bot's integration tests and the browser tests:
// it records every call and answers like Slack — {ok, channel, ts} for chat.postMessage,
// {ok, channel, ts} for chat.update, {ok: false, error} with HTTP 200 for a wrong token or an
// unknown method — or with the replies a test scripts (429 with Retry-After, ok:false …).
// `GET /__calls` returns what it has recorded, for a test running in another process.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export const SLACK_STAND_IN_TOKEN = "xoxb-1111-2222-standin";
export const SLACK_STAND_IN_CHANNEL = "C0STANDIN";

export interface SlackCall {
  method: string;
  authorization: string | undefined;
  body: { channel?: string; ts?: string; thread_ts?: string; text?: string; blocks?: unknown[] } & Record<string, unknown>;
  /** What the stand-in answered (Slack's JSON). */
  answer?: { ok: boolean; ts?: string; error?: string } & Record<string, unknown>;
}
export type SlackReply = { status: number; json?: unknown; headers?: Record<string, string> };

export interface SlackStandIn {
  /** The Web API's base URL, for COUNTERSIGN_SLACK_API_URL (…/api). */
  url: string;
  /** Every call, answered or not. */
  calls: SlackCall[];
  /** Scripted answers, in order; when used up, Slack's success answer. */
  replies: SlackReply[];
  close(): Promise<void>;
}

export async function startSlackStandIn(): Promise<SlackStandIn> {
  const slack = { calls: [] as SlackCall[], replies: [] as SlackReply[] } as SlackStandIn;
  let seq = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method === "GET" && req.url === "/__calls") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(slack.calls));
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      const method = (req.url ?? "").replace(/^\/api\//, "");
      const call: SlackCall = { method, authorization: req.headers.authorization, body };
      slack.calls.push(call);
      const scripted = slack.replies.shift();
      if (scripted) {
        res.writeHead(scripted.status, { "content-type": "application/json", ...scripted.headers });
        res.end(JSON.stringify(scripted.json ?? { ok: false, error: "ratelimited" }));
        return;
      }
      const answer =
        req.headers.authorization !== `Bearer ${SLACK_STAND_IN_TOKEN}`
          ? { ok: false, error: "invalid_auth" }
          : method === "chat.postMessage"
            ? { ok: true, channel: body.channel, ts: `1700000000.${String(++seq).padStart(6, "0")}`, message: { text: body.text } }
            : method === "chat.update"
              ? { ok: true, channel: body.channel, ts: body.ts, text: body.text }
              : { ok: false, error: "unknown_method" };
      call.answer = answer;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  slack.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  slack.close = () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve())));
  return slack;
}

/** The calls a stand-in in another process has recorded (its `url` as given to the server). */
export async function recordedSlackCalls(url: string): Promise<SlackCall[]> {
  const res = await fetch(new URL("/__calls", url));
  return (await res.json()) as SlackCall[];
}

/** Every text in a card, flattened: what a reader of the channel sees. */
export function slackCardText(call: SlackCall): string {
  return JSON.stringify(call.body.blocks ?? []);
}

export function slackCardHasButton(call: SlackCall, label: string): boolean {
  return slackCardText(call).includes(`"text":"${label}"`);
}
