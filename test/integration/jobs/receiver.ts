import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request a receiver got, as it arrived. */
export interface ReceivedRequest {
  headers: Record<string, string>;
  body: string;
  /** Date.now() when the body was complete. */
  at: number;
  /** The status it was answered with; undefined while held open (or never answered). */
  answeredWith: number | undefined;
}

/** What to do with request number `index` (0-based): answer with a status, or hold it open. */
export type Answer = number | "hang" | { status: number; afterMs: number };

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  /** Replaces how later requests are answered. */
  answerWith(answer: (index: number) => Answer): void;
  /** Resolves once at least `count` requests have arrived. */
  waitForRequests(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real tenant webhook endpoint on 127.0.0.1 (node:http, port 0) that records every request
 * and answers as scripted; the stand-in for a tenant's server, which is external to us.
 */
export async function startReceiver(
  answer: (index: number) => Answer = () => 200,
): Promise<Receiver> {
  let decide = answer;
  const requests: ReceivedRequest[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const received: ReceivedRequest = {
        headers: Object.fromEntries(
          Object.entries(request.headers).map(([name, value]) => [
            name,
            Array.isArray(value) ? value.join(", ") : (value ?? ""),
          ]),
        ),
        body: Buffer.concat(chunks).toString("utf8"),
        at: Date.now(),
        answeredWith: undefined,
      };
      const planned = decide(requests.length);
      requests.push(received);
      if (planned === "hang") return;
      const { status, afterMs } =
        typeof planned === "number" ? { status: planned, afterMs: 0 } : planned;
      setTimeout(() => {
        received.answeredWith = status;
        response.writeHead(status, { "content-type": "text/plain" }).end(`status ${status}`);
      }, afterMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/hooks/frontdesk`,
    requests,
    answerWith(next) {
      decide = next;
    },
    async waitForRequests(count, timeoutMs = 10_000) {
      await waitUntil(() => requests.length >= count, timeoutMs, `${count} request(s)`);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Polls `condition` every 20 ms until it holds; throws after `timeoutMs`. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = "the condition",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits `ms` (to show that nothing more happens). */
export function settle(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
