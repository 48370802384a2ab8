import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Tenant } from "../../../src/tenants/tenant-document.js";
import { BODY_READER_FALLBACK_MESSAGE } from "../../../src/vapi/body-reader.js";
import { MESSAGE_SCHEMAS } from "../../../src/vapi/messages.js";
import { readCallReport, serializeCallReport } from "../../../src/vapi/read-call-report.js";
import { toolCalls } from "../../fixtures/vapi/builders.js";
import { historyMessages, type Turn } from "../../fixtures/vapi/conversation.js";
import { byteLength, endOfCallReportOfSize } from "../../fixtures/vapi/end-of-call-report.js";
import { statusUpdate } from "../../fixtures/vapi/status-update.js";
import { canonicalLine, partiesOf, readCall } from "../../helpers/call-rows.js";
import { createTenant } from "../../helpers/factories.js";
import { startTestServer, type TestServer } from "../../helpers/start-server.js";
import { availableStores } from "../../helpers/test-database.js";

const SECRET = "body-reader-threads-secret";
const stores = await availableStores();

/** A mid-call conversation long enough that the body goes to a reader thread. */
const CONVERSATION: Turn[] = Array.from({ length: 40 }, (_, index) =>
  index % 2 === 0
    ? { role: "user", text: `My kitchen sink is blocked again, this is message ${index}.` }
    : { role: "assistant", text: "I can book a plumber for you. What suburb are you in?" },
);

function largeToolCalls(tenant: Tenant, tenantIdArgument?: string) {
  const body = toolCalls(partiesOf(tenant), [
    {
      name: "create_lead",
      args: {
        name: "Sam Taylor",
        urgency: "today",
        notes: "Blocked sink",
        ...(tenantIdArgument === undefined ? {} : { tenantId: tenantIdArgument }),
      },
    },
  ]);
  return { message: { ...body.message, artifact: { messages: historyMessages(CONVERSATION) } } };
}

describe.each(stores)("webhooks read on a thread (%s)", (store) => {
  let server: TestServer;
  let tenant: Tenant;
  let otherTenant: Tenant;
  const headers = { "x-vapi-secret": SECRET };

  beforeAll(async () => {
    server = await startTestServer({
      store,
      env: { WEBHOOK_READ_THREADS: "1", VAPI_SECRET: SECRET },
    });
    tenant = await createTenant(server.deps);
    otherTenant = await createTenant(server.deps);
    await untilReadOnAThread();
  });
  afterAll(async () => {
    // No thread may have failed quietly: every answer below came from a thread.
    expect(server.logs.filter((line) => line.msg === BODY_READER_FALLBACK_MESSAGE)).toEqual([]);
    await server.close();
  });

  /**
   * The thread starts at the first large body, which (like every body until the thread is ready)
   * is read on the event loop: send large status updates until one is read on the thread.
   */
  async function untilReadOnAThread(): Promise<void> {
    const giveUpAt = Date.now() + 20_000;
    for (;;) {
      const body = statusUpdate(partiesOf(tenant), "ringing");
      const response = await server.postWebhook(
        { message: { ...body.message, artifact: { messages: historyMessages(CONVERSATION) } } },
        headers,
      );
      expect(response.status).toBe(200);
      if (canonicalLine(server, response)?.bodyRead === "thread") return;
      if (Date.now() > giveUpAt) throw new Error("no body was read on a thread within 20 s");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it("runs a tool call from a large body for the dialed tenant, whatever its arguments say", async () => {
    const body = largeToolCalls(tenant, otherTenant.id);
    expect(byteLength(body)).toBeGreaterThan(8 * 1024);
    const response = await server.postWebhook(body, headers);

    expect(response.status).toBe(200);
    const answer = (await response.json()) as {
      results: { toolCallId: string; result?: string }[];
    };
    expect(answer.results).toHaveLength(1);
    expect(answer.results[0]?.result).toMatch(/Sam/);
    expect(canonicalLine(server, response)).toMatchObject({
      bodyRead: "thread",
      messageType: "tool-calls",
      tenantId: tenant.id,
      outcome: "tool-results",
    });
    const leads = await server.deps.db.selectFrom("leads").selectAll().execute();
    expect(leads.map((lead) => [lead.tenant_id, lead.name])).toEqual([[tenant.id, "Sam Taylor"]]);
  });

  it("stores a 30 KB end-of-call report exactly as it reads it on the event loop", async () => {
    const parties = partiesOf(tenant);
    const body = endOfCallReportOfSize(30 * 1024, parties);
    const response = await server.postWebhook(body, headers);

    expect(response.status).toBe(200);
    expect(canonicalLine(server, response)).toMatchObject({
      bodyRead: "thread",
      outcome: "call-report-stored",
    });
    const expected = serializeCallReport(
      readCallReport(MESSAGE_SCHEMAS["end-of-call-report"].parse(body.message), parties.callId),
    );
    const row = await readCall(server, parties.callId);
    expect(row).toMatchObject({
      tenant_id: tenant.id,
      ended_reason: expected.endedReason,
      transcript: expected.transcript,
      summary: expected.summary,
      messages: expected.messages,
      cost_breakdown: expected.costBreakdown,
      structured_data: expected.structuredData,
      report: expected.report,
    });
  });

  it("rejects large bodies that are not JSON, too deep or invalid with the same 400s", async () => {
    const padding = "x".repeat(10 * 1024);
    const notJson = await fetch(`${server.url}/vapi/webhook`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: `{"message": {"type": "status-update", "padding": "${padding}"`,
    });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { error: { code: string } }).error.code).toBe("BAD_JSON");
    expect(canonicalLine(server, notJson)).toMatchObject({ bodyRead: "thread" });

    let deep: unknown = "leaf";
    for (let level = 0; level < 300; level += 1) deep = { next: deep };
    const tooDeep = await server.postWebhook(
      { message: { type: "status-update", padding, deep } },
      headers,
    );
    expect(tooDeep.status).toBe(400);
    expect(((await tooDeep.json()) as { error: { message: string } }).error.message).toMatch(
      /nested too deeply/,
    );

    const invalid = await server.postWebhook(
      { message: { type: "function-call", functionCall: { name: 7 }, padding } },
      headers,
    );
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { error: { message: string } }).error.message).toMatch(
      /function-call message is invalid at message\.functionCall\.name/,
    );
  });

  it("still answers 401 first to a large body without credentials, and acts on nothing", async () => {
    const before = await server.deps.db.selectFrom("leads").select("id").execute();
    const response = await server.postWebhook(largeToolCalls(tenant));
    expect(response.status).toBe(401);
    expect(await server.deps.db.selectFrom("leads").select("id").execute()).toEqual(before);
  });
});
