import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Tenant } from "../../../src/tenants/tenant-document.js";
import {
  byteLength,
  endOfCallReport,
  endOfCallReportOfSize,
  failedEarlyReport,
  REPORT_BYTES,
} from "../../fixtures/vapi/end-of-call-report.js";
import { statusUpdate } from "../../fixtures/vapi/status-update.js";
import {
  canonicalLine,
  LEVEL,
  logsFor,
  partiesOf,
  readCall,
  readCalls,
  readStatusEvents,
} from "../../helpers/call-rows.js";
import { createTenant } from "../../helpers/factories.js";
import { startTestServer, type TestServer } from "../../helpers/start-server.js";
import { availableStores } from "../../helpers/test-database.js";

const CALLER = "+61491570156";
const stores = await availableStores();

describe.each(stores)("end-of-call-report (%s)", (store) => {
  let server: TestServer;
  let tenant: Tenant;
  let otherTenant: Tenant;

  beforeAll(async () => {
    server = await startTestServer({ store });
    tenant = await createTenant(server.deps);
    otherTenant = await createTenant(server.deps);
  });
  afterAll(async () => {
    await server.close();
  });

  describe("works", () => {
    it("stores a full report with every field before answering 200 {}", async () => {
      const parties = partiesOf(tenant);
      const body = endOfCallReport(parties);
      const m = body.message;

      const response = await server.postWebhook(body);

      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({});
      const row = await readCall(server, parties.callId);
      expect(row).toMatchObject({
        id: parties.callId,
        tenant_id: tenant.id,
        caller_number: CALLER,
        vapi_phone_number_id: parties.vapiPhoneNumberId,
        dialed_number: parties.number,
        status: "ended",
        ended_reason: "customer-ended-call",
        started_at: m.startedAt,
        ended_at: m.endedAt,
        duration_seconds: m.durationSeconds,
        cost: 0.3187,
        summary: m.analysis.summary,
        success_evaluation: "true",
        transcript: m.artifact.transcript,
        recording_url: m.artifact.recordingUrl,
        stereo_recording_url: m.artifact.stereoRecordingUrl,
      });
      expect(JSON.parse(row?.structured_data ?? "null")).toEqual(m.analysis.structuredData);
      expect(JSON.parse(row?.messages ?? "null")).toEqual(m.artifact.messages);
      expect(JSON.parse(row?.cost_breakdown ?? "null")).toEqual({
        costs: m.costs,
        costBreakdown: m.costBreakdown,
      });
      expect(row?.report_received_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(row?.created_at).toBe(row?.report_received_at);
      expect(row?.updated_at).toBe(row?.report_received_at);

      // The stored report keeps what has no column and drops the heavy duplicates.
      const report = JSON.parse(row?.report ?? "null");
      expect(report.endedReason).toBe("customer-ended-call");
      expect(report.analysis).toEqual(m.analysis);
      expect(report.artifact.performanceMetrics).toEqual(m.artifact.performanceMetrics);
      expect(report.artifact.recording).toEqual(m.artifact.recording);
      expect(report.compliance).toEqual(m.compliance);
      expect(report.somethingNew).toEqual(m.somethingNew);
      // Of the assistant frontdesk built for the call, which one it was, not its configuration.
      expect(report.assistant).toEqual({ name: m.assistant.name, metadata: m.assistant.metadata });
      for (const heavy of ["transcript", "messages", "messagesOpenAIFormatted"]) {
        expect(report).not.toHaveProperty(heavy);
        expect(report.artifact).not.toHaveProperty(heavy);
      }
      // Stored as they are in cost_breakdown (above).
      expect(report).not.toHaveProperty("costs");
      expect(report).not.toHaveProperty("costBreakdown");
      expect(report.call.id).toBe(parties.callId);
      expect(report.call).not.toHaveProperty("assistant");

      expect(canonicalLine(server, response)).toMatchObject({
        messageType: "end-of-call-report",
        tenantId: tenant.id,
        callId: parties.callId,
        outcome: "call-report-stored",
        statusCode: 200,
      });
    });

    it("stores what a report from a call that failed early has, and nulls for the rest", async () => {
      const parties = partiesOf(tenant);

      const response = await server.postWebhook(failedEarlyReport(parties));

      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({});
      const row = await readCall(server, parties.callId);
      expect(row).toMatchObject({
        tenant_id: tenant.id,
        caller_number: CALLER,
        status: "ended",
        ended_reason: "assistant-request-failed",
        cost: 0,
        started_at: null,
        ended_at: null,
        duration_seconds: null,
        summary: null,
        structured_data: null,
        success_evaluation: null,
        transcript: null,
        recording_url: null,
        stereo_recording_url: null,
      });
      expect(JSON.parse(row?.messages ?? "null")).toEqual([]);
      expect(JSON.parse(row?.cost_breakdown ?? "null")).toEqual({ costs: [] });
    });

    it("falls back to the legacy top-level copies when the nested fields are missing", async () => {
      const parties = partiesOf(tenant);
      const body = endOfCallReport(parties);
      const m = body.message as Record<string, unknown> & typeof body.message;
      const legacy = {
        ...m,
        analysis: {},
        artifact: { messages: [], messagesOpenAIFormatted: [] },
        cost: undefined,
        costs: undefined,
        durationSeconds: undefined,
      };

      const response = await server.postWebhook({ message: legacy });

      expect(response.status).toBe(200);
      const row = await readCall(server, parties.callId);
      expect(row).toMatchObject({
        summary: m.summary,
        transcript: m.transcript,
        recording_url: m.recordingUrl,
        stereo_recording_url: m.stereoRecordingUrl,
        // costBreakdown.total, and durationMs when durationSeconds is absent.
        cost: m.costBreakdown.total,
        duration_seconds: m.durationMs / 1000,
      });
      // An empty nested list is what Vapi sent; it is not replaced by the legacy copy.
      expect(JSON.parse(row?.messages ?? "null")).toEqual([]);
      expect(JSON.parse(row?.cost_breakdown ?? "null")).toEqual({ costBreakdown: m.costBreakdown });
    });

    it("computes the duration from startedAt and endedAt when Vapi sends none", async () => {
      const parties = partiesOf(tenant);
      const body = endOfCallReport(parties, { turns: 2 });
      const message = { ...body.message, durationSeconds: undefined, durationMs: undefined };

      await server.postWebhook({ message });

      const row = await readCall(server, parties.callId);
      expect(row?.duration_seconds).toBe(
        (Date.parse(body.message.endedAt) - Date.parse(body.message.startedAt)) / 1000,
      );
    });

    it("keeps one identical row when the same report is delivered twice", async () => {
      const parties = partiesOf(tenant);
      const body = endOfCallReport(parties);

      const first = await server.postWebhook(body);
      const stored = await readCall(server, parties.callId);
      const second = await server.postWebhook(body);

      expect(first.status).toBe(200);
      expect(second.status).toBe(200);
      expect(await second.json()).toEqual({});
      expect(await readCalls(server, parties.callId)).toEqual([stored]);
      expect(canonicalLine(server, second)?.outcome).toBe("call-report-duplicate");
    });

    it("keeps one row when duplicates of a report arrive at the same time", async () => {
      const parties = partiesOf(tenant);
      const body = JSON.stringify(endOfCallReport(parties));

      const responses = await Promise.all(
        Array.from({ length: 4 }, () => server.postWebhook(body)),
      );

      expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200]);
      const rows = await readCalls(server, parties.callId);
      expect(rows).toHaveLength(1);
      expect(rows[0]?.summary).toContain("Daniel Nguyen");
    });

    it("creates the call when the report arrives before any status-update, and later updates cannot regress it", async () => {
      const parties = partiesOf(tenant);
      const body = endOfCallReport(parties);

      expect((await server.postWebhook(body)).status).toBe(200);
      const reported = await readCall(server, parties.callId);
      expect(reported?.status).toBe("ended");

      const late = [
        statusUpdate(parties, "in-progress"),
        statusUpdate(parties, "ended", { endedReason: "silence-timed-out" }),
        statusUpdate(parties, "ringing"),
      ];
      for (const message of late) expect((await server.postWebhook(message)).status).toBe(200);

      const row = await readCall(server, parties.callId);
      expect(row).toMatchObject({
        status: "ended",
        // The report's ended reason is authoritative.
        ended_reason: "customer-ended-call",
        transcript: body.message.artifact.transcript,
        report: reported?.report,
      });
      const events = await readStatusEvents(server, parties.callId);
      expect(events.map((event) => event.status).sort()).toEqual([
        "ended",
        "in-progress",
        "ringing",
      ]);
    });

    it("keeps the highest status when status-updates and the report interleave out of order", async () => {
      const parties = partiesOf(tenant);

      await server.postWebhook(statusUpdate(parties, "forwarding"));
      await server.postWebhook(statusUpdate(parties, "in-progress"));
      expect((await readCall(server, parties.callId))?.status).toBe("forwarding");
      await server.postWebhook(endOfCallReport(parties));
      await server.postWebhook(statusUpdate(parties, "ringing"));

      const row = await readCall(server, parties.callId);
      expect(row?.status).toBe("ended");
      expect(row?.caller_number).toBe(CALLER);
      expect(row?.summary).toContain("Daniel Nguyen");
    });

    it("accepts and stores a report of about 500 KB", async () => {
      const parties = partiesOf(tenant);
      const body = endOfCallReportOfSize(REPORT_BYTES.large, parties);
      expect(byteLength(body)).toBeGreaterThan(450_000);
      expect(byteLength(body)).toBeLessThan(600_000);

      const response = await server.postWebhook(body);

      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({});
      const row = await readCall(server, parties.callId);
      expect(row?.transcript).toBe(body.message.artifact.transcript);
      expect(JSON.parse(row?.messages ?? "[]")).toHaveLength(body.message.artifact.messages.length);
    });

    it("never writes the caller's number or the transcript to logs at info or above", async () => {
      const parties = partiesOf(tenant);
      const body = endOfCallReport(parties);

      const response = await server.postWebhook(body);

      const lines = logsFor(server, response).filter((line) => Number(line.level) >= LEVEL.info);
      expect(lines.length).toBeGreaterThan(0);
      const text = JSON.stringify(lines);
      expect(text).not.toContain(CALLER);
      expect(text).not.toContain("hot water system is leaking");
    });
  });

  describe("isolates", () => {
    it("never modifies a call that belongs to another tenant, and still answers 200 {}", async () => {
      const callId = randomUUID();
      const mine = endOfCallReport(partiesOf(tenant, callId));
      await server.postWebhook(mine);
      const before = await readCall(server, callId);
      const theirs = endOfCallReport(partiesOf(otherTenant, callId), {
        endedReason: "assistant-ended-call",
      });
      theirs.message.analysis.summary = "Overwritten by another tenant.";

      const response = await server.postWebhook(theirs);
      const statusResponse = await server.postWebhook(
        statusUpdate(partiesOf(otherTenant, callId), "forwarding"),
      );

      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({});
      expect(statusResponse.status).toBe(200);
      expect(await readCalls(server, callId)).toEqual([before]);
      expect(await readStatusEvents(server, callId)).toEqual([]);
      const warning = logsFor(server, response).find((line) => line.level === LEVEL.warn);
      expect(warning).toMatchObject({ tenantId: otherTenant.id, callId });
      expect(canonicalLine(server, response)?.outcome).toBe("call-belongs-to-another-tenant");
    });

    it("does not attach another tenant's report to a call that has no report yet", async () => {
      const callId = randomUUID();
      await server.postWebhook(statusUpdate(partiesOf(tenant, callId), "in-progress"));
      const before = await readCall(server, callId);

      const response = await server.postWebhook(endOfCallReport(partiesOf(otherTenant, callId)));

      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({});
      expect(await readCalls(server, callId)).toEqual([before]);
      expect(before).toMatchObject({ tenant_id: tenant.id, status: "in-progress", report: null });
    });

    it("acknowledges a report for a number no tenant owns without storing it", async () => {
      const callId = randomUUID();
      const response = await server.postWebhook(
        endOfCallReport({ vapiPhoneNumberId: randomUUID(), number: "+61255599999", callId }),
      );

      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({});
      expect(await readCalls(server, callId)).toEqual([]);
      const info = logsFor(server, response).find((line) =>
        String(line.msg).includes("no tenant owns"),
      );
      expect(info?.level).toBe(LEVEL.info);
      expect(canonicalLine(server, response)?.outcome).toBe("unknown-number");
    });
  });

  describe("fails safely", () => {
    let broken: TestServer;
    let brokenTenant: Tenant;

    beforeAll(async () => {
      broken = await startTestServer({ store });
      brokenTenant = await createTenant(broken.deps);
    });
    afterAll(async () => {
      await broken.close();
    });

    it("answers 503 when the report cannot be stored, and a retry after recovery stores it", async () => {
      const parties = partiesOf(brokenTenant);
      const body = endOfCallReport(parties);
      // Warm the tenant cache, then take the calls table away from the running server.
      expect(
        (await broken.postWebhook(statusUpdate(partiesOf(brokenTenant), "ringing"))).status,
      ).toBe(200);
      await broken.deps.db.schema.alterTable("calls").renameTo("calls_unavailable").execute();

      let response: Response;
      try {
        response = await broken.postWebhook(body);
      } finally {
        await broken.deps.db.schema.alterTable("calls_unavailable").renameTo("calls").execute();
      }

      expect(response.status).toBe(503);
      const error = (await response.json()) as { error: { code: string; requestId: string } };
      expect(error.error.code).toBe("SERVICE_UNAVAILABLE");
      expect(error.error.requestId).toBe(response.headers.get("x-request-id"));
      expect(logsFor(broken, response).some((line) => line.level === LEVEL.error)).toBe(true);
      expect(await readCalls(broken, parties.callId)).toEqual([]);

      // Vapi's backoffPlan retries the same body: nothing was lost.
      const retry = await broken.postWebhook(body);
      expect(retry.status).toBe(200);
      expect((await readCall(broken, parties.callId))?.transcript).toBe(
        body.message.artifact.transcript,
      );
    });
  });
});
