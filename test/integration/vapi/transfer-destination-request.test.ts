import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Vapi } from "@vapi-ai/server-sdk";
import type { Tenant } from "../../../src/tenants/tenant-document.js";
import { callTo, transferDestinationRequest, type Turn } from "../../fixtures/vapi/conversation.js";
import { createTenant } from "../../helpers/factories.js";
import { startTestServer, type TestServer } from "../../helpers/start-server.js";
import { availableStores } from "../../helpers/test-database.js";

const stores = await availableStores();

const EMERGENCY_LINE = "+61491570157";
const FRONT_DESK = "+61255501299";

// The system prompt and the assistant's safety advice name the triggers; only the caller counts.
const opening: Turn[] = [
  {
    role: "system",
    text: "Transfer to the on-call plumber for a gas smell, a burst pipe or flooding.",
  },
  { role: "assistant", text: "Thanks for calling. If you ever smell gas, leave the house first." },
];

describe.each(stores)("transfer-destination-request (%s)", (store) => {
  let server: TestServer;
  let tenant: Tenant;

  beforeAll(async () => {
    server = await startTestServer({ store });
    tenant = await createTenant(server.deps);
  });
  afterAll(async () => {
    await server.close();
  });

  async function post(
    body: unknown,
  ): Promise<Vapi.ServerMessageResponseTransferDestinationRequest> {
    const response = await server.postWebhook(body);
    expect(response.status).toBe(200);
    return (await response.json()) as Vapi.ServerMessageResponseTransferDestinationRequest;
  }

  const transfersOf = (tenantId: string, callId: string) =>
    server.deps.db
      .selectFrom("transfers")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("call_id", "=", callId)
      .execute();

  it("sends a caller describing an emergency to the escalation number and records it", async () => {
    const parties = callTo(tenant);
    const body = await post(
      transferDestinationRequest(parties, [
        ...opening,
        { role: "user", text: "There's water everywhere, a pipe burst under the sink!" },
        { role: "assistant", text: "Turn off the water at the mains if you can." },
        { role: "user", text: "Done. Can I talk to a plumber?" },
      ]),
    );
    expect(body).toEqual({
      destination: {
        type: "number",
        number: EMERGENCY_LINE,
        message: "Putting you through to our emergency line now.",
      },
    });
    const rows = await transfersOf(tenant.id, parties.callId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      destination_number: EMERGENCY_LINE,
      kind: "emergency",
      reason: "burst pipe",
    });
  });

  it("finds a trigger in a tool call's arguments too", async () => {
    const body = await post(
      transferDestinationRequest(callTo(tenant), [
        ...opening,
        { role: "user", text: "Please put me through to someone." },
        {
          role: "tool",
          name: "create_lead",
          args: { name: "Ana", notes: "Smells gas near meter" },
        },
      ]),
    );
    expect(body.destination).toMatchObject({ type: "number", number: EMERGENCY_LINE });
  });

  it("sends anyone else to the front desk with the tenant's message", async () => {
    const parties = callTo(tenant);
    const body = await post(
      transferDestinationRequest(parties, [
        ...opening,
        { role: "user", text: "Can I speak to someone about my invoice?" },
      ]),
    );
    expect(body).toEqual({
      destination: { type: "number", number: FRONT_DESK, message: "Putting you through now." },
    });
    const rows = await transfersOf(tenant.id, parties.callId);
    expect(rows.map((row) => [row.kind, row.destination_number, row.reason])).toEqual([
      ["front-desk", FRONT_DESK, null],
    ]);
  });

  it("records one transfer when Vapi asks twice in the same call", async () => {
    const parties = callTo(tenant);
    const message = transferDestinationRequest(parties, [
      { role: "user", text: "The laundry is flooding" },
    ]);
    const first = await post(message);
    expect(await post(message)).toEqual(first);
    expect(await transfersOf(tenant.id, parties.callId)).toHaveLength(1);
  });

  it("uses the escalation number when the tenant has no front desk", async () => {
    const onlyEscalation = await createTenant(server.deps, { transfer: undefined });
    const body = await post(
      transferDestinationRequest(callTo(onlyEscalation), [
        { role: "user", text: "Talk to a human" },
      ]),
    );
    expect(body.destination).toMatchObject({ type: "number", number: EMERGENCY_LINE });
  });

  it("refuses with a speakable error when the tenant has nowhere to transfer to", async () => {
    const nowhere = await createTenant(server.deps, { transfer: undefined, escalation: undefined });
    const parties = callTo(nowhere);
    const body = await post(
      transferDestinationRequest(parties, [{ role: "user", text: "I smell gas" }]),
    );
    expect(body.destination).toBeUndefined();
    expect(body.error).toMatch(/^Sorry, I can't transfer your call right now\./);
    expect(await transfersOf(nowhere.id, parties.callId)).toHaveLength(0);
  });

  it("refuses with a speakable error for a number no tenant owns", async () => {
    const body = await post(
      transferDestinationRequest({ vapiPhoneNumberId: "nobody", number: "+61299990002" }, [
        { role: "user", text: "gas smell" },
      ]),
    );
    expect(body).toEqual({ error: expect.stringMatching(/^Sorry, I can't transfer/) as string });
  });
});
