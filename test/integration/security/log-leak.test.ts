import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "../../../src/clock.js";
import type { Tenant } from "../../../src/tenants/tenant-document.js";
import { assistantRequest, toolCalls } from "../../fixtures/vapi/builders.js";
import {
  callTo,
  functionCall,
  knowledgeBaseRequest,
  transferDestinationRequest,
  type Turn,
} from "../../fixtures/vapi/conversation.js";
import { endOfCallReport } from "../../fixtures/vapi/end-of-call-report.js";
import { informationalMessage } from "../../fixtures/vapi/informational.js";
import { forwardingStatusUpdate, statusUpdate } from "../../fixtures/vapi/status-update.js";
import { createTenant } from "../../helpers/factories.js";
import { signHmac } from "../../helpers/sign.js";
import { startTestServer, type TestServer } from "../../helpers/start-server.js";

/*
 * A whole simulated call at LOG_LEVEL=info with both kinds of webhook credential configured and
 * every request authenticated (bearer, X-Vapi-Secret or HMAC), plus the failures a call can
 * meet (a wrong secret, a tampered signature, an invalid message, a duplicate report). Every log
 * line the server wrote is then searched for the caller's number in any spelling, any text the
 * caller or the assistant said, the free-text notes given to tools, the secrets, the signature
 * values sent and the credential headers themselves. None may appear.
 */

// Wednesday 25 November 2026, 10:30 in Sydney: open.
const NOW_MS = Date.parse("2026-11-24T23:30:00Z");
const SECRET = "leak-test-shared-secret-4f8a1c9e";
const HMAC_KEY = "leak-test-hmac-key-6b2d7e0a";
const CALLER = "+61491570156";
const CALLER_FORMS = [
  "+61491570156",
  "61491570156",
  "0491570156",
  "0491 570 156",
  "0491-570-156",
  "491570156",
];
const CALLER_DIGITS = "491570156";
const SPOKEN = {
  transcriptLine: "my number is oh four nine one, five seven oh, one five six",
  notes: "Back door is unlocked, the key is under the blue pot",
  message: "Please ring me back about the leaking hot water unit",
  question: "Is the call-out fee the same on a weekday",
  emergency: "There is water pouring through the ceiling light",
  name: "Daniel Nguyen",
};

