import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Tenant } from "../../../src/tenants/tenant-document.js";
import { forwardingStatusUpdate, statusUpdate } from "../../fixtures/vapi/status-update.js";
import {
  canonicalLine,
  LEVEL,
  logsFor,
  partiesOf,
  readCall,
  readCalls,
  readStatusEvents,
} from "../../helpers/call-rows.js";
import { createTenant } from "../../helpers/factories.js";
import { startTestServer, type TestServer } from "../../helpers/start-server.js";
import { availableStores } from "../../helpers/test-database.js";

const CALLER = "+61491570156";
const stores = await availableStores();

const statusesOf = async (server: TestServer, callId: string) =>
  (await readStatusEvents(server, callId)).map((event) => event.status).sort();

describe.each(stores)("status-update (%s)", (store) => {
  let server: TestServer;
  let tenant: Tenant;
  let otherTenant: Tenant;

  beforeAll(async () => {
    server = await startTestServer({ store });
    tenant = await createTenant(server.deps);
    otherTenant = await createTenant(server.deps);
  });
  afterAll(async () => {
    await server.close();
  });

  describe("works", () => {
    it("records a new call with its tenant, caller and numbers, and the status event", async () => {
      const parties = partiesOf(tenant);
      const timestamp = Date.parse("2026-11-24T23:14:05.000Z") + 0.999;

      const response = await server.postWebhook(statusUpdate(parties, "ringing", { timestamp }));

      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({});
      expect(await readCall(server, parties.callId)).toMatchObject({
        tenant_id: tenant.id,
        caller_number: CALLER,
        vapi_phone_number_id: parties.vapiPhoneNumberId,
        dialed_number: parties.number,
        status: "ringing",
        ended_reason: null,
        report: null,
      });
      const events = await readStatusEvents(server, parties.callId);
      expect(events).toEqual([
        {
          call_id: parties.callId,
          tenant_id: tenant.id,
          status: "ringing",
          ended_reason: null,
          occurred_at: "2026-11-24T23:14:05.000Z",
          received_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
        },
      ]);
      expect(canonicalLine(server, response)).toMatchObject({
        messageType: "status-update",
        tenantId: tenant.id,
        callId: parties.callId,
        outcome: "call-status-stored",
      });
    });

    it("follows the lifecycle and records the ended reason", async () => {
      const parties = partiesOf(tenant);
      for (const status of ["ringing", "in-progress"]) {
        await server.postWebhook(statusUpdate(parties, status));
      }
      await server.postWebhook(forwardingStatusUpdate(parties));
      const ended = await server.postWebhook(
        statusUpdate(parties, "ended", { endedReason: "assistant-forwarded-call" }),
      );

      expect(ended.status).toBe(200);
      expect(await readCall(server, parties.callId)).toMatchObject({
        status: "ended",
        ended_reason: "assistant-forwarded-call",
      });
      const events = await readStatusEvents(server, parties.callId);
      expect(events.map((event) => event.status).sort()).toEqual([
        "ended",
        "forwarding",
        "in-progress",
        "ringing",
      ]);
      expect(events.find((event) => event.status === "ended")?.ended_reason).toBe(
        "assistant-forwarded-call",
      );
    });

    it("keeps the highest status when updates arrive out of order", async () => {
      const parties = partiesOf(tenant);

      await server.postWebhook(statusUpdate(parties, "in-progress"));
      await server.postWebhook(
        statusUpdate(parties, "ended", { endedReason: "customer-ended-call" }),
      );
      await server.postWebhook(forwardingStatusUpdate(parties));
      await server.postWebhook(statusUpdate(parties, "ringing"));
      await server.postWebhook(statusUpdate(parties, "queued"));

      expect(await readCall(server, parties.callId)).toMatchObject({
        status: "ended",
        ended_reason: "customer-ended-call",
      });
      expect(await statusesOf(server, parties.callId)).toEqual([
        "ended",
        "forwarding",
        "in-progress",
        "queued",
        "ringing",
      ]);
    });

    it("stores a repeated status once and keeps its first timestamp", async () => {
      const parties = partiesOf(tenant);
      const first = statusUpdate(parties, "in-progress", { timestamp: "2026-11-24T23:14:05.000Z" });
      const again = statusUpdate(parties, "in-progress", { timestamp: "2026-11-24T23:14:09.000Z" });

      const responses = [await server.postWebhook(first), await server.postWebhook(again)];

      expect(responses.map((response) => response.status)).toEqual([200, 200]);
      const events = await readStatusEvents(server, parties.callId);
      expect(events).toHaveLength(1);
      expect(events[0]?.occurred_at).toBe("2026-11-24T23:14:05.000Z");
      expect(canonicalLine(server, responses[1] as Response)?.outcome).toBe(
        "call-status-duplicate",
      );
    });

    it("converges on one row and one event when duplicates arrive at the same time", async () => {
      const parties = partiesOf(tenant);
      const body = JSON.stringify(statusUpdate(parties, "in-progress"));

      const responses = await Promise.all(
        Array.from({ length: 5 }, () => server.postWebhook(body)),
      );

      expect(responses.every((response) => response.status === 200)).toBe(true);
      expect(await readCalls(server, parties.callId)).toHaveLength(1);
      expect(await readStatusEvents(server, parties.callId)).toHaveLength(1);
    });

    it("records a status outside the lifecycle as an event without changing the call's status", async () => {
      const parties = partiesOf(tenant);
      await server.postWebhook(statusUpdate(parties, "in-progress"));

      const response = await server.postWebhook(statusUpdate(parties, "not-found"));

      expect(response.status).toBe(200);
      expect((await readCall(server, parties.callId))?.status).toBe("in-progress");
      expect(await statusesOf(server, parties.callId)).toEqual(["in-progress", "not-found"]);
    });

    it("records the call, without an event, when the status is missing", async () => {
      const parties = partiesOf(tenant);
      const body = statusUpdate(parties, "ringing");
      const message: Record<string, unknown> = { ...body.message };
      delete message.status;

      const response = await server.postWebhook({ message });

      expect(response.status).toBe(200);
      expect(await readCall(server, parties.callId)).toMatchObject({
        tenant_id: tenant.id,
        status: null,
      });
      expect(await readStatusEvents(server, parties.callId)).toEqual([]);
    });
  });

  describe("isolates", () => {
    it("never modifies another tenant's call and answers 200 {}", async () => {
      const callId = randomUUID();
      await server.postWebhook(statusUpdate(partiesOf(tenant, callId), "in-progress"));
      const before = await readCall(server, callId);

      const response = await server.postWebhook(
        statusUpdate(partiesOf(otherTenant, callId), "ended", {
          endedReason: "customer-ended-call",
        }),
      );

      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({});
      expect(await readCalls(server, callId)).toEqual([before]);
      const events = await readStatusEvents(server, callId);
      expect(events.map((event) => [event.tenant_id, event.status])).toEqual([
        [tenant.id, "in-progress"],
      ]);
      const warning = logsFor(server, response).find((line) => line.level === LEVEL.warn);
      expect(warning).toMatchObject({ tenantId: otherTenant.id, callId });
      expect(JSON.stringify(warning)).not.toContain(CALLER);
    });

    it("acknowledges an update for a number no tenant owns without storing it", async () => {
      const callId = randomUUID();

      const response = await server.postWebhook(
        statusUpdate(
          { vapiPhoneNumberId: randomUUID(), number: "+61255599998", callId },
          "ringing",
        ),
      );

      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({});
      expect(await readCalls(server, callId)).toEqual([]);
      expect(canonicalLine(server, response)?.outcome).toBe("unknown-number");
    });

    it("finds a call only through the tenant that owns it", async () => {
      const callId = randomUUID();
      await server.postWebhook(statusUpdate(partiesOf(tenant, callId), "ringing"));

      expect((await server.deps.calls.findById(tenant.id, callId))?.id).toBe(callId);
      expect(await server.deps.calls.findById(otherTenant.id, callId)).toBeUndefined();
      expect(await server.deps.calls.listStatusEvents(otherTenant.id, callId)).toEqual([]);
      expect(await server.deps.calls.listStatusEvents(tenant.id, callId)).toHaveLength(1);
    });
  });

  describe("fails safely", () => {
    let broken: TestServer;
    let brokenTenant: Tenant;

    beforeAll(async () => {
      broken = await startTestServer({ store });
      brokenTenant = await createTenant(broken.deps);
    });
    afterAll(async () => {
      await broken.close();
    });

    it("answers 503 and writes nothing when the event cannot be stored", async () => {
      const parties = partiesOf(brokenTenant);
      const body = statusUpdate(parties, "in-progress");
      // Warm the tenant cache, then take the events table away from the running server.
      expect(
        (await broken.postWebhook(statusUpdate(partiesOf(brokenTenant), "ringing"))).status,
      ).toBe(200);
      await broken.deps.db.schema
        .alterTable("call_status_events")
        .renameTo("call_status_events_unavailable")
        .execute();

      let response: Response;
      try {
        response = await broken.postWebhook(body);
      } finally {
        await broken.deps.db.schema
          .alterTable("call_status_events_unavailable")
          .renameTo("call_status_events")
          .execute();
      }

      expect(response.status).toBe(503);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
        "SERVICE_UNAVAILABLE",
      );
      // The call upsert and the event are one transaction: the call row was rolled back too.
      expect(await readCalls(broken, parties.callId)).toEqual([]);

      const retry = await broken.postWebhook(body);
      expect(retry.status).toBe(200);
      expect(await statusesOf(broken, parties.callId)).toEqual(["in-progress"]);
    });
  });
});
