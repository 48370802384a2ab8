import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Vapi } from "@vapi-ai/server-sdk";
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { resendDelivery } from "../../../src/notifications/resend-delivery.js";
import type { Tenant } from "../../../src/tenants/tenant-document.js";
import { toolCalls } from "../../fixtures/vapi/builders.js";
import { endOfCallReport } from "../../fixtures/vapi/end-of-call-report.js";
import { canonicalLine, partiesOf } from "../../helpers/call-rows.js";
import { createTenant } from "../../helpers/factories.js";
import { startTestServer, type TestServer } from "../../helpers/start-server.js";
import {
  availableStores,
  isRedisAvailable,
  REDIS_URL,
  uniqueRedisPrefix,
  type TestStore,
} from "../../helpers/test-database.js";
import {
  FAST_JOBS_ENV,
  newWebhookSecret,
  readAttempts,
  readDeliveries,
  readJob,
} from "./notify-fixtures.js";
import { settle, startReceiver, waitUntil, type Answer, type Receiver } from "./receiver.js";

interface Mode {
  store: TestStore;
  queue: "database" | "bullmq";
}

const stores = await availableStores();
const redisUp = await isRedisAvailable();
// The queue is independent of the SQL store: BullMQ runs once, on SQLite.
const modes: Mode[] = [
  ...stores.map((store): Mode => ({ store, queue: "database" })),
  ...(redisUp ? [{ store: "sqlite", queue: "bullmq" } satisfies Mode] : []),
];

function envFor(mode: Mode, redisPrefix: string): Record<string, string> {
  return {
    ...FAST_JOBS_ENV,
    ...(mode.queue === "bullmq" ? { REDIS_URL, REDIS_KEY_PREFIX: redisPrefix } : {}),
  };
}

