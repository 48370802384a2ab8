import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  CallDetail,
  Delivery,
  DeliveryDetail,
  RecordPage,
} from "../../../src/admin/records/record-schemas.js";
import type { Tenant } from "../../../src/tenants/tenant-document.js";
import { toolCalls } from "../../fixtures/vapi/builders.js";
import { callTo } from "../../fixtures/vapi/conversation.js";
import { endOfCallReport } from "../../fixtures/vapi/end-of-call-report.js";
import { createTenant } from "../../helpers/factories.js";
import { startTestServer, type TestServer } from "../../helpers/start-server.js";
import { availableStores } from "../../helpers/test-database.js";
import { ADMIN_TOKEN, adminClient, type AdminCall, type ErrorResponse } from "./admin-client.js";

interface Received {
  path: string;
  webhookId: string;
  body: unknown;
}

/** A tenant's webhook receiver on 127.0.0.1:0: answers 500 on a path until told to accept it. */
async function startReceiver() {
  const received: Received[] = [];
  const failing = new Set<string>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const path = request.url ?? "/";
      received.push({
        path,
        webhookId: String(request.headers["webhook-id"]),
        body: JSON.parse(Buffer.concat(chunks).toString("utf8")),
      });
      response.statusCode = failing.has(path) ? 500 : 204;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    failing,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const webhookSecret = () => `whsec_${randomBytes(32).toString("base64")}`;

/** Polls until `check` returns a value (the worker runs in the background). */
async function eventually<TValue>(
  check: () => Promise<TValue | undefined>,
  what: string,
  timeoutMs = 10_000,
): Promise<TValue> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.each(await availableStores())("admin API: deliveries (%s)", (store) => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let server: TestServer;
  let call: AdminCall;
  let tenantA: Tenant;
  let tenantB: Tenant;
  const secretA = webhookSecret();
  const secretB = webhookSecret();
  let callA: string;
  /** A's call.ended delivery, failed after its attempts. */
  let failed: Delivery;
  /** B's call.ended delivery, received at once. */
  let succeeded: Delivery;

  const get = <TBody>(path: string) => call<TBody>("GET", path);
  const listOf = async (query: string) => {
    const response = await get<RecordPage<Delivery>>(`/deliveries?${query}`);
    expect(response.status).toBe(200);
    return response.body.data;
  };

  beforeAll(async () => {
    receiver = await startReceiver();
    receiver.failing.add("/a");
    server = await startTestServer({
      store,
      env: {
        ADMIN_TOKEN,
        // Two quick attempts, so a delivery to a failing receiver gives up within a second.
        JOB_MAX_ATTEMPTS: "2",
        JOB_BACKOFF_BASE_MS: "20",
        JOB_BACKOFF_MAX_MS: "50",
        JOB_POLL_INTERVAL_MS: "20",
      },
    });
    call = adminClient(server);
    tenantA = await createTenant(server.deps, {
      notify: { webhookUrl: `${receiver.url}/a`, secret: secretA },
    });
    tenantB = await createTenant(server.deps, {
      notify: { webhookUrl: `${receiver.url}/b`, secret: secretB, events: ["call.ended"] },
    });

    const partiesA = callTo(tenantA);
    callA = partiesA.callId;
    const lead = await server.postWebhook(
      toolCalls(partiesA, [{ name: "create_lead", args: { name: "Daniel Nguyen" } }]),
    );
    expect(lead.status).toBe(200);
    expect((await server.postWebhook(endOfCallReport(partiesA))).status).toBe(200);
    expect((await server.postWebhook(endOfCallReport(callTo(tenantB)))).status).toBe(200);

    const failedA = await eventually(async () => {
      const items = await listOf(`tenantId=${tenantA.id}&status=failed`);
      return items.length === 2 ? items : undefined;
    }, "A's two deliveries to fail");
    failed = failedA.find((item) => item.eventType === "call.ended") as Delivery;
    succeeded = await eventually(
      async () => (await listOf(`tenantId=${tenantB.id}&status=succeeded`))[0],
      "B's delivery to succeed",
    );
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
  });

  describe("works", () => {
    it("lists a tenant's deliveries newest first, without their payloads", async () => {
      const items = await listOf(`tenantId=${tenantA.id}`);
      // Both jobs may run at once, so which delivery row is newer is not fixed here.
      expect(items.map((item) => item.eventType).sort()).toEqual(["call.ended", "lead.created"]);
      const keys = items.map((item) => `${item.createdAt}~${item.id}`);
      expect(keys).toEqual([...keys].sort().reverse());
      for (const item of items) {
        expect(item).toMatchObject({
          tenantId: tenantA.id,
          callId: callA,
          url: `${receiver.url}/a`,
          status: "failed",
          attempts: 2,
          lastStatusCode: 500,
          nextAttemptAt: null,
        });
        expect(item).not.toHaveProperty("payload");
      }
    });

    it("filters by status and event type, and pages", async () => {
      expect(await listOf(`tenantId=${tenantA.id}&status=succeeded`)).toEqual([]);
      expect(await listOf(`tenantId=${tenantA.id}&status=pending`)).toEqual([]);
      const leads = await listOf(`tenantId=${tenantA.id}&eventType=lead.created`);
      expect(leads).toEqual([expect.objectContaining({ eventType: "lead.created" })]);

      const first = await get<RecordPage<Delivery>>(`/deliveries?tenantId=${tenantA.id}&limit=1`);
      expect(first.body.data).toHaveLength(1);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const cursor = encodeURIComponent(first.body.nextCursor ?? "");
      const second = await get<RecordPage<Delivery>>(
        `/deliveries?tenantId=${tenantA.id}&limit=1&cursor=${cursor}`,
      );
      expect(second.body.nextCursor).toBeNull();
      expect([...first.body.data, ...second.body.data]).toEqual(
        await listOf(`tenantId=${tenantA.id}`),
      );
    });

    it("returns one delivery with its body and attempt log", async () => {
      const { status, body } = await get<DeliveryDetail>(`/deliveries/${failed.id}`);
      expect(status).toBe(200);
      expect(body).toMatchObject({ ...failed, updatedAt: expect.any(String) as string });
      expect(body.payload).toMatchObject({
        type: "call.ended",
        data: { tenantId: tenantA.id, callId: callA },
      });
      expect(body.attemptLog).toEqual([
        expect.objectContaining({
          attempt: 1,
          statusCode: 500,
          error: "the receiver answered 500",
        }),
        expect.objectContaining({ attempt: 2, statusCode: 500 }),
      ]);
    });

    it("shows a call's deliveries in the call's detail", async () => {
      const { body } = await get<CallDetail>(`/calls/${callA}`);
      expect(body.deliveries.map((item) => item.eventType).sort()).toEqual([
        "call.ended",
        "lead.created",
      ]);
    });

    it("re-sends a failed delivery once the receiver is fixed (202), same webhook-id", async () => {
      receiver.failing.delete("/a");
      const sent = receiver.received.length;
      const resend = await call<Delivery>("POST", `/deliveries/${failed.id}/resend`);
      expect(resend.status).toBe(202);
      expect(resend.body).toMatchObject({ id: failed.id, status: "pending", attempts: 2 });

      const done = await eventually(async () => {
        const { body } = await get<DeliveryDetail>(`/deliveries/${failed.id}`);
        return body.status === "succeeded" ? body : undefined;
      }, "the re-sent delivery to succeed");
      expect(done.attempts).toBe(3);
      expect(done.attemptLog.at(-1)).toMatchObject({ attempt: 3, statusCode: 204, error: null });
      const delivered = receiver.received.slice(sent);
      expect(delivered).toEqual([
        { path: "/a", webhookId: failed.id, body: expect.objectContaining({ type: "call.ended" }) },
      ]);
    });

    it("refuses to re-send a delivery that succeeded with 409", async () => {
      const response = await call<ErrorResponse>("POST", `/deliveries/${succeeded.id}/resend`);
      expect(response.status).toBe(409);
      expect(response.body.error).toMatchObject({
        code: "CONFLICT",
        details: { status: "succeeded" },
      });
    });
  });

  describe("isolates", () => {
    it("shows each tenant only its own deliveries", async () => {
      const itemsB = await listOf(`tenantId=${tenantB.id}`);
      expect(itemsB.map((item) => item.id)).toEqual([succeeded.id]);
      expect(itemsB[0]?.url).toBe(`${receiver.url}/b`);
    });

    it("answers 404 for another tenant's delivery, to read or to re-send", async () => {
      const read = await get<ErrorResponse>(`/deliveries/${failed.id}?tenantId=${tenantB.id}`);
      expect(read.status).toBe(404);
      const lead = (await listOf(`tenantId=${tenantA.id}&eventType=lead.created`))[0];
      const resend = await call<ErrorResponse>(
        "POST",
        `/deliveries/${lead?.id ?? ""}/resend?tenantId=${tenantB.id}`,
      );
      expect(resend.status).toBe(404);
      expect(resend.body.error.code).toBe("NOT_FOUND");
      const after = await get<DeliveryDetail>(`/deliveries/${lead?.id ?? ""}`);
      expect(after.body.status).toBe("failed");
    });

    it("never returns the tenants' notify secrets", async () => {
      const paths = [
        "/deliveries?limit=200",
        `/deliveries/${failed.id}`,
        `/deliveries/${succeeded.id}`,
        `/calls/${callA}`,
      ];
      for (const path of paths) {
        const text = JSON.stringify((await get(path)).body);
        expect(text).not.toContain(secretA);
        expect(text).not.toContain(secretB);
        expect(text).not.toContain("whsec_");
      }
    });
  });

  describe("rejects", () => {
    it("a re-send of an unknown delivery with 404", async () => {
      const response = await call<ErrorResponse>("POST", "/deliveries/msg_NOSUCHDELIVERY/resend");
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe("NOT_FOUND");
    });

    it("a re-send with a bad query with 400", async () => {
      const response = await call<ErrorResponse>(
        "POST",
        `/deliveries/${failed.id}/resend?force=true`,
      );
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe("VALIDATION_FAILED");
    });
  });
});
