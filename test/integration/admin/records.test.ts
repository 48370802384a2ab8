import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Vapi } from "@vapi-ai/server-sdk";
import type {
  Booking,
  CallDetail,
  CallSummary,
  Lead,
  Message,
  RecordPage,
} from "../../../src/admin/records/record-schemas.js";
import type { Clock } from "../../../src/clock.js";
import type { Tenant } from "../../../src/tenants/tenant-document.js";
import { toolCalls, type CallParties, type ToolCallSpec } from "../../fixtures/vapi/builders.js";
import { callTo, transferDestinationRequest } from "../../fixtures/vapi/conversation.js";
import { endOfCallReport } from "../../fixtures/vapi/end-of-call-report.js";
import { statusUpdate } from "../../fixtures/vapi/status-update.js";
import { createTenant } from "../../helpers/factories.js";
import { startTestServer, type TestServer } from "../../helpers/start-server.js";
import { availableStores } from "../../helpers/test-database.js";
import {
  ADMIN_TOKEN,
  adminClient,
  fieldPaths,
  type AdminCall,
  type AdminResponse,
  type ErrorResponse,
} from "./admin-client.js";

// Tuesday 25 November 2026, 10:30 in Sydney; day 1 of the traffic is 2026-11-24 in UTC.
const DAY_1 = Date.parse("2026-11-24T23:30:00Z");
const DAY_MS = 24 * 60 * 60 * 1000;
const CALLER = "+61491570156";
const B_SECRET = "tenant-b-webhook-secret-7d41c2";

/** Real time from DAY_1, plus whole days the suite skips forward (tools need a moving clock). */
function createSteppingClock() {
  const startedAt = Date.now();
  let skippedMs = 0;
  const clock: Clock = { now: () => DAY_1 + skippedMs + (Date.now() - startedAt) };
  return { clock, skipDays: (days: number) => (skippedMs += days * DAY_MS) };
}

