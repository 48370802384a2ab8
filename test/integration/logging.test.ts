import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/clock.js";
import type { Tenant } from "../../src/tenants/tenant-document.js";
import { assistantRequest, toolCalls } from "../fixtures/vapi/builders.js";
import { createTenant } from "../helpers/factories.js";
import { signHmac } from "../helpers/sign.js";
import { startTestServer, type TestServer } from "../helpers/start-server.js";

// Wednesday 25 November 2026, 10:30 in Sydney: the tenant is open.
const NOW_MS = Date.parse("2026-11-24T23:30:00Z");
const SECRET = "log-test-shared-secret-7f3a9c";
const HMAC_KEY = "log-test-hmac-key-2b8e4d";
const CALLER = "+61491570156";
// Any spelling of the caller's number: E.164, national, spaced, digits only.
const CALLER_FORMS = [
  "+61491570156",
  "61491570156",
  "0491570156",
  "491570156",
  "0491 570 156",
  "570 156",
];
const CALLBACK = "+61400111222";

type LogLine = Record<string, unknown>;

describe("logging of a whole webhook exchange at info level", () => {
  let server: TestServer;
  let tenant: Tenant;
  const requestIds: string[] = [];
  let callId: string;

  const send = async (body: unknown, headers: Record<string, string>) => {
    const response = await server.postWebhook(body, headers);
    requestIds.push(response.headers.get("x-request-id") ?? "");
    return response;
  };

  beforeAll(async () => {
    server = await startTestServer({
      env: { LOG_LEVEL: "info", VAPI_SECRET: SECRET, VAPI_HMAC_SECRET: HMAC_KEY },
      clock: fixedClock(NOW_MS),
    });
    tenant = await createTenant(server.deps);
    const phone = tenant.phoneNumbers[0];
    const parties = {
      vapiPhoneNumberId: phone?.vapiPhoneNumberId,
      number: phone?.number,
      callerNumber: CALLER,
    };
    const first = assistantRequest(parties);
    callId = first.message.call.id;
    const withCall = { ...parties, callId };

    const answered = await send(first, { authorization: `Bearer ${SECRET}` });
    expect(answered.status).toBe(200);

    const tools = JSON.stringify(
      toolCalls(
        withCall,
        [
          {
            name: "take_message",
            args: { message: `Please call me back on ${CALLBACK}`, name: "Ana Lima" },
          },
          {
            name: "create_lead",
            args: JSON.stringify({ name: "Ana Lima", notes: `caller is ${CALLER}` }),
          },
          { name: "check_availability", args: {} },
          { name: "not_a_real_tool", args: { phone: CALLER } },
          { name: "take_message", args: "{broken json" },
        ],
        tenant.id,
      ),
    );
    const toolResponse = await send(
      tools,
      signHmac(tools, { secret: HMAC_KEY, timestamp: NOW_MS }),
    );
    expect(toolResponse.status).toBe(200);

    // Failures are logged too: a wrong secret and a tampered signature.
    expect((await send(first, { "x-vapi-secret": `${SECRET}-wrong` })).status).toBe(401);
    expect(
      (await send(`${tools} `, signHmac(tools, { secret: HMAC_KEY, timestamp: NOW_MS }))).status,
    ).toBe(401);
  });
  afterAll(async () => {
    await server.close();
  });

  const linesOf = (requestId: string): LogLine[] =>
    server.logs.filter((line) => line.reqId === requestId);

  it("writes nothing below info", () => {
    expect(server.logs.length).toBeGreaterThan(0);
    expect(server.logs.every((line) => (line.level as number) >= 30)).toBe(true);
  });

  it("never writes the caller's number in any form", () => {
    const text = JSON.stringify(server.logs);
    for (const form of CALLER_FORMS) expect(text).not.toContain(form);
  });

  it("never writes the shared secret, the HMAC key or auth headers", () => {
    const text = JSON.stringify(server.logs);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(HMAC_KEY);
    expect(text).not.toMatch(/authorization|x-vapi-secret|x-signature/i);
  });

  it("never writes tool arguments given by the model", () => {
    const text = JSON.stringify(server.logs);
    expect(text).not.toContain(CALLBACK);
    expect(text).not.toContain("Please call me back");
  });

  it("writes exactly one summary line per webhook", () => {
    for (const requestId of requestIds) {
      const summaries = linesOf(requestId).filter((line) => line.msg === "vapi webhook");
      expect(summaries, requestId).toHaveLength(1);
    }
  });

  it("puts type, tenant, call, outcome, status and duration on the assistant-request summary", () => {
    const summary = linesOf(requestIds[0] ?? "").find((line) => line.msg === "vapi webhook");
    expect(summary).toMatchObject({
      level: 30,
      messageType: "assistant-request",
      tenantId: tenant.id,
      callId,
      outcome: expect.any(String),
      statusCode: 200,
      durationMs: expect.any(Number),
    });
    expect(summary?.durationMs as number).toBeGreaterThanOrEqual(0);
  });

  it("puts the same fields on the tool-calls summary", () => {
    const summary = linesOf(requestIds[1] ?? "").find((line) => line.msg === "vapi webhook");
    expect(summary).toMatchObject({
      messageType: "tool-calls",
      tenantId: tenant.id,
      callId,
      outcome: expect.any(String),
      statusCode: 200,
      durationMs: expect.any(Number),
    });
  });

  it("carries only the listed canonical fields on summary lines (they are not redacted)", () => {
    const allowed = new Set([
      ...["level", "time", "service", "reqId", "msg", "durationMs"],
      ...["messageType", "tenantId", "callId", "cacheTier", "auth", "authFailure", "outcome"],
      ...["statusCode", "endedReason", "tools", "toolErrors", "callStatus", "documents"],
      ...["notification", "returningCaller", "bodyRead"],
    ]);
    const summaries = server.logs.filter((line) => line.msg === "vapi webhook");
    expect(summaries.length).toBeGreaterThan(0);
    for (const summary of summaries) {
      expect(Object.keys(summary).filter((key) => !allowed.has(key))).toEqual([]);
    }
  });

  it("summarises rejected webhooks with their status and reason", () => {
    for (const requestId of requestIds.slice(2)) {
      const summary = linesOf(requestId).find((line) => line.msg === "vapi webhook");
      expect(summary).toMatchObject({
        outcome: "unauthorized",
        statusCode: 401,
        authFailure: expect.any(String),
        durationMs: expect.any(Number),
      });
    }
  });

  it("tags each webhook's lines with its request id and the service name", () => {
    for (const requestId of requestIds) {
      const lines = linesOf(requestId);
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(line.service).toBe("frontdesk");
    }
  });
});
