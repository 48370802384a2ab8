import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config.js";
import type { Tenant } from "../../../src/tenants/tenant-document.js";
import { assistantRequest } from "../../fixtures/vapi/builders.js";
import { callTo } from "../../fixtures/vapi/conversation.js";
import { createTenant } from "../../helpers/factories.js";
import {
  createProcessDatabase,
  startServerProcess,
  type ProcessDatabase,
  type ServerProcess,
} from "../../helpers/server-process.js";
import { killTsxProcesses } from "../../helpers/tsx-process.js";

/*
 * Slowloris-style clients against the real server process, with the HTTP timeouts set small:
 * the server drops them on time, and real webhooks keep being answered meanwhile.
 */

const SECRET = "slow-clients-secret-55e0";
const HEADERS_TIMEOUT_MS = 1000;
const REQUEST_TIMEOUT_MS = 2000;
const KEEP_ALIVE_TIMEOUT_MS = 1500;
// Node checks the timeouts every HEADERS_TIMEOUT_MS / 4 (app.ts); the rest is a busy machine.
const LATE_MS = HEADERS_TIMEOUT_MS / 4 + 1500;
// Node lets a kept-alive socket live 1 s past keepAliveTimeout before destroying it.
const NODE_KEEP_ALIVE_BUFFER_MS = 1000;
// A slow client still open after this was never going to be closed by a timeout.
const GIVE_UP_MS = 10_000;
const SLOW_CLIENTS = 150;

interface SlowClientResult {
  /** From connect to the server closing the socket; Infinity if it never did. */
  closedAfterMs: number;
  /** What the server sent before closing. */
  received: string;
}

/**
 * A raw TCP client: sends `first` on connect, then `drip` one byte every `dripEveryMs` (until
 * the drip is exhausted; then it just holds the socket). Resolves when the server closes it.
 */
function slowClient(
  port: number,
  first: string,
  drip: string,
  dripEveryMs = 100,
): Promise<SlowClientResult> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    let connectedAt = Date.now();
    let received = "";
    let sent = 0;
    let dripper: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => {
      socket.destroy();
      resolve({ closedAfterMs: Number.POSITIVE_INFINITY, received });
    }, GIVE_UP_MS);
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (received += chunk));
    socket.on("error", () => undefined);
    socket.once("connect", () => {
      connectedAt = Date.now();
      if (first !== "") socket.write(first);
      dripper = setInterval(() => {
        if (sent < drip.length && socket.writable) socket.write(drip.charAt(sent));
        sent += 1;
      }, dripEveryMs);
    });
    socket.once("close", () => {
      clearTimeout(giveUp);
      clearInterval(dripper);
      resolve({ closedAfterMs: Date.now() - connectedAt, received });
    });
  });
}

const HEADER_LINES =
  "POST /vapi/webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
// Never-ending header bytes: at 10 a second it would take 30 s to send them all.
const ENDLESS_HEADER = `X-Padding: ${"a".repeat(300)}`;

function closedOnTime(results: SlowClientResult[], timeoutMs: number) {
  const times = results.map((result) => result.closedAfterMs);
  expect(Math.min(...times)).toBeGreaterThanOrEqual(timeoutMs - 50);
  expect(Math.max(...times)).toBeLessThanOrEqual(timeoutMs + LATE_MS);
  // Node tells the client why before closing.
  for (const result of results)
    expect(result.received).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
}

