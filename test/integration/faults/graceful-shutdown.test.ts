import { Agent, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Tenant } from "../../../src/tenants/tenant-document.js";
import { toolCalls } from "../../fixtures/vapi/builders.js";
import { callTo, newToolCallId } from "../../fixtures/vapi/conversation.js";
import {
  endOfCallReport,
  endOfCallReportOfSize,
  REPORT_BYTES,
} from "../../fixtures/vapi/end-of-call-report.js";
import { createTenant } from "../../helpers/factories.js";
import {
  createProcessDatabase,
  startServerProcess,
  type ProcessDatabase,
  type ServerProcess,
} from "../../helpers/server-process.js";
import { killTsxProcesses } from "../../helpers/tsx-process.js";
import { newWebhookSecret } from "../jobs/notify-fixtures.js";
import { settle, startReceiver, waitUntil, type Receiver } from "../jobs/receiver.js";

/*
 * SIGTERM while webhooks are in flight (a 500 KB report still uploading, a burst of reports and
 * tool calls) and a job is running: what main.ts and the README promise, seen from outside.
 */

const SECRET = "graceful-shutdown-secret-8d21";
// The tenant's webhook holds the job's request this long: the job is mid-run at SIGTERM.
const JOB_HOLD_MS = 2500;
// Shutdown must finish well inside the 25 s forced exit (and Kubernetes' default 30 s grace).
const SHUTDOWN_BOUND_MS = 10_000;
const BURST = 16;
const SMALL_HEADERS_TIMEOUT_MS = 1000;
const SMALL_REQUEST_TIMEOUT_MS = 2000;

interface InFlight {
  /** Resolves once the server has read the headers (it answered 100 Continue). */
  continued: Promise<void>;
  write(bytes: Buffer): void;
  end(): void;
  response: Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>;
}

/**
 * A webhook POST whose body is sent when the test says so. `Expect: 100-continue` makes the
 * server confirm it has received and routed the request before any body byte is sent, so the
 * request is provably in flight, not merely queued in the kernel.
 */
function startRequest(port: number, agent: Agent, body: Buffer): InFlight {
  const request = httpRequest({
    host: "127.0.0.1",
    port,
    agent,
    method: "POST",
    path: "/vapi/webhook",
    headers: {
      "content-type": "application/json",
      "content-length": String(body.length),
      "x-vapi-secret": SECRET,
      expect: "100-continue",
    },
  });
  const continued = new Promise<void>((resolve, reject) => {
    request.once("continue", resolve);
    request.once("error", reject);
  });
  const response = new Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>(
    (resolve, reject) => {
      request.once("error", reject);
      request.once("response", (incoming) => {
        let text = "";
        incoming.setEncoding("utf8");
        incoming.on("data", (chunk: string) => (text += chunk));
        incoming.once("end", () =>
          resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body: text }),
        );
        incoming.once("error", reject);
      });
    },
  );
  request.flushHeaders();
  return {
    continued,
    write: (bytes) => request.write(bytes),
    end: () => request.end(),
    response,
  };
}

/** Whether a new TCP connection to the port is refused (rather than accepted). */
function isRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "ECONNREFUSED"));
  });
}

