import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MESSAGE_TYPES } from "../../../src/vapi/messages.js";
import type { Tenant } from "../../../src/tenants/tenant-document.js";
import { failedEarlyReport } from "../../fixtures/vapi/end-of-call-report.js";
import { informationalMessage } from "../../fixtures/vapi/informational.js";
import { statusUpdate } from "../../fixtures/vapi/status-update.js";
import { canonicalLine, LEVEL, logsFor, partiesOf } from "../../helpers/call-rows.js";
import { createTenant } from "../../helpers/factories.js";
import { startTestServer, type TestServer } from "../../helpers/start-server.js";
import { availableStores } from "../../helpers/test-database.js";

// Types whose response body Vapi uses; every other known type is informational (protocol §2).
const RESPONSE_TYPES = new Set([
  "assistant-request",
  "tool-calls",
  "function-call",
  "transfer-destination-request",
  "knowledge-base-request",
]);
const INFORMATIONAL_TYPES = MESSAGE_TYPES.filter((type) => !RESPONSE_TYPES.has(type));

const stores = await availableStores();

describe.each(stores)("informational messages (%s)", (store) => {
  let server: TestServer;
  let tenant: Tenant;

  beforeAll(async () => {
    server = await startTestServer({ store });
    tenant = await createTenant(server.deps);
  });
  afterAll(async () => {
    await server.close();
  });

  it("covers the types Vapi sends by default", () => {
    for (const type of ["end-of-call-report", "status-update", "hang", "speech-update"]) {
      expect(INFORMATIONAL_TYPES).toContain(type);
    }
    expect(INFORMATIONAL_TYPES).toContain('transcript[transcriptType="final"]');
  });

  it.each(INFORMATIONAL_TYPES)("answers %s with 200 {}", async (type) => {
    const body =
      type === "status-update"
        ? statusUpdate(partiesOf(tenant), "in-progress")
        : type === "end-of-call-report"
          ? failedEarlyReport(partiesOf(tenant))
          : informationalMessage(type, partiesOf(tenant));

    const response = await server.postWebhook(body);

    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({});
    expect(canonicalLine(server, response)).toMatchObject({
      messageType: type,
      tenantId: tenant.id,
      statusCode: 200,
    });
  });

  it("answers informational messages for an unknown number with 200 {}", async () => {
    const parties = { vapiPhoneNumberId: randomUUID(), number: "+61255599997" };
    for (const type of ["transcript", "hang", "conversation-update"]) {
      const response = await server.postWebhook(informationalMessage(type, parties));
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({});
    }
  });

  it("logs a hang at warn with the call and tenant, and no caller data", async () => {
    const parties = partiesOf(tenant);

    const response = await server.postWebhook(informationalMessage("hang", parties));

    expect(response.status).toBe(200);
    const warning = logsFor(server, response).find((line) => line.level === LEVEL.warn);
    expect(warning).toMatchObject({ callId: parties.callId, tenantId: tenant.id });
    expect(String(warning?.msg)).toContain("stalled");
    expect(JSON.stringify(warning)).not.toContain("+61491570156");
    expect(canonicalLine(server, response)?.outcome).toBe("assistant-stalled");
  });

  it("does not store transcripts or conversation updates", async () => {
    const parties = partiesOf(tenant);
    for (const type of ["transcript", "conversation-update", "speech-update"]) {
      await server.postWebhook(informationalMessage(type, parties));
    }
    const rows = await server.deps.db
      .selectFrom("calls")
      .select("id")
      .where("id", "=", parties.callId)
      .execute();
    expect(rows).toEqual([]);
  });

  it("acknowledges an unknown type with 200 {} and a debug line", async () => {
    const response = await server.postWebhook(
      informationalMessage("call.something-new", partiesOf(tenant)),
    );

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({});
    const debug = logsFor(server, response).find(
      (line) => line.level === LEVEL.debug && line.messageType === "call.something-new",
    );
    expect(debug?.msg).toBe("unknown Vapi message type acknowledged");
    expect(canonicalLine(server, response)?.outcome).toBe("ignored-unknown-type");
  });

  it("treats a message without a type but with a toolCallList as tool-calls", async () => {
    const body = informationalMessage("tool-calls", partiesOf(tenant));
    const message: Record<string, unknown> = {
      ...body.message,
      toolCallList: [
        {
          id: "call_Yk3pQ8vN2mR7sT1wX4zB6cD9",
          type: "function",
          function: { name: "no_such_tool", arguments: {} },
        },
      ],
    };
    delete message.type;

    const response = await server.postWebhook({ message });

    expect(response.status).toBe(200);
    const answer = (await response.json()) as { results: { toolCallId: string; name: string }[] };
    expect(answer.results).toHaveLength(1);
    expect(answer.results[0]).toMatchObject({
      toolCallId: "call_Yk3pQ8vN2mR7sT1wX4zB6cD9",
      name: "no_such_tool",
    });
    expect(canonicalLine(server, response)?.messageType).toBe("tool-calls");
  });
});