describe("no personal data or secret in the logs of a whole call at info level", () => {
  let server: TestServer;
  let tenant: Tenant;
  const sentCredentials: string[] = [];
  const statuses: number[] = [];
  let report: ReturnType<typeof endOfCallReport>;

  /** Sends with one of the three credential styles, remembering what was sent. */
  async function send(body: unknown, style: "bearer" | "secret" | "hmac" | "wrong" | "tampered") {
    const raw = typeof body === "string" ? body : JSON.stringify(body);
    let headers: Record<string, string>;
    switch (style) {
      case "bearer":
        headers = { authorization: `Bearer ${SECRET}` };
        break;
      case "secret":
        headers = { "x-vapi-secret": SECRET };
        break;
      case "hmac":
        headers = signHmac(raw, { secret: HMAC_KEY, timestamp: NOW_MS });
        break;
      case "wrong":
        headers = { authorization: `Bearer ${SECRET}-but-wrong` };
        break;
      case "tampered":
        headers = signHmac(`${raw} `, { secret: HMAC_KEY, timestamp: NOW_MS });
        break;
    }
    sentCredentials.push(...Object.values(headers));
    const response = await server.postWebhook(raw, headers);
    statuses.push(response.status);
    await response.arrayBuffer();
    return response.status;
  }

  beforeAll(async () => {
    server = await startTestServer({
      env: { LOG_LEVEL: "info", VAPI_SECRET: SECRET, VAPI_HMAC_SECRET: HMAC_KEY },
      clock: fixedClock(NOW_MS),
    });
    tenant = await createTenant(server.deps);
    const parties = { ...callTo(tenant), callerNumber: CALLER };
    const turns: Turn[] = [
      { role: "assistant", text: "Thanks for calling, how can I help?" },
      { role: "user", text: `${SPOKEN.emergency}, ${SPOKEN.transcriptLine}` },
    ];

    expect(await send(assistantRequest(parties), "bearer")).toBe(200);
    expect(await send(statusUpdate(parties, "in-progress"), "hmac")).toBe(200);
    for (const type of [
      "transcript",
      'transcript[transcriptType="final"]',
      "conversation-update",
    ]) {
      const message = informationalMessage(type, parties);
      const withSpeech = {
        message: {
          ...message.message,
          transcript: SPOKEN.transcriptLine,
          messages: [{ role: "user", message: SPOKEN.transcriptLine, time: NOW_MS }],
        },
      };
      expect(await send(withSpeech, "secret")).toBe(200);
    }
    expect(
      await send(
        toolCalls(
          parties,
          [
            {
              name: "create_lead",
              args: {
                name: SPOKEN.name,
                callbackNumber: "0491 570 156",
                service: "Hot water repairs",
                notes: `${SPOKEN.notes}; call ${CALLER}`,
              },
            },
            {
              name: "take_message",
              args: JSON.stringify({
                message: `${SPOKEN.message} on 0491-570-156`,
                name: SPOKEN.name,
              }),
            },
            { name: "check_availability", args: { date: "2026-11-26" } },
            {
              name: "book_appointment",
              args: { start: "2026-11-26 13:00", phone: "61491570156", notes: SPOKEN.notes },
            },
            { name: "answer_question", args: { question: `${SPOKEN.question} for ${CALLER}?` } },
            { name: "no_such_tool", args: { phone: CALLER, notes: SPOKEN.notes } },
            { name: "create_lead", args: { callbackNumber: "not a number", notes: SPOKEN.notes } },
          ],
          tenant.id,
        ),
        "hmac",
      ),
    ).toBe(200);
    expect(
      await send(functionCall(parties, "take_message", { message: SPOKEN.message }), "secret"),
    ).toBe(200);
    expect(await send(knowledgeBaseRequest(parties, turns), "bearer")).toBe(200);
    expect(await send(transferDestinationRequest(parties, turns), "hmac")).toBe(200);
    expect(await send(forwardingStatusUpdate(parties), "secret")).toBe(200);
    report = endOfCallReport(parties);
    report.message.artifact.transcript += `User: ${SPOKEN.transcriptLine}\n`;
    expect(await send(report, "hmac")).toBe(200);
    expect(await send(report, "hmac")).toBe(200); // a retry: logged as a duplicate
    expect(
      await send(statusUpdate(parties, "ended", { endedReason: "customer-ended-call" }), "bearer"),
    ).toBe(200);

    // What a call can also meet: rejected credentials and an invalid message, all carrying
    // the caller's data in the body.
    expect(
      await send(
        toolCalls(parties, [{ name: "take_message", args: { message: SPOKEN.message } }]),
        "wrong",
      ),
    ).toBe(401);
    expect(await send(report, "tampered")).toBe(401);
    expect(
      await send(
        { message: { type: "function-call", customer: { number: CALLER }, note: SPOKEN.notes } },
        "secret",
      ),
    ).toBe(400);
  });
  afterAll(async () => {
    await server.close();
  });

  const logText = () => JSON.stringify(server.logs);

  it("logged the call at info and nothing below", () => {
    expect(server.logs.filter((line) => line.msg === "vapi webhook").length).toBe(statuses.length);
    expect(server.logs.every((line) => (line.level as number) >= 30)).toBe(true);
  });

  it("never wrote the caller's number, in any spelling", () => {
    const text = logText();
    for (const form of CALLER_FORMS) expect(text).not.toContain(form);
    // Also with any separators between the digits ("0491.570.156", "(04) 9157 0156", …).
    expect(text.replace(/[\s().+-]/g, "")).not.toContain(CALLER_DIGITS);
  });

  it("never wrote what was said: transcripts, summaries, notes, messages, names", () => {
    const text = logText();
    const said = [
      ...Object.values(SPOKEN),
      "hot water system is leaking all over the laundry floor",
      "Can I grab your name and suburb?",
      "There's gas smell in the kitchen",
      "Caller reported a gas smell",
      report.message.analysis.summary.slice(0, 40),
      "Marrickville",
      "Is anyone there?",
    ];
    for (const phrase of said) expect(text).not.toContain(phrase);
  });

  it("never wrote a secret, a signature sent or a credential header", () => {
    const text = logText();
    for (const secret of [
      SECRET,
      HMAC_KEY,
      ...sentCredentials.filter((value) => value.length > 12),
    ]) {
      expect(text).not.toContain(secret);
    }
    // Header names never appear (the canonical line's `auth: "bearer"` names the method only).
    expect(text).not.toMatch(/authorization|x-vapi-secret|x-signature|x-timestamp|Bearer /i);
  });
});
