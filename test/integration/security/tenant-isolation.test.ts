import { randomUUID } from "node:crypto";
import type { Vapi } from "@vapi-ai/server-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "../../../src/clock.js";
import type { Tenant } from "../../../src/tenants/tenant-document.js";
import { assistantRequest, toolCalls, type ToolCallSpec } from "../../fixtures/vapi/builders.js";
import {
  callTo,
  functionCall,
  knowledgeBaseRequest,
  transferDestinationRequest,
  type Turn,
} from "../../fixtures/vapi/conversation.js";
import { endOfCallReport } from "../../fixtures/vapi/end-of-call-report.js";
import { statusUpdate } from "../../fixtures/vapi/status-update.js";
import { canonicalLine } from "../../helpers/call-rows.js";
import { createTenant } from "../../helpers/factories.js";
import { signHmac } from "../../helpers/sign.js";
import { startTestServer, type TestServer } from "../../helpers/start-server.js";
import { availableStores } from "../../helpers/test-database.js";
import {
  dashboardClient,
  readLiveEvents,
  type DashboardClient,
} from "../dashboard/dashboard-client.js";

/*
 * One suite proving that tenant A's calls and credentials can neither read nor change tenant B's
 * data. A and B each have their own webhook keys (tenant vapiAuth) and no global key is set, so
 * the keys are the only thing separating them. B first does a normal call (status, lead,
 * message, booking, report); its rows are snapshotted; then A's number, with A's valid key,
 * sends everything a hostile or confused model or caller could: every tool with B's id in
 * `tenantId`/`tenant_id`/`tenant`, B's id in the assistant metadata, B's call id and B's own
 * tool-call ids, status and report messages for B's call, transfer and knowledge-base requests.
 * Every answer must carry A's data only, and B's rows must be exactly as they were.
 *
 * The admin API (/admin/v1) has one global ADMIN_TOKEN: per-tenant scoping is not a feature
 * there, so the only isolation property is that no tenant credential opens it (checked below).
 * The dashboard has per-tenant read-only access tokens: signed in with A's, nothing of B can be
 * read (pages, records, calls, the live stream) or changed, and no webhook key signs in.
 */

// Wednesday 25 November 2026, 10:30 in Sydney: open, and Thursday is bookable.
const NOW_MS = Date.parse("2026-11-24T23:30:00Z");
const THURSDAY = "2026-11-26";
const A_SECRET = "isolation-tenant-a-secret-0001";
const B_SECRET = "isolation-tenant-b-secret-0002";
const B_HMAC = "isolation-tenant-b-hmac-key-03";
const ADMIN_TOKEN = "isolation-admin-token-7c2e9f";
const stores = await availableStores();

// What only B has: if any of it shows up in an answer to A, isolation is broken.
const B_LEAD_NAME = "Bianca Bravo";
const B_MESSAGE = "Bravo private message about the back gate";
const B_TRANSCRIPT_MARKER = "Bravo private transcript";
const B_FAQ_SECRET = "door code is 4242";
const B_FEE = "$777";
const B_TRANSFER = "+61255502002";
const B_ESCALATION = "+61491570202";
const A_TRANSFER = "+61255501001";
const A_ESCALATION = "+61491570101";

const TENANT_OVERRIDES = (tenantId: string) => ({
  tenantId,
  tenant_id: tenantId,
  tenant: tenantId,
});