describe("slow clients (sqlite, small HTTP timeouts)", () => {
  let database: ProcessDatabase;
  let tenant: Tenant;
  let server: ServerProcess;

  beforeAll(async () => {
    database = await createProcessDatabase("sqlite");
    tenant = await createTenant(database.deps);
    server = await startServerProcess({
      DATABASE_URL: database.url,
      VAPI_SECRET: SECRET,
      LOG_LEVEL: "info",
      HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      HTTP_KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_TIMEOUT_MS),
    });
  });
  afterAll(async () => {
    await killTsxProcesses();
    await database?.drop();
  });

  /** Real assistant-requests, one after another until `until` settles; each one's latency. */
  async function keepCalling(until: Promise<unknown>): Promise<{ status: number; ms: number }[]> {
    let done = false;
    void until.finally(() => (done = true));
    const answers: { status: number; ms: number }[] = [];
    while (!done) {
      const started = Date.now();
      const response = await fetch(`${server.url}/vapi/webhook`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-vapi-secret": SECRET },
        body: JSON.stringify(assistantRequest(callTo(tenant))),
      });
      const body = (await response.json()) as { assistant?: unknown };
      answers.push({
        status: body.assistant === undefined ? -1 : response.status,
        ms: Date.now() - started,
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return answers;
  }

  /**
   * The assistant kept answering all along, each in well under the headers timeout the slow
   * clients were held to (a liveness check with a generous bound, not a benchmark).
   */
  function expectAnsweredMeanwhile(answers: { status: number; ms: number }[]) {
    expect(answers.length).toBeGreaterThan(3);
    expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
    expect(Math.max(...answers.map((answer) => answer.ms))).toBeLessThan(HEADERS_TIMEOUT_MS);
  }

  it("closes connections dribbling their headers after HTTP_HEADERS_TIMEOUT_MS, answering real webhooks meanwhile", async () => {
    const attack = Promise.all(
      Array.from({ length: SLOW_CLIENTS }, () =>
        slowClient(server.port, "", HEADER_LINES + ENDLESS_HEADER),
      ),
    );
    const answers = await keepCalling(attack);
    closedOnTime(await attack, HEADERS_TIMEOUT_MS);
    expectAnsweredMeanwhile(answers);
  });

  it("closes connections that never finish their body after HTTP_REQUEST_TIMEOUT_MS", async () => {
    const headers = `${HEADER_LINES}X-Vapi-Secret: ${SECRET}\r\nContent-Length: 10485760\r\n\r\n`;
    const attack = Promise.all([
      // Dribbling the body one byte at a time: the socket is never idle.
      ...Array.from({ length: SLOW_CLIENTS / 2 }, () =>
        slowClient(
          server.port,
          headers,
          `{"message":{"type":"end-of-call-report","pad":"${"x".repeat(500)}`,
        ),
      ),
      // Sending part of the body, then nothing.
      ...Array.from({ length: SLOW_CLIENTS / 2 }, () =>
        slowClient(server.port, `${headers}{"message":{"type":"end-of-call-report"`, ""),
      ),
    ]);
    const answers = await keepCalling(attack);
    closedOnTime(await attack, REQUEST_TIMEOUT_MS);
    expectAnsweredMeanwhile(answers);
  });

  it("closes connections that never send a byte after HTTP_HEADERS_TIMEOUT_MS", async () => {
    const results = await Promise.all(
      Array.from({ length: SLOW_CLIENTS }, () => slowClient(server.port, "", "")),
    );
    closedOnTime(results, HEADERS_TIMEOUT_MS);
  });

  it("keeps an idle keep-alive connection for HTTP_KEEP_ALIVE_TIMEOUT_MS, then closes it", async () => {
    const body = JSON.stringify(assistantRequest(callTo(tenant)));
    const request =
      `${HEADER_LINES}X-Vapi-Secret: ${SECRET}\r\nConnection: keep-alive\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    const result = await slowClient(server.port, request, "");
    expect(result.received).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(result.received).toMatch(/\r\nkeep-alive: timeout=1\r\n/i);
    // Closed by the server, not at once (keep-alive) and not much later than the timeout.
    expect(result.closedAfterMs).toBeGreaterThanOrEqual(KEEP_ALIVE_TIMEOUT_MS);
    expect(result.closedAfterMs).toBeLessThanOrEqual(
      KEEP_ALIVE_TIMEOUT_MS + NODE_KEEP_ALIVE_BUFFER_MS + LATE_MS,
    );
  });

  it("defaults to timeouts suited to Vapi behind a load balancer", () => {
    expect(loadConfig({}).http).toEqual({
      requestTimeoutMs: 30_000,
      headersTimeoutMs: 10_000,
      keepAliveTimeoutMs: 72_000,
    });
  });

  it("refuses a headers timeout longer than the request timeout at start-up", () => {
    expect(() =>
      loadConfig({ HTTP_HEADERS_TIMEOUT_MS: "5000", HTTP_REQUEST_TIMEOUT_MS: "2000" }),
    ).toThrow(/HTTP_HEADERS_TIMEOUT_MS: 5000 must not exceed HTTP_REQUEST_TIMEOUT_MS \(2000\)/);
  });
});