describe("graceful shutdown on SIGTERM (sqlite)", () => {
  let database: ProcessDatabase;
  let receiver: Receiver;
  let tenant: Tenant;
  let server: ServerProcess;
  // Keep-alive, as Vapi's HTTP client is: connections stay open between webhooks.
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });

  beforeAll(async () => {
    receiver = await startReceiver(() => ({ status: 200, afterMs: JOB_HOLD_MS }));
    database = await createProcessDatabase("sqlite");
    tenant = await createTenant(database.deps, {
      notify: { webhookUrl: receiver.url, secret: newWebhookSecret() },
    });
    server = await startServerProcess({
      DATABASE_URL: database.url,
      VAPI_SECRET: SECRET,
      JOB_POLL_INTERVAL_MS: "50",
    });
  });
  afterAll(async () => {
    await killTsxProcesses();
    agent.destroy();
    await receiver?.close();
    await database?.drop();
  });

  it("answers every in-flight request normally, refuses new connections, finishes the running job and exits 0", async () => {
    // 1. A report whose call.ended notification is the running job at SIGTERM.
    const jobCall = callTo(tenant);
    const firstBody = Buffer.from(JSON.stringify(endOfCallReport(jobCall)));
    const first = startRequest(server.port, agent, firstBody);
    first.write(firstBody);
    first.end();
    expect((await first.response).status).toBe(200);
    await receiver.waitForRequests(1, 15_000);

    // 2. In flight: a 500 KB report with only its first part sent, and a burst of reports and
    // create_lead calls with half their bodies sent.
    const largeCall = callTo(tenant);
    const largeBody = Buffer.from(
      JSON.stringify(endOfCallReportOfSize(REPORT_BYTES.large, largeCall)),
    );
    expect(largeBody.length).toBeGreaterThan(400_000);
    const large = startRequest(server.port, agent, largeBody);
    const burst = Array.from({ length: BURST }, (_, index) => {
      const call = callTo(tenant);
      const toolCallId = newToolCallId();
      const body =
        index % 2 === 0
          ? endOfCallReport(call)
          : toolCalls(call, [
              {
                id: toolCallId,
                name: "create_lead",
                args: { name: `Drain ${index}`, urgency: "today" },
              },
            ]);
      const bytes = Buffer.from(JSON.stringify(body));
      return { index, call, toolCallId, bytes, request: startRequest(server.port, agent, bytes) };
    });
    await Promise.all([large.continued, ...burst.map((item) => item.request.continued)]);
    large.write(largeBody.subarray(0, 100_000));
    for (const item of burst) item.request.write(item.bytes.subarray(0, item.bytes.length >> 1));

    // 3. SIGTERM.
    const signalledAt = Date.now();
    server.signal("SIGTERM");
    await server.waitForLine((line) => line.signal === "SIGTERM", 5000);

    // 4. The listener closes at once: new connections are refused while requests still drain.
    await waitUntil(() => isRefused(server.port), 5000, "new connections to be refused");
    await expect(fetch(`${server.url}/healthz`)).rejects.toMatchObject({
      cause: expect.objectContaining({ code: "ECONNREFUSED" }),
    });

    // 5. The in-flight bodies finish arriving, slowly, after the signal.
    for (const item of burst) {
      item.request.write(item.bytes.subarray(item.bytes.length >> 1));
      item.request.end();
    }
    for (let offset = 100_000; offset < largeBody.length; offset += 50_000) {
      await settle(100);
      large.write(largeBody.subarray(offset, offset + 50_000));
    }
    large.end();

    // Every in-flight request gets its normal answer.
    const largeAnswer = await large.response;
    expect([largeAnswer.status, largeAnswer.body]).toEqual([200, "{}"]);
    for (const item of burst) {
      const answer = await item.request.response;
      expect(answer.status).toBe(200);
      if (item.index % 2 === 0) {
        expect(answer.body).toBe("{}");
      } else {
        const results = (
          JSON.parse(answer.body) as { results: { toolCallId: string; result?: string }[] }
        ).results;
        expect(results).toEqual([
          expect.objectContaining({
            toolCallId: item.toolCallId,
            result: expect.stringMatching(/^Lead saved for Drain/),
          }),
        ]);
      }
    }

    // 6. The running job finishes (its delivery succeeds on the first attempt), and the process
    // exits 0 within the bound.
    const exit = await server.exited;
    const shutdownMs = Date.now() - signalledAt;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(shutdownMs).toBeLessThan(SHUTDOWN_BOUND_MS);
    expect(receiver.requests[0]?.answeredWith).toBe(200);
    const delivery = await database.deps.db
      .selectFrom("deliveries")
      .selectAll()
      .where("tenant_id", "=", tenant.id)
      .where("call_id", "=", jobCall.callId)
      .executeTakeFirst();
    expect(delivery).toMatchObject({ status: "succeeded", attempts: 1, last_status_code: 200 });
    const messages = server.lines.map((line) => line.msg);
    expect(messages).toEqual(
      expect.arrayContaining(["job succeeded", "job workers stopped", "shutdown complete"]),
    );
    expect(messages).not.toContain("job released for another worker: this one is stopping");

    // What was acknowledged during the drain is stored.
    const reportCalls = [
      largeCall.callId,
      ...burst.filter((i) => i.index % 2 === 0).map((i) => i.call.callId),
    ];
    const stored = await database.deps.db
      .selectFrom("calls")
      .select("id")
      .where("id", "in", reportCalls)
      .where("report_received_at", "is not", null)
      .execute();
    expect(stored).toHaveLength(reportCalls.length);
    const leads = await database.deps.db
      .selectFrom("leads")
      .select("call_id")
      .where("tenant_id", "=", tenant.id)
      .execute();
    expect(leads).toHaveLength(BURST / 2);
  }, 50_000);

  it("does not let slow clients hold the shutdown past their timeouts", async () => {
    // Node stops enforcing the HTTP timeouts once the listener closes; the app keeps doing so.
    const timed = await startServerProcess({
      DATABASE_URL: database.url,
      VAPI_SECRET: SECRET,
      HTTP_HEADERS_TIMEOUT_MS: String(SMALL_HEADERS_TIMEOUT_MS),
      HTTP_REQUEST_TIMEOUT_MS: String(SMALL_REQUEST_TIMEOUT_MS),
    });
    const dribbling = (first: string) => {
      const socket = connect({ host: "127.0.0.1", port: timed.port });
      socket.on("error", () => undefined);
      socket.once("connect", () => socket.write(first));
      const drip = setInterval(() => socket.writable && socket.write("a"), 100);
      return new Promise<void>((resolve) =>
        socket.once("close", () => {
          clearInterval(drip);
          resolve();
        }),
      );
    };
    // One slowloris on its headers, one on its body (a request already in flight), and one
    // ordinary request whose body completes after the signal.
    const slowHeaders = dribbling("POST /vapi/webhook HTTP/1.1\r\nX-Padding: ");
    const slowBody = dribbling(
      "POST /vapi/webhook HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{",
    );
    const ordinaryBody = Buffer.from(JSON.stringify(endOfCallReport(callTo(tenant))));
    const ordinary = startRequest(timed.port, agent, ordinaryBody);
    await ordinary.continued;
    await settle(200);

    const signalledAt = Date.now();
    timed.signal("SIGTERM");
    await settle(300);
    ordinary.write(ordinaryBody);
    ordinary.end();
    expect(await ordinary.response).toMatchObject({ status: 200, body: "{}" });

    await Promise.all([slowHeaders, slowBody]);
    expect(await timed.exited).toEqual({ code: 0, signal: null });
    // Well before the 25 s forced exit: about the request timeout, plus start-up slack.
    expect(Date.now() - signalledAt).toBeLessThan(SMALL_REQUEST_TIMEOUT_MS + 3000);
  }, 40_000);
});