describe.each(await availableStores())("admin API: calls and caller records (%s)", (store) => {
  const time = createSteppingClock();
  let server: TestServer;
  let call: AdminCall;
  let tenantA: Tenant;
  let tenantB: Tenant;
  /** A's first call, on day 1: everything attached. */
  let fullCall: string;
  /** A's calls on day 2, oldest first. */
  const dayTwoCalls: string[] = [];
  let tenantBCall: string;

  async function post(tenant: Tenant, body: unknown): Promise<Response> {
    const headers: Record<string, string> =
      tenant.vapiAuth === undefined ? {} : { "x-vapi-secret": B_SECRET };
    const response = await server.postWebhook(body, headers);
    expect(response.status).toBe(200);
    return response;
  }

  async function runTools(tenant: Tenant, parties: CallParties, calls: ToolCallSpec[]) {
    const response = await post(tenant, toolCalls(parties, calls));
    const { results = [] } = (await response.json()) as Vapi.ServerMessageResponseToolCalls;
    for (const result of results) expect(result.error, result.name).toBeUndefined();
  }

  beforeAll(async () => {
    server = await startTestServer({
      store,
      clock: time.clock,
      env: { ADMIN_TOKEN, RUN_WORKERS: "false" },
    });
    call = adminClient(server);
    tenantA = await createTenant(server.deps);
    tenantB = await createTenant(server.deps, { vapiAuth: { secrets: [B_SECRET] } });

    // Day 1. A: a whole call (statuses, three tools, an emergency transfer, the report).
    const a = { ...callTo(tenantA), callerNumber: CALLER };
    fullCall = a.callId;
    await post(tenantA, statusUpdate(a, "ringing"));
    await post(tenantA, statusUpdate(a, "in-progress"));
    await runTools(tenantA, a, [
      {
        name: "create_lead",
        args: { name: "Daniel Nguyen", service: "hot water repair", suburb: "Marrickville" },
      },
      { name: "take_message", args: { message: "Please call back after 3pm", name: "Daniel" } },
      { name: "book_appointment", args: { start: "2026-11-27 09:00", name: "Daniel Nguyen" } },
    ]);
    await post(
      tenantA,
      transferDestinationRequest(a, [{ role: "user", text: "A pipe burst under the sink!" }]),
    );
    await post(tenantA, statusUpdate(a, "ended", { endedReason: "customer-ended-call" }));
    await post(tenantA, endOfCallReport(a));

    // Day 1. B: a call that timed out, with a lead and a message.
    const b = { ...callTo(tenantB), callerNumber: "+61491570157" };
    tenantBCall = b.callId;
    await post(tenantB, statusUpdate(b, "in-progress"));
    await runTools(tenantB, b, [
      { name: "create_lead", args: { name: "Mia Chen", service: "gas fitting" } },
      { name: "take_message", args: { message: "Quote for a new cooktop" } },
    ]);
    await post(tenantB, endOfCallReport(b, { endedReason: "silence-timed-out" }));
    // B's traffic reusing A's call id: stored under B, never shown as part of A's call.
    await runTools(tenantB, { ...callTo(tenantB), callId: fullCall }, [
      { name: "take_message", args: { message: "Not A's message" } },
    ]);

    // Day 2. A: four more calls still ringing, the first with a lead.
    time.skipDays(1);
    for (let index = 0; index < 4; index += 1) {
      const parties = callTo(tenantA);
      dayTwoCalls.push(parties.callId);
      await post(tenantA, statusUpdate(parties, "ringing"));
      if (index === 0) {
        await runTools(tenantA, parties, [{ name: "create_lead", args: { name: "Ava Smith" } }]);
      }
    }
  });
  afterAll(async () => {
    await server.close();
  });

  const get = <TBody>(path: string) => call<TBody>("GET", path);

  /** Every item of a list, following nextCursor with pages of `limit`. */
  async function readAllPages<TItem>(path: string, limit: number): Promise<TItem[][]> {
    const pages: TItem[][] = [];
    let cursor: string | null = null;
    do {
      const separator = path.includes("?") ? "&" : "?";
      const suffix: string = cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`;
      const page: AdminResponse<RecordPage<TItem>> = await get<RecordPage<TItem>>(
        `${path}${separator}limit=${limit}${suffix}`,
      );
      expect(page.status).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(limit);
      pages.push(page.body.data);
      cursor = page.body.nextCursor;
    } while (cursor !== null && pages.length < 20);
    return pages;
  }

  describe("works", () => {
    it("lists a tenant's calls newest first with their summary fields", async () => {
      const { status, body } = await get<RecordPage<CallSummary>>(`/calls?tenantId=${tenantA.id}`);
      expect(status).toBe(200);
      expect(body.nextCursor).toBeNull();
      expect(body.data.map((item) => item.id)).toEqual([...dayTwoCalls].reverse().concat(fullCall));
      expect(body.data.at(-1)).toMatchObject({
        id: fullCall,
        tenantId: tenantA.id,
        callerNumber: CALLER,
        dialedNumber: tenantA.phoneNumbers[0]?.number,
        status: "ended",
        endedReason: "customer-ended-call",
        cost: 0.3187,
        summary: expect.stringContaining("Daniel Nguyen") as string,
      });
      // The list carries no bulk: no transcript, conversation or report.
      for (const key of ["transcript", "messages", "report", "structuredData"]) {
        expect(body.data[0]).not.toHaveProperty(key);
      }
    });

    it("pages calls with an opaque cursor, without gaps or repeats", async () => {
      const pages = await readAllPages<CallSummary>(`/calls?tenantId=${tenantA.id}`, 2);
      expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
      const all = await get<RecordPage<CallSummary>>(`/calls?tenantId=${tenantA.id}`);
      expect(pages.flat()).toEqual(all.body.data);
    });

    it("lists every tenant's calls without tenantId, newest first", async () => {
      const { body } = await get<RecordPage<CallSummary>>("/calls?limit=200");
      const ids = body.data.map((item) => item.id);
      expect(ids).toEqual(expect.arrayContaining([fullCall, tenantBCall, ...dayTwoCalls]));
      const keys = body.data.map((item) => `${item.createdAt}~${item.id}`);
      expect(keys).toEqual([...keys].sort().reverse());
    });

    it.each([
      ["status=ended", () => [fullCall]],
      ["status=ringing", () => [...dayTwoCalls].reverse()],
      ["endedReason=customer-ended-call", () => [fullCall]],
      ["endedReason=silence-timed-out", () => []],
      ["from=2026-11-25", () => [...dayTwoCalls].reverse()],
      ["to=2026-11-25", () => [fullCall]],
      ["from=2026-11-24T00:00:00Z&to=2026-11-25T11:00:00%2B11:00", () => [fullCall]],
      ["from=2026-11-26", () => []],
    ])("filters A's calls by %s", async (filter, expected) => {
      const { status, body } = await get<RecordPage<CallSummary>>(
        `/calls?tenantId=${tenantA.id}&${filter}`,
      );
      expect(status).toBe(200);
      expect(body.data.map((item) => item.id)).toEqual(expected());
    });

    it("returns one call with its timeline and everything attached to it", async () => {
      const { status, body } = await get<CallDetail>(`/calls/${fullCall}`);
      expect(status).toBe(200);
      expect(body.call).toMatchObject({
        id: fullCall,
        tenantId: tenantA.id,
        status: "ended",
        endedReason: "customer-ended-call",
        structuredData: { customerName: "Daniel Nguyen", bookingMade: true },
        costBreakdown: expect.objectContaining({ costs: expect.any(Array) as unknown[] }) as object,
        transcript: expect.stringContaining("AI: ") as string,
        recordingUrl: expect.stringMatching(/^https:\/\/storage\.vapi\.ai\//) as string,
        reportReceivedAt: expect.any(String) as string,
        contentPurgedAt: null,
      });
      expect(Array.isArray(body.call.messages)).toBe(true);
      expect(body.call).not.toHaveProperty("report");
      expect(body.statusEvents.map((event) => event.status)).toEqual([
        "ringing",
        "in-progress",
        "ended",
      ]);
      expect(body.statusEvents[2]?.endedReason).toBe("customer-ended-call");
      expect(body.leads).toEqual([
        expect.objectContaining({
          tenantId: tenantA.id,
          callId: fullCall,
          name: "Daniel Nguyen",
          suburb: "Marrickville",
          callbackNumber: CALLER,
        }),
      ]);
      expect(body.messages).toEqual([
        expect.objectContaining({ message: "Please call back after 3pm", name: "Daniel" }),
      ]);
      expect(body.bookings).toEqual([
        expect.objectContaining({
          slotStart: "2026-11-26T22:00:00.000Z",
          status: "confirmed",
          callId: fullCall,
        }),
      ]);
      expect(body.toolInvocations.map((item) => item.toolName).sort()).toEqual([
        "book_appointment",
        "create_lead",
        "take_message",
      ]);
      const lead = body.toolInvocations.find((item) => item.toolName === "create_lead");
      expect(lead).toMatchObject({
        outcome: "ok",
        arguments: expect.objectContaining({ name: "Daniel Nguyen" }) as object,
        result: expect.stringContaining("Lead saved") as string,
      });
      expect(body.transfers).toEqual([
        expect.objectContaining({ kind: "emergency", reason: "burst pipe" }),
      ]);
      expect(body.deliveries).toEqual([]);
    });

    it("returns the call when tenantId names its own tenant", async () => {
      const { status, body } = await get<CallDetail>(`/calls/${fullCall}?tenantId=${tenantA.id}`);
      expect(status).toBe(200);
      expect(body.call.id).toBe(fullCall);
    });

    it("lists leads newest first, by tenant and creation date, with paging", async () => {
      const { body } = await get<RecordPage<Lead>>(`/leads?tenantId=${tenantA.id}`);
      expect(body.data.map((lead) => [lead.callId, lead.name])).toEqual([
        [dayTwoCalls[0], "Ava Smith"],
        [fullCall, "Daniel Nguyen"],
      ]);
      const dayOne = await get<RecordPage<Lead>>(`/leads?tenantId=${tenantA.id}&to=2026-11-25`);
      expect(dayOne.body.data.map((lead) => lead.name)).toEqual(["Daniel Nguyen"]);
      const pages = await readAllPages<Lead>(`/leads?tenantId=${tenantA.id}`, 1);
      expect(pages.flat()).toEqual(body.data);
    });

    it("lists bookings, filtered by status", async () => {
      const confirmed = await get<RecordPage<Booking>>(
        `/bookings?tenantId=${tenantA.id}&status=confirmed`,
      );
      expect(confirmed.body.data).toEqual([
        expect.objectContaining({ callId: fullCall, name: "Daniel Nguyen", status: "confirmed" }),
      ]);
      const cancelled = await get<RecordPage<Booking>>(
        `/bookings?tenantId=${tenantA.id}&status=cancelled`,
      );
      expect(cancelled.body).toEqual({ data: [], nextCursor: null });
    });

    it("lists messages newest first", async () => {
      const { body } = await get<RecordPage<Message>>(`/messages?tenantId=${tenantB.id}`);
      expect(body.data.map((item) => item.message)).toEqual([
        "Not A's message",
        "Quote for a new cooktop",
      ]);
    });
  });

  describe("documents", () => {
    interface OpenApi {
      paths: Record<string, Record<string, { parameters?: { name: string }[] }>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    }

    it("each list's query parameters and response shapes in openapi.json", async () => {
      const { body } = await get<OpenApi>("/openapi.json");
      const names = (path: string) =>
        body.paths[path]?.get?.parameters?.map((parameter) => parameter.name);
      expect(names("/calls")).toEqual([
        "tenantId",
        "status",
        "endedReason",
        "from",
        "to",
        "cursor",
        "limit",
      ]);
      expect(names("/deliveries")).toEqual(
        expect.arrayContaining(["tenantId", "status", "eventType", "cursor", "limit"]),
      );
      expect(names("/calls/{id}")).toEqual(["tenantId"]);
      expect(body.components.schemas.CallDetail?.properties?.leads).toEqual({
        type: "array",
        items: { $ref: "#/components/schemas/Lead" },
      });
    });
  });

  describe("isolates", () => {
    it.each(["/calls", "/leads", "/bookings", "/messages", "/deliveries"])(
      "%s?tenantId= shows only that tenant's records",
      async (path) => {
        for (const tenant of [tenantA, tenantB]) {
          const { status, body } = await get<RecordPage<{ tenantId: string }>>(
            `${path}?tenantId=${tenant.id}`,
          );
          expect(status).toBe(200);
          for (const item of body.data) expect(item.tenantId).toBe(tenant.id);
        }
      },
    );

    it("an unknown tenantId gives an empty list", async () => {
      const { status, body } = await get<RecordPage<CallSummary>>(`/calls?tenantId=no-such-tenant`);
      expect(status).toBe(200);
      expect(body).toEqual({ data: [], nextCursor: null });
    });

    it("a call fetched with another tenant's id is a 404 that says nothing about it", async () => {
      const { status, body } = await get<ErrorResponse>(
        `/calls/${fullCall}?tenantId=${tenantB.id}`,
      );
      expect(status).toBe(404);
      expect(body.error.code).toBe("NOT_FOUND");
      expect(JSON.stringify(body)).not.toContain(tenantA.id);
    });

    it("never attaches another tenant's rows that carry the same call id", async () => {
      const { body: detail } = await get<CallDetail>(`/calls/${fullCall}`);
      expect(detail.messages.map((item) => item.message)).toEqual(["Please call back after 3pm"]);
      expect(detail.toolInvocations).toHaveLength(3);
      const { body: bMessages } = await get<RecordPage<Message>>(
        `/messages?tenantId=${tenantB.id}`,
      );
      expect(bMessages.data.find((item) => item.callId === fullCall)?.message).toBe(
        "Not A's message",
      );
    });

    it("never returns a tenant's webhook credentials", async () => {
      const paths = [
        "/calls?limit=200",
        `/calls/${tenantBCall}`,
        "/leads?limit=200",
        "/bookings?limit=200",
        "/messages?limit=200",
      ];
      for (const path of paths) {
        const response = await get(path);
        expect(response.status).toBe(200);
        expect(JSON.stringify(response.body)).not.toContain(B_SECRET);
      }
    });
  });

  describe("rejects", () => {
    it.each([
      "/calls",
      `/calls/${randomUUID()}`,
      "/leads",
      "/bookings",
      "/messages",
      "/deliveries",
      "/deliveries/msg_X",
    ])("GET %s without the admin token with 401", async (path) => {
      const response = await call<ErrorResponse>("GET", path, { token: null });
      expect(response.status).toBe(401);
      expect(response.body.error.code).toBe("UNAUTHORIZED");
    });

    it("POST /deliveries/:id/resend without the admin token with 401", async () => {
      const response = await call<ErrorResponse>("POST", "/deliveries/msg_X/resend", {
        token: null,
      });
      expect(response.status).toBe(401);
    });

    it.each([
      ["/calls?limit=0", "limit"],
      ["/calls?limit=201", "limit"],
      ["/bookings?limit=ten", "limit"],
      ["/calls?status=finished", "status"],
      ["/calls?from=yesterday", "from"],
      ["/leads?to=2026-13-01", "to"],
      ["/messages?from=2026-11-25&to=2026-11-24", "to"],
      ["/calls?cursor=not-a-cursor", "cursor"],
      ["/leads?stauts=failed", "stauts"],
      ["/deliveries?status=done", "status"],
      ["/deliveries?eventType=call.started", "eventType"],
      [`/calls/${randomUUID()}?tenantId=`, "tenantId"],
      ["/calls?tenantId=a&tenantId=b", "tenantId"],
    ])("a bad query %s with 400 naming %s", async (path, field) => {
      const response = await get<ErrorResponse>(path);
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe("VALIDATION_FAILED");
      expect(fieldPaths(response.body)).toContain(field);
    });

    it.each([`/calls/${randomUUID()}`, "/deliveries/msg_NOSUCHDELIVERY"])(
      "an unknown id (%s) with 404",
      async (path) => {
        const response = await get<ErrorResponse>(path);
        expect(response.status).toBe(404);
        expect(response.body.error.code).toBe("NOT_FOUND");
      },
    );
  });
});