describe.each(stores)("tenant isolation (%s)", (store) => {
  let server: TestServer;
  let tenantA: Tenant;
  let tenantB: Tenant;
  /** Same hours and services as A, never touched: the answer A should get when B is invisible. */
  let tenantControl: Tenant;
  const callB = randomUUID();
  const bToolCallIds = {
    lead: `call_b_lead_${randomUUID().slice(0, 8)}`,
    message: `call_b_msg_${randomUUID().slice(0, 8)}`,
    booking: `call_b_book_${randomUUID().slice(0, 8)}`,
  };
  let snapshotBefore: Awaited<ReturnType<typeof snapshotOfB>>;

  const asA = { "x-vapi-secret": A_SECRET };
  const asB = { "x-vapi-secret": B_SECRET };

  async function snapshotOfB() {
    const db = server.deps.db;
    const id = tenantB.id;
    return {
      leads: await db
        .selectFrom("leads")
        .selectAll()
        .where("tenant_id", "=", id)
        .orderBy("id")
        .execute(),
      messages: await db
        .selectFrom("messages")
        .selectAll()
        .where("tenant_id", "=", id)
        .orderBy("id")
        .execute(),
      bookings: await db
        .selectFrom("bookings")
        .selectAll()
        .where("tenant_id", "=", id)
        .orderBy("id")
        .execute(),
      toolInvocations: await db
        .selectFrom("tool_invocations")
        .selectAll()
        .where("tenant_id", "=", id)
        .orderBy("tool_call_id")
        .execute(),
      calls: await db
        .selectFrom("calls")
        .selectAll()
        .where("tenant_id", "=", id)
        .orderBy("id")
        .execute(),
      statusEvents: await db
        .selectFrom("call_status_events")
        .selectAll()
        .where("tenant_id", "=", id)
        .orderBy("call_id")
        .orderBy("status")
        .execute(),
      transfers: await db
        .selectFrom("transfers")
        .selectAll()
        .where("tenant_id", "=", id)
        .orderBy("id")
        .execute(),
      deliveries: await db
        .selectFrom("deliveries")
        .selectAll()
        .where("tenant_id", "=", id)
        .orderBy("id")
        .execute(),
      // Rows keyed by B's call id, whichever tenant they claim.
      rowsOfCallB: await db.selectFrom("calls").selectAll().where("id", "=", callB).execute(),
      eventsOfCallB: await db
        .selectFrom("call_status_events")
        .selectAll()
        .where("call_id", "=", callB)
        .orderBy("status")
        .execute(),
    };
  }

  async function post(body: unknown, headers: Record<string, string>) {
    const response = await server.postWebhook(body, headers);
    expect(response.status).toBe(200);
    return response;
  }

  async function toolResults(body: unknown, headers: Record<string, string>) {
    const response = await post(body, headers);
    return ((await response.json()) as Vapi.ServerMessageResponseToolCalls).results ?? [];
  }

  /** No trace of B's data in an answer A got. */
  function expectNothingOfB(text: string): void {
    for (const secret of [
      tenantB.id,
      tenantB.name,
      B_LEAD_NAME,
      B_MESSAGE,
      B_TRANSCRIPT_MARKER,
      B_FAQ_SECRET,
      B_FEE,
      B_TRANSFER,
      B_ESCALATION,
      B_SECRET,
    ]) {
      expect(text).not.toContain(secret);
    }
  }

  beforeAll(async () => {
    server = await startTestServer({ store, env: { ADMIN_TOKEN }, clock: fixedClock(NOW_MS) });
    tenantA = await createTenant(server.deps, {
      name: "Alpha Plumbing Isolation",
      vapiAuth: { secrets: [A_SECRET] },
      transfer: { number: A_TRANSFER, message: "Putting you through to Alpha." },
      escalation: { number: A_ESCALATION, triggers: ["gas smell"] },
      faq: [{ question: "What is your call-out fee?", answer: "Alpha's call-out fee is $99." }],
    });
    tenantB = await createTenant(server.deps, {
      name: "Bravo Drains Isolation",
      vapiAuth: { secrets: [B_SECRET], hmacSecrets: [B_HMAC] },
      transfer: { number: B_TRANSFER, message: "Putting you through to Bravo." },
      escalation: { number: B_ESCALATION, triggers: ["gas smell"] },
      faq: [
        { question: "What is your call-out fee?", answer: `Bravo's call-out fee is ${B_FEE}.` },
        { question: "What is the door code?", answer: `The Bravo ${B_FAQ_SECRET}.` },
      ],
    });
    tenantControl = await createTenant(server.deps);

    // B's own call, authenticated with B's keys.
    const partiesB = { ...callTo(tenantB, callB), callerNumber: "+61491570999" };
    await post(statusUpdate(partiesB, "in-progress"), asB);
    const seeded = await toolResults(
      toolCalls(partiesB, [
        {
          id: bToolCallIds.lead,
          name: "create_lead",
          args: { name: B_LEAD_NAME, notes: "B only" },
        },
        { id: bToolCallIds.message, name: "take_message", args: { message: B_MESSAGE } },
        {
          id: bToolCallIds.booking,
          name: "book_appointment",
          args: { start: `${THURSDAY} 13:00`, name: B_LEAD_NAME },
        },
      ]),
      asB,
    );
    expect(seeded.map((result) => result.error)).toEqual([undefined, undefined, undefined]);
    const report = endOfCallReport(partiesB);
    report.message.artifact.transcript = `${B_TRANSCRIPT_MARKER}\n${report.message.artifact.transcript}`;
    const reportBody = JSON.stringify(report);
    await post(reportBody, signHmac(reportBody, { secret: B_HMAC, timestamp: NOW_MS }));
    await post(
      transferDestinationRequest(partiesB, [{ role: "user", text: "There's a gas smell" }]),
      asB,
    );

    snapshotBefore = await snapshotOfB();
    expect(snapshotBefore.leads).toHaveLength(1);
    expect(snapshotBefore.messages).toHaveLength(1);
    expect(snapshotBefore.bookings).toHaveLength(1);
    expect(snapshotBefore.calls[0]?.transcript).toContain(B_TRANSCRIPT_MARKER);
    expect(snapshotBefore.transfers).toHaveLength(1);
  });
  afterAll(async () => {
    await server.close();
  });

  describe("tools called on A's number with B's tenant id in the arguments", () => {
    const onACallB = () => callTo(tenantA, callB);

    it("create_lead saves A's lead, even reusing B's call id and tool-call id", async () => {
      const [result] = await toolResults(
        toolCalls(
          onACallB(),
          [
            {
              id: bToolCallIds.lead,
              name: "create_lead",
              args: { name: "Mallory", ...TENANT_OVERRIDES(tenantB.id) },
            },
          ],
          tenantB.id,
        ),
        asA,
      );
      // B's stored answer for this tool-call id says "Lead saved for Bianca Bravo".
      expect(result?.result).toMatch(/^Lead saved for Mallory/);
      expectNothingOfB(JSON.stringify(result));
      const leads = await server.deps.db
        .selectFrom("leads")
        .selectAll()
        .where("call_id", "=", callB)
        .orderBy("tenant_id")
        .execute();
      expect(leads.map((lead) => [lead.tenant_id, lead.name]).sort()).toEqual(
        [
          [tenantA.id, "Mallory"],
          [tenantB.id, B_LEAD_NAME],
        ].sort(),
      );
    });

    it("check_availability reads A's calendar: B's booking does not show", async () => {
      const ask = async (tenant: Tenant, headers: Record<string, string>) => {
        const [result] = await toolResults(
          toolCalls(
            callTo(tenant),
            [
              {
                name: "check_availability",
                args: { date: THURSDAY, ...TENANT_OVERRIDES(tenantB.id) },
              },
            ],
            tenantB.id,
          ),
          headers,
        );
        return result?.result ?? result?.error ?? "";
      };
      const forA = await ask(tenantA, asA);
      expectNothingOfB(forA);
      expect(forA).toContain("1:00 pm");
      // A fresh tenant with the same hours (no keys: accepted without) sees the same times.
      expect(forA).toBe(await ask(tenantControl, {}));
    });

    it("book_appointment books A's calendar: the slot B holds is free for A", async () => {
      const [result] = await toolResults(
        toolCalls(
          onACallB(),
          [
            {
              name: "book_appointment",
              args: {
                start: `${THURSDAY} 13:00`,
                name: "Mallory",
                ...TENANT_OVERRIDES(tenantB.id),
              },
            },
          ],
          tenantB.id,
        ),
        asA,
      );
      expect(result?.result).toMatch(/^Booked for Mallory/);
      expectNothingOfB(JSON.stringify(result));
      const bookings = await server.deps.db
        .selectFrom("bookings")
        .selectAll()
        .where("tenant_id", "=", tenantA.id)
        .execute();
      expect(bookings.map((booking) => booking.name)).toEqual(["Mallory"]);
    });

    it("take_message stores A's message", async () => {
      const [result] = await toolResults(
        toolCalls(
          onACallB(),
          [
            {
              id: bToolCallIds.message,
              name: "take_message",
              args: { message: "Mallory was here", ...TENANT_OVERRIDES(tenantB.id) },
            },
          ],
          tenantB.id,
        ),
        asA,
      );
      expect(result?.result).toMatch(/^Message saved/);
      const messages = await server.deps.db
        .selectFrom("messages")
        .selectAll()
        .where("tenant_id", "=", tenantA.id)
        .execute();
      expect(messages.map((message) => message.message)).toEqual(["Mallory was here"]);
    });

    it("answer_question answers from A's FAQ only", async () => {
      const specs: ToolCallSpec[] = ["What is the door code?", "What is your call-out fee?"].map(
        (question) => ({
          name: "answer_question",
          args: { question, ...TENANT_OVERRIDES(tenantB.id) },
        }),
      );
      const results = await toolResults(toolCalls(onACallB(), specs, tenantB.id), asA);
      expect(results).toHaveLength(2);
      for (const result of results) expectNothingOfB(JSON.stringify(result));
      expect(results[1]?.result).toContain("$99");
    });

    it("the legacy function-call path saves A's lead too", async () => {
      const response = await post(
        functionCall(callTo(tenantA), "create_lead", {
          name: "Mallory Legacy",
          ...TENANT_OVERRIDES(tenantB.id),
        }),
        asA,
      );
      const answer = (await response.json()) as { result: string };
      expect(answer.result).toMatch(/^Lead saved for Mallory Legacy/);
      const lead = await server.deps.db
        .selectFrom("leads")
        .select("tenant_id")
        .where("name", "=", "Mallory Legacy")
        .executeTakeFirst();
      expect(lead?.tenant_id).toBe(tenantA.id);
    });
  });

  describe("requests for data on A's number", () => {
    const emergency: Turn[] = [{ role: "user", text: "I can smell gas, there's a gas smell!" }];
    const routine: Turn[] = [{ role: "user", text: "Can I talk to someone about a quote?" }];

    it("assistant-request answers with A's assistant, whatever the metadata says", async () => {
      const body = assistantRequest(callTo(tenantA));
      const withMetadata = {
        message: { ...body.message, assistant: { metadata: { tenantId: tenantB.id } } },
      };
      const response = await post(withMetadata, asA);
      const text = await response.text();
      expect(
        (JSON.parse(text) as Vapi.ServerMessageResponseAssistantRequest).assistant?.metadata
          ?.tenantId,
      ).toBe(tenantA.id);
      expectNothingOfB(text);
    });

    it("transfer-destination-request transfers to A's numbers only", async () => {
      for (const [turns, expected] of [
        [emergency, A_ESCALATION],
        [routine, A_TRANSFER],
      ] as const) {
        const body = transferDestinationRequest(callTo(tenantA, callB), turns);
        const withMetadata = {
          message: { ...body.message, assistant: { metadata: { tenantId: tenantB.id } } },
        };
        const response = await post(withMetadata, asA);
        const text = await response.text();
        const answer = JSON.parse(text) as Vapi.ServerMessageResponseTransferDestinationRequest;
        expect((answer.destination as { number?: string } | undefined)?.number).toBe(expected);
        expectNothingOfB(text);
      }
    });

    it("knowledge-base-request returns A's documents only", async () => {
      const body = knowledgeBaseRequest(callTo(tenantA), [
        { role: "user", text: "What is the door code, and what is your call-out fee?" },
      ]);
      const withMetadata = {
        message: { ...body.message, assistant: { metadata: { tenantId: tenantB.id } } },
      };
      const response = await post(withMetadata, asA);
      const text = await response.text();
      expectNothingOfB(text);
      const answer = JSON.parse(text) as Vapi.ServerMessageResponseKnowledgeBaseRequest;
      expect(answer.documents?.map((document) => document.content)).toEqual([
        "Alpha's call-out fee is $99.",
      ]);
    });
  });

  describe("call events for B's call sent from A's number", () => {
    it("status-update is acknowledged but changes nothing of B's call", async () => {
      const response = await post(
        statusUpdate(callTo(tenantA, callB), "ended", { endedReason: "assistant-forwarded-call" }),
        asA,
      );
      expect(await response.json()).toEqual({});
      expect(canonicalLine(server, response)?.outcome).toBe("call-belongs-to-another-tenant");
    });

    it("end-of-call-report is acknowledged but does not replace B's report", async () => {
      const report = endOfCallReport(callTo(tenantA, callB));
      report.message.artifact.transcript = "Mallory's forged transcript";
      const response = await post(report, asA);
      expect(await response.json()).toEqual({});
      expect(canonicalLine(server, response)?.outcome).toBe("call-belongs-to-another-tenant");
    });
  });

  describe("credentials", () => {
    it("A's key does not authenticate B's number, nor B's key A's", async () => {
      const onB = toolCalls(callTo(tenantB), [{ name: "take_message", args: { message: "x" } }]);
      expect((await server.postWebhook(onB, asA)).status).toBe(401);
      const onBBody = JSON.stringify(onB);
      expect(
        (
          await server.postWebhook(
            onBBody,
            signHmac(onBBody, { secret: A_SECRET, timestamp: NOW_MS }),
          )
        ).status,
      ).toBe(401);
      const onA = toolCalls(callTo(tenantA), [{ name: "take_message", args: { message: "x" } }]);
      expect((await server.postWebhook(onA, asB)).status).toBe(401);
    });

    it("no tenant webhook key opens the admin API (one global token; no per-tenant scope)", async () => {
      for (const token of [A_SECRET, B_SECRET, B_HMAC]) {
        const response = await fetch(`${server.url}/admin/v1/tenants/${tenantB.id}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        expect(response.status).toBe(401);
      }
    });
  });

  describe("the dashboard, signed in with A's read-only access token", () => {
    let viewer: DashboardClient;

    beforeAll(async () => {
      const admin = dashboardClient(server);
      expect((await admin.signIn(ADMIN_TOKEN)).status).toBe(303);
      const issued = await admin.post(`/dashboard/tenants/${tenantA.id}/access-tokens`, {
        _csrf: await admin.csrf(),
        ttlDays: "7",
      });
      const token = /id="issued-token" readonly value="([^"]+)"/.exec(issued.text)?.[1];
      expect(token).toMatch(/^fdt1\./);
      viewer = dashboardClient(server);
      expect((await viewer.signIn(token ?? "")).status).toBe(303);
    });

    it("cannot open B's pages, records or call", async () => {
      for (const path of [
        `/dashboard/tenants/${tenantB.id}`,
        `/dashboard/tenants/${tenantB.id}/leads`,
        `/dashboard/tenants/${tenantB.id}/bookings`,
        `/dashboard/tenants/${tenantB.id}/messages`,
        `/dashboard/tenants/${tenantB.id}/edit`,
        `/dashboard/tenants/${tenantB.id}/document`,
        `/dashboard/calls/${callB}`,
      ]) {
        const page = await viewer.get(path);
        expect([403, 404], path).toContain(page.status);
        expectNothingOfB(page.text);
      }
    });

    it("sees only A in the call list, its own records and the live view, whatever it asks for", async () => {
      for (const path of [
        `/dashboard/calls?tenant=${tenantB.id}`,
        "/dashboard/calls",
        "/dashboard",
        `/dashboard/tenants/${tenantA.id}/leads`,
        `/dashboard/tenants/${tenantA.id}/messages`,
        `/dashboard/tenants/${tenantA.id}/bookings`,
      ]) {
        const page = await viewer.get(path);
        expect(page.status, path).toBe(200);
        expectNothingOfB(page.text);
      }
      expect((await viewer.get(`/dashboard/tenants/${tenantA.id}/leads`)).text).toContain(
        "Mallory",
      );
      const events = await readLiveEvents(server, viewer.cookie ?? "", () => true, 3000);
      expect(events.length).toBeGreaterThan(0);
      for (const event of events) {
        expect([...event.order.active, ...event.order.recent]).not.toContain(callB);
        expectNothingOfB(JSON.stringify(event.cards));
      }
    });

    it("cannot change B or mint a token for B", async () => {
      const csrf = await viewer.csrf();
      const edit = await viewer.post(`/dashboard/tenants/${tenantB.id}/edit`, {
        _csrf: csrf,
        version: "1",
        name: "Taken over",
      });
      expect([403, 404]).toContain(edit.status);
      const token = await viewer.post(`/dashboard/tenants/${tenantB.id}/access-tokens`, {
        _csrf: csrf,
        ttlDays: "7",
      });
      expect([403, 404]).toContain(token.status);
      expect(token.text).not.toMatch(/fdt1\./);
    });

    it("does not accept a tenant's webhook key as a sign-in token", async () => {
      for (const secret of [A_SECRET, B_SECRET, B_HMAC]) {
        expect((await dashboardClient(server).signIn(secret)).status).toBe(401);
      }
    });
  });

  it("left every row of B exactly as it was", async () => {
    expect(await snapshotOfB()).toEqual(snapshotBefore);
  });

  it("wrote A's rows under A only", async () => {
    const aRowsUnderB = await server.deps.db
      .selectFrom("leads")
      .select("id")
      .where("tenant_id", "=", tenantB.id)
      .where("name", "like", "Mallory%")
      .execute();
    expect(aRowsUnderB).toEqual([]);
    const invocations = await server.deps.db
      .selectFrom("tool_invocations")
      .select(["tenant_id", "tool_call_id"])
      .where("tool_call_id", "in", Object.values(bToolCallIds))
      .execute();
    // B's ids were reused by A: one row per tenant, keyed by (tenant, tool-call id).
    expect(
      invocations
        .filter((row) => row.tenant_id === tenantA.id)
        .map((row) => row.tool_call_id)
        .sort(),
    ).toEqual([bToolCallIds.lead, bToolCallIds.message].sort());
  });
});