describe.each(modes)("tenant notifications ($store, $queue queue)", (mode) => {
  let server: TestServer;
  const receivers: Receiver[] = [];

  beforeAll(async () => {
    server = await startTestServer({ store: mode.store, env: envFor(mode, uniqueRedisPrefix()) });
  });
  afterAll(async () => {
    for (const receiver of receivers) await receiver.close();
    await server.close();
  });

  /** A tenant whose webhook is a fresh receiver answering as `answer` says. */
  async function tenantWithReceiver(
    answer: (index: number) => Answer = () => 204,
    events?: ("call.ended" | "lead.created")[],
  ): Promise<{ tenant: Tenant; receiver: Receiver; secret: string }> {
    const receiver = await startReceiver(answer);
    receivers.push(receiver);
    const secret = newWebhookSecret();
    const tenant = await createTenant(server.deps, {
      notify: { webhookUrl: receiver.url, secret, ...(events === undefined ? {} : { events }) },
    });
    return { tenant, receiver, secret };
  }

  async function waitForDelivery(tenantId: string, status: "succeeded" | "failed") {
    await waitUntil(
      async () => (await readDeliveries(server, tenantId)).some((d) => d.status === status),
      15_000,
      `a ${status} delivery`,
    );
    const [delivery] = await readDeliveries(server, tenantId);
    if (delivery === undefined) throw new Error("no delivery");
    return delivery;
  }

  describe("works", () => {
    it("sends a call.ended webhook signed per Standard Webhooks once the report is stored", async () => {
      const { tenant, receiver, secret } = await tenantWithReceiver();
      const parties = partiesOf(tenant);
      const report = endOfCallReport(parties);

      const response = await server.postWebhook(report);
      expect(response.status).toBe(200);
      expect(canonicalLine(server, response)).toMatchObject({ notification: "queued" });
      await receiver.waitForRequests(1);

      const [request] = receiver.requests;
      if (request === undefined) throw new Error("no request");
      expect(request.headers["content-type"]).toBe("application/json");
      expect(request.headers["webhook-id"]).toMatch(/^msg_[0-9A-Z]{21}$/);
      expect(request.headers["webhook-timestamp"]).toMatch(/^\d{10}$/);
      expect(request.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      // The receiver's side: the package's own verifier accepts it and returns the event.
      const event = new Webhook(secret).verify(request.body, request.headers) as {
        type: string;
        timestamp: string;
        data: Record<string, unknown>;
      };
      expect(event).toMatchObject({
        type: "call.ended",
        timestamp: report.message.endedAt,
        data: {
          tenantId: tenant.id,
          callId: parties.callId,
          endedReason: "customer-ended-call",
          summary: report.message.analysis.summary,
          structuredData: report.message.analysis.structuredData,
          transcript: report.message.artifact.transcript,
          recordingUrl: report.message.artifact.recordingUrl,
          dialedNumber: parties.number,
        },
      });
      // …and rejects the same request under another secret or with a changed body.
      expect(() => new Webhook(newWebhookSecret()).verify(request.body, request.headers)).toThrow(
        WebhookVerificationError,
      );
      expect(() =>
        new Webhook(secret).verify(
          request.body.replace("call.ended", "call.endex"),
          request.headers,
        ),
      ).toThrow(WebhookVerificationError);

      const delivery = await waitForDelivery(tenant.id, "succeeded");
      expect(delivery).toMatchObject({
        id: request.headers["webhook-id"],
        event_type: "call.ended",
        call_id: parties.callId,
        url: receiver.url,
        attempts: 1,
        last_status_code: 204,
        last_error: null,
        next_attempt_at: null,
      });
      expect(JSON.parse(delivery.payload)).toEqual(event);
      const attempts = await readAttempts(server, delivery.id);
      expect(attempts).toEqual([
        expect.objectContaining({
          attempt: 1,
          status_code: 204,
          error: null,
          duration_ms: expect.any(Number),
        }),
      ]);
    });

    it("retries a failing receiver with growing delays until it answers 2xx", async () => {
      const statuses = [500, 503, 200];
      const { tenant, receiver, secret } = await tenantWithReceiver(
        (index) => statuses[index] ?? 200,
      );
      await server.postWebhook(endOfCallReport(partiesOf(tenant)));

      const delivery = await waitForDelivery(tenant.id, "succeeded");
      expect(receiver.requests.map((request) => request.answeredWith)).toEqual([500, 503, 200]);
      // Every attempt carries the same webhook-id (receivers deduplicate on it), freshly signed.
      expect(new Set(receiver.requests.map((r) => r.headers["webhook-id"]))).toEqual(
        new Set([delivery.id]),
      );
      for (const request of receiver.requests) {
        expect(() => new Webhook(secret).verify(request.body, request.headers)).not.toThrow();
      }
      // Backoff: at least the base delay (50 ms) after the first failure, twice it after the second.
      const [first, second, third] = receiver.requests.map((request) => request.at);
      expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(45);
      expect((third ?? 0) - (second ?? 0)).toBeGreaterThanOrEqual(95);
      expect(delivery).toMatchObject({ status: "succeeded", attempts: 3, last_status_code: 200 });
      expect(
        (await readAttempts(server, delivery.id)).map((a) => [a.status_code, a.error]),
      ).toEqual([
        [500, "the receiver answered 500"],
        [503, "the receiver answered 503"],
        [200, null],
      ]);
    });

    it("counts a receiver that does not answer within NOTIFY_TIMEOUT_MS as a failed attempt", async () => {
      const { tenant } = await tenantWithReceiver((index) => (index === 0 ? "hang" : 200));
      await server.postWebhook(endOfCallReport(partiesOf(tenant)));

      const delivery = await waitForDelivery(tenant.id, "succeeded");
      expect(
        (await readAttempts(server, delivery.id)).map((a) => [a.status_code, a.error]),
      ).toEqual([
        [null, "no answer within 500 ms"],
        [200, null],
      ]);
    });

    it("sends lead.created once when create_lead saves a new lead, not for corrections", async () => {
      const { tenant, receiver, secret } = await tenantWithReceiver();
      const parties = partiesOf(tenant);
      const lead = (notes: string) =>
        toolCalls(parties, [
          { name: "create_lead", args: { name: "Daniel Nguyen", suburb: "Marrickville", notes } },
        ]);

      for (const notes of ["Leaking hot water system", "Actually it is the cold tap too"]) {
        const response = await server.postWebhook(lead(notes));
        const body = (await response.json()) as Vapi.ServerMessageResponseToolCalls;
        expect(body.results?.[0]?.error).toBeUndefined();
      }
      await receiver.waitForRequests(1);
      await settle(300);

      expect(receiver.requests).toHaveLength(1);
      const event = new Webhook(secret).verify(
        receiver.requests[0]?.body ?? "",
        receiver.requests[0]?.headers ?? {},
      );
      expect(event).toMatchObject({
        type: "lead.created",
        data: {
          tenantId: tenant.id,
          callId: parties.callId,
          name: "Daniel Nguyen",
          suburb: "Marrickville",
          leadId: expect.stringMatching(/^ld_/),
        },
      });
      expect((await readDeliveries(server, tenant.id)).map((d) => d.event_type)).toEqual([
        "lead.created",
      ]);
    });
  });

  describe("gives up visibly, and re-sends", () => {
    it("marks the delivery failed after the last attempt; a re-send delivers it", async () => {
      const { tenant, receiver } = await tenantWithReceiver(() => 500);
      const parties = partiesOf(tenant);
      await server.postWebhook(endOfCallReport(parties));

      const failed = await waitForDelivery(tenant.id, "failed");
      expect(receiver.requests).toHaveLength(4);
      expect(failed).toMatchObject({
        status: "failed",
        attempts: 4,
        last_status_code: 500,
        last_error: "the receiver answered 500",
        next_attempt_at: null,
      });
      if (mode.queue === "database") {
        await waitUntil(
          async () => (await readJob(server, `call-ended:${parties.callId}`))?.status === "failed",
        );
        expect(await readJob(server, `call-ended:${parties.callId}`)).toMatchObject({
          attempts: 4,
          last_error: expect.stringContaining("the receiver answered 500"),
        });
      }
      await settle(300);
      expect(receiver.requests).toHaveLength(4);

      receiver.answerWith(() => 200);
      const resendDeps = {
        db: server.deps.db,
        jobs: server.deps.jobs,
        tenants: server.deps.tenants,
        clock: server.deps.clock,
      };
      const result = await resendDelivery(resendDeps, tenant.id, failed.id);
      expect(result).toMatchObject({
        status: "queued",
        delivery: { id: failed.id, status: "pending" },
      });

      const delivered = await waitForDelivery(tenant.id, "succeeded");
      expect(delivered).toMatchObject({
        id: failed.id,
        attempts: 5,
        last_status_code: 200,
        last_error: null,
      });
      expect(receiver.requests).toHaveLength(5);
      expect(receiver.requests[4]?.headers["webhook-id"]).toBe(failed.id);
      expect(receiver.requests[4]?.body).toBe(receiver.requests[0]?.body);

      // Only failed deliveries are re-sent, and only by their own tenant.
      expect(await resendDelivery(resendDeps, tenant.id, failed.id)).toMatchObject({
        status: "not-failed",
      });
      const other = await createTenant(server.deps);
      expect(await resendDelivery(resendDeps, other.id, failed.id)).toEqual({
        status: "not-found",
      });
      expect(await resendDelivery(resendDeps, tenant.id, "msg_NOSUCHDELIVERY")).toEqual({
        status: "not-found",
      });
    });
  });

  describe("sends once", () => {
    it("queues one notification for a report delivered several times", async () => {
      const { tenant, receiver } = await tenantWithReceiver();
      const parties = partiesOf(tenant);
      const report = endOfCallReport(parties);

      const responses = await Promise.all([1, 2, 3].map(() => server.postWebhook(report)));
      expect(responses.map((response) => response.status)).toEqual([200, 200, 200]);
      await receiver.waitForRequests(1);
      expect((await server.postWebhook(report)).status).toBe(200);
      await settle(400);

      expect(receiver.requests).toHaveLength(1);
      expect(await readDeliveries(server, tenant.id)).toHaveLength(1);
      if (mode.queue === "database") {
        const jobs = await server.deps.db
          .selectFrom("jobs")
          .select(["id", "status"])
          .where("id", "like", `%${parties.callId}%`)
          .execute();
        expect(jobs).toEqual([{ id: `call-ended:${parties.callId}`, status: "succeeded" }]);
      }
    });

    it("sends only the events the tenant subscribed to, and nothing without settings", async () => {
      const { tenant, receiver } = await tenantWithReceiver(() => 200, ["lead.created"]);
      const plain = await createTenant(server.deps);
      const calls = [partiesOf(tenant), partiesOf(plain)];
      for (const parties of calls) {
        const response = await server.postWebhook(endOfCallReport(parties));
        expect(response.status).toBe(200);
        expect(canonicalLine(server, response)?.notification).toBeUndefined();
      }
      await settle(300);

      expect(receiver.requests).toHaveLength(0);
      expect(await readDeliveries(server, tenant.id)).toEqual([]);
      expect(await readDeliveries(server, plain.id)).toEqual([]);
      if (mode.queue === "database") {
        for (const parties of calls)
          expect(await readJob(server, `call-ended:${parties.callId}`)).toBeUndefined();
      }
    });
  });
});

describe.each(modes)("a queued notification survives a restart ($store, $queue queue)", (mode) => {
  it("runs once in the next process when the one that queued it never ran workers", async () => {
    const env = envFor(mode, uniqueRedisPrefix());
    const receiver = await startReceiver(() => 200);
    const first = await startTestServer({
      store: mode.store,
      env: { ...env, RUN_WORKERS: "false" },
    });
    let second: TestServer | undefined;
    try {
      const tenant = await createTenant(first.deps, {
        notify: { webhookUrl: receiver.url, secret: newWebhookSecret() },
      });
      expect((await first.postWebhook(endOfCallReport(partiesOf(tenant)))).status).toBe(200);
      await settle(300);
      expect(receiver.requests).toHaveLength(0);

      second = await startTestServer({ store: mode.store, env, database: first.database });
      await receiver.waitForRequests(1);
      await settle(300);
      expect(receiver.requests).toHaveLength(1);
      expect((await readDeliveries(second, tenant.id)).map((d) => d.status)).toEqual(["succeeded"]);
    } finally {
      await second?.close();
      await first.close();
      await receiver.close();
    }
  });
});
