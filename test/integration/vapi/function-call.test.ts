import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "../../../src/clock.js";
import type { FunctionCallResponse } from "../../../src/vapi/router.js";
import type { Tenant } from "../../../src/tenants/tenant-document.js";
import { callTo, functionCall } from "../../fixtures/vapi/conversation.js";
import { createTenant } from "../../helpers/factories.js";
import { startTestServer, type TestServer } from "../../helpers/start-server.js";
import { availableStores } from "../../helpers/test-database.js";

// Wednesday 25 November 2026, 10:30 in Sydney (AEDT, UTC+11).
const NOW = Date.parse("2026-11-24T23:30:00Z");
const stores = await availableStores();

describe.each(stores)("function-call, legacy model.functions (%s)", (store) => {
  let server: TestServer;
  let tenant: Tenant;
  let other: Tenant;

  beforeAll(async () => {
    server = await startTestServer({ store, clock: fixedClock(NOW) });
    tenant = await createTenant(server.deps);
    other = await createTenant(server.deps);
  });
  afterAll(async () => {
    await server.close();
  });

  async function post(body: unknown): Promise<FunctionCallResponse> {
    const response = await server.postWebhook(body);
    expect(response.status).toBe(200);
    return (await response.json()) as FunctionCallResponse;
  }

  const leadsOf = (tenantId: string) =>
    server.deps.db.selectFrom("leads").selectAll().where("tenant_id", "=", tenantId).execute();

  it("runs the tool with object parameters and answers {result} on one line", async () => {
    const parties = callTo(tenant);
    const body = await post(
      functionCall(parties, "create_lead", {
        name: "Daniel Nguyen",
        suburb: "Marrickville",
        urgency: "today",
        tenantId: other.id,
      }),
    );
    expect(body.result).toMatch(/^Lead saved for Daniel Nguyen \(today\), reference [0-9A-Z]{6}\./);
    expect(Object.keys(body)).toEqual(["result"]);
    const rows = await leadsOf(tenant.id);
    expect(rows.filter((row) => row.call_id === parties.callId)).toHaveLength(1);
    expect(await leadsOf(other.id)).toHaveLength(0);
  });

  it("reads JSON-string arguments", async () => {
    const body = await post(
      functionCall(callTo(tenant), "check_availability", JSON.stringify({ date: "2026-11-26" })),
    );
    expect(body.result).toContain("Thursday 26 November (2026-11-26): 7:00 am");
  });

  it("answers a failure as the sentence to say, since the legacy shape has no error field", async () => {
    expect((await post(functionCall(callTo(tenant), "launch_rocket", {}))).result).toBe(
      'The tool "launch_rocket" is not available here.',
    );
    expect(
      (await post(functionCall(callTo(tenant), "create_lead", { name: "X", service: "Roofing" })))
        .result,
    ).toContain('We don\'t offer "Roofing"');
    expect((await post(functionCall(callTo(tenant), "create_lead", {}))).result).toMatch(
      /^Some details were missing or invalid: name/,
    );
  });

  it("treats a redelivered message (same call, function and timestamp) as one call", async () => {
    const parties = callTo(tenant);
    const message = functionCall(parties, "take_message", { message: "Legacy retry", name: "Ola" });
    const first = await post(message);
    const second = await post(message);
    expect(second).toEqual(first);
    const rows = await server.deps.db
      .selectFrom("messages")
      .selectAll()
      .where("tenant_id", "=", tenant.id)
      .where("message", "=", "Legacy retry")
      .execute();
    expect(rows).toHaveLength(1);
  });
});
