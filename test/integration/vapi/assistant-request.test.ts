import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Vapi } from "@vapi-ai/server-sdk";
import { fixedClock } from "../../../src/clock.js";
import { createTenant } from "../../helpers/factories.js";
import { startTestServer, type TestServer } from "../../helpers/start-server.js";
import type { Tenant } from "../../../src/tenants/tenant-document.js";
import { assistantRequest } from "../../fixtures/vapi/builders.js";

// Wednesday 25 November 2026, 10:30 in Sydney (AEDT, UTC+11).
const WEDNESDAY_MORNING = Date.parse("2026-11-24T23:30:00Z");

describe("assistant-request", () => {
  let server: TestServer;
  let tenant: Tenant;

  beforeAll(async () => {
    server = await startTestServer({ clock: fixedClock(WEDNESDAY_MORNING) });
    tenant = await createTenant(server.deps);
  });
  afterAll(async () => {
    await server.close();
  });

  it("answers a known number with the tenant's transient assistant, tools under model.tools", async () => {
    const phone = tenant.phoneNumbers[0];
    const response = await server.postWebhook(
      assistantRequest({ vapiPhoneNumberId: phone?.vapiPhoneNumberId, number: phone?.number }),
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as Vapi.ServerMessageResponseAssistantRequest;
    expect(body).not.toHaveProperty("tools");
    const assistant = body.assistant;
    expect(assistant?.metadata).toEqual({ tenantId: tenant.id, tenantName: tenant.name });
    expect(assistant?.firstMessage).toContain(tenant.name);
    expect(assistant?.model?.provider).toBe("openai");
    const model = assistant?.model as Vapi.CreateAssistantDtoModel.Openai;
    const system = model.messages?.[0]?.content ?? "";
    expect(system).toContain(tenant.name);
    expect(system).toContain("Blocked drains");
    expect(system).toContain("Wednesday 25 November 2026, 10:30 am");
    expect(system).toContain("open now, until 5:00 pm");
    expect(model.tools?.map((tool) => tool.type)).toContain("transferCall");
    expect(assistant?.voice).toEqual({
      provider: "deepgram",
      voiceId: "hyperion",
      model: "aura-2",
    });
  });

  it("falls back to the dialed number when the Vapi phone-number id is unknown", async () => {
    const response = await server.postWebhook(
      assistantRequest({
        vapiPhoneNumberId: "not-a-known-id",
        number: tenant.phoneNumbers[0]?.number,
      }),
    );
    const body = (await response.json()) as Vapi.ServerMessageResponseAssistantRequest;
    expect(body.assistant?.metadata?.tenantId).toBe(tenant.id);
  });

  it("answers an unknown number with HTTP 200 and a spoken error", async () => {
    const response = await server.postWebhook(
      assistantRequest({ vapiPhoneNumberId: "nope", number: "+61299999999" }),
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as Vapi.ServerMessageResponseAssistantRequest;
    expect(body.assistant).toBeUndefined();
    expect(body.error).toBe(server.config.fallback.message);
  });
});

describe("assistant-request for a returning caller", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ clock: fixedClock(WEDNESDAY_MORNING) });
  });
  afterAll(async () => {
    await server.close();
  });

  it("mentions the caller's earlier lead with this tenant, and nothing from another tenant", async () => {
    const mine = await createTenant(server.deps);
    const other = await createTenant(server.deps);
    const caller = "+61491570999";
    const now = new Date(WEDNESDAY_MORNING).toISOString();
    await server.deps.db
      .insertInto("leads")
      .values([
        {
          id: "lead-mine",
          tenant_id: mine.id,
          call_id: "earlier-call",
          caller_number: caller,
          callback_number: caller,
          name: "Daniel",
          service: "Blocked drains",
          urgency: "today",
          suburb: "Glebe",
          notes: null,
          created_at: now,
          updated_at: now,
        },
        {
          id: "lead-other",
          tenant_id: other.id,
          call_id: "other-call",
          caller_number: caller,
          callback_number: caller,
          name: "Secret Name",
          service: "Gas fitting",
          urgency: "today",
          suburb: "Manly",
          notes: null,
          created_at: now,
          updated_at: now,
        },
      ])
      .execute();

    const prompt = async (tenant: Tenant, callerNumber: string) => {
      const phone = tenant.phoneNumbers[0];
      const response = await server.postWebhook(
        assistantRequest({
          vapiPhoneNumberId: phone?.vapiPhoneNumberId,
          number: phone?.number,
          callerNumber,
        }),
      );
      const body = (await response.json()) as Vapi.ServerMessageResponseAssistantRequest;
      return (
        (body.assistant?.model as Vapi.CreateAssistantDtoModel.Openai).messages?.[0]?.content ?? ""
      );
    };

    const returning = await prompt(mine, caller);
    expect(returning).toContain("Returning caller");
    expect(returning).toContain('"Daniel"');
    expect(returning).toContain("Blocked drains, in Glebe");
    expect(returning).not.toContain("Secret Name");

    const firstTime = await prompt(mine, "+61491570111");
    expect(firstTime).not.toContain("Returning caller");
  });
});

