import type { Vapi } from "@vapi-ai/server-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "../../../src/clock.js";
import type { Tenant } from "../../../src/tenants/tenant-document.js";
import { MAX_NESTING_DEPTH } from "../../../src/vapi/read-webhook-body.js";
import { toolCalls } from "../../fixtures/vapi/builders.js";
import { callTo } from "../../fixtures/vapi/conversation.js";
import { endOfCallReport } from "../../fixtures/vapi/end-of-call-report.js";
import { statusUpdate } from "../../fixtures/vapi/status-update.js";
import { readCall } from "../../helpers/call-rows.js";
import { createTenant } from "../../helpers/factories.js";
import { startTestServer, type TestServer } from "../../helpers/start-server.js";
import { availableStores } from "../../helpers/test-database.js";

/*
 * The failures the fuzzer found, pinned as plain examples so they cannot come back unnoticed
 * between lucky seeds. Both were 5xx answers to a client's input (and, for storable events, a
 * 503 that Vapi's retries would repeat forever):
 * - a body nested a few thousand levels deep overflowed the stack in JSON.stringify when the
 *   report was stored; such bodies are now 400 INVALID_PAYLOAD before anything reads them;
 * - U+0000 in any string reaching PostgreSQL (a transcript, a phone-number id, a tool argument)
 *   is refused by PostgreSQL text; it is now read as U+FFFD.
 */

const NOW_MS = Date.parse("2026-11-24T23:30:00Z");
const stores = await availableStores();

/** `{"a":{"a":…1…}}`, built as text: JSON.stringify would itself overflow on deep values. */
function nested(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
}

describe.each(stores)("webhook regressions found by fuzzing (%s)", (store) => {
  let server: TestServer;
  let tenant: Tenant;

  beforeAll(async () => {
    server = await startTestServer({ store, clock: fixedClock(NOW_MS) });
    tenant = await createTenant(server.deps);
  });
  afterAll(async () => {
    await server.close();
  });

  /** An end-of-call report whose unknown field `extra` holds `nestedJson` verbatim. */
  function reportWith(callId: string, nestedJson: string): string {
    const text = JSON.stringify(endOfCallReport(callTo(tenant, callId)));
    return text.replace(/}}$/, `,"extra":${nestedJson}}}`);
  }

  it("rejects a report nested 5,000 levels deep with 400 INVALID_PAYLOAD, not a 5xx", async () => {
    const callId = crypto.randomUUID();
    const response = await server.postWebhook(reportWith(callId, nested(5000)));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: "INVALID_PAYLOAD" } });
    expect(await readCall(server, callId)).toBeUndefined();
  });

  it("still stores a report nested just under the limit", async () => {
    const callId = crypto.randomUUID();
    // The report itself is a few levels deep already (message.extra …).
    const response = await server.postWebhook(reportWith(callId, nested(MAX_NESTING_DEPTH - 4)));
    expect(response.status).toBe(200);
    expect((await readCall(server, callId))?.tenant_id).toBe(tenant.id);
  });

  it("rejects a deep array of arrays just the same", async () => {
    const body = `{"message":{"type":"hang","x":${"[".repeat(100_000)}${"]".repeat(100_000)}}}`;
    const response = await server.postWebhook(body);
    expect(response.status).toBe(400);
  });

  it("stores a report whose transcript holds U+0000, as U+FFFD", async () => {
    const callId = crypto.randomUUID();
    const report = endOfCallReport(callTo(tenant, callId));
    report.message.artifact.transcript = "AI: Hello\u0000there\nUser: hi\n";
    const response = await server.postWebhook(report);
    expect(response.status).toBe(200);
    expect((await readCall(server, callId))?.transcript).toBe("AI: Hello\uFFFDthere\nUser: hi\n");
  });

  it("acknowledges a status-update whose phone-number id holds U+0000", async () => {
    const body = statusUpdate(
      { vapiPhoneNumberId: "pn\u0000x", callId: crypto.randomUUID() },
      "ringing",
    );
    const response = await server.postWebhook(body);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({});
  });

  it("runs a tool whose argument holds U+0000 instead of failing it", async () => {
    const response = await server.postWebhook(
      toolCalls(callTo(tenant), [{ name: "take_message", args: { message: "Call\u0000me back" } }]),
    );
    expect(response.status).toBe(200);
    const [result] = ((await response.json()) as Vapi.ServerMessageResponseToolCalls).results ?? [];
    expect(result?.result).toMatch(/^Message saved/);
    const stored = await server.deps.db
      .selectFrom("messages")
      .select("message")
      .where("tenant_id", "=", tenant.id)
      .execute();
    expect(stored.map((row) => row.message)).toContain("Call\uFFFDme back");
  });

  it("logged no error for any of it", () => {
    expect(server.logs.filter((line) => (line.level as number) >= 50)).toEqual([]);
  });
});

describe("deep bodies without credentials", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { VAPI_SECRET: "regression-secret-0123456789" } });
  });
  afterAll(async () => {
    await server.close();
  });

  it("answers 401, not 400: an unauthenticated caller learns nothing about our parsing", async () => {
    const body = `{"message":{"type":"hang","x":${nested(1000)}}}`;
    expect((await server.postWebhook(body)).status).toBe(401);
  });
});