describe("assistant-request from one minute to the next", () => {
  let server: TestServer;
  let now = WEDNESDAY_MORNING;
  beforeAll(async () => {
    server = await startTestServer({ clock: { now: () => now } });
  });
  afterAll(async () => {
    await server.close();
  });

  it("answers each minute with that minute's time, returning callers in between with their own", async () => {
    const tenant = await createTenant(server.deps);
    const caller = "+61491570998";
    const at = new Date(WEDNESDAY_MORNING).toISOString();
    await server.deps.db
      .insertInto("leads")
      .values({
        id: "lead-minutes",
        tenant_id: tenant.id,
        call_id: "earlier-minutes",
        caller_number: caller,
        callback_number: caller,
        name: 'Ava "Quotes"',
        service: "Gas fitting",
        urgency: "today",
        suburb: "Manly",
        notes: null,
        created_at: at,
        updated_at: at,
      })
      .execute();
    const prompt = async (callerNumber: string) => {
      const phone = tenant.phoneNumbers[0];
      const response = await server.postWebhook(
        assistantRequest({
          vapiPhoneNumberId: phone?.vapiPhoneNumberId,
          number: phone?.number,
          callerNumber,
        }),
      );
      const body = (await response.json()) as Vapi.ServerMessageResponseAssistantRequest;
      expect(body.assistant?.metadata).toEqual({ tenantId: tenant.id, tenantName: tenant.name });
      return (
        (body.assistant?.model as Vapi.CreateAssistantDtoModel.Openai).messages?.[0]?.content ?? ""
      );
    };

    for (const [minute, time] of [
      [0, "10:30 am"],
      [1, "10:31 am"],
      [9, "10:39 am"],
      [31, "11:01 am"],
    ] as const) {
      now = WEDNESDAY_MORNING + minute * 60_000;
      const first = await prompt("+61491570112");
      expect(first).toContain(`Wednesday 25 November 2026, ${time}`);
      expect(first).not.toContain("Returning caller");
      const returning = await prompt(caller);
      expect(returning).toContain(time);
      expect(returning).toContain("Returning caller");
      expect(returning).toContain("Gas fitting, in Manly");
      expect(await prompt("+61491570113")).toBe(first);
    }
  });
});

describe("assistant-request with PUBLIC_URL", () => {
  it("points the assistant and its custom knowledge base back at this server", async () => {
    const server = await startTestServer({ env: { PUBLIC_URL: "https://frontdesk.example.com/" } });
    try {
      const tenant = await createTenant(server.deps);
      const response = await server.postWebhook(
        assistantRequest({ number: tenant.phoneNumbers[0]?.number }),
      );
      const body = (await response.json()) as Vapi.ServerMessageResponseAssistantRequest;
      expect(body.assistant?.server?.url).toBe("https://frontdesk.example.com/vapi/webhook");
      const model = body.assistant?.model as Vapi.CreateAssistantDtoModel.Openai;
      expect(model.knowledgeBase).toEqual({
        provider: "custom-knowledge-base",
        server: { url: "https://frontdesk.example.com/vapi/webhook" },
      });
    } finally {
      await server.close();
    }
  });
});
