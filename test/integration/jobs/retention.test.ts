import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "../../../src/clock.js";
import type { Tenant } from "../../../src/tenants/tenant-document.js";
import { endOfCallReport } from "../../fixtures/vapi/end-of-call-report.js";
import { partiesOf, readCall } from "../../helpers/call-rows.js";
import { createTenant } from "../../helpers/factories.js";
import { startTestServer, type TestServer } from "../../helpers/start-server.js";
import { availableStores } from "../../helpers/test-database.js";
import { FAST_JOBS_ENV, newWebhookSecret, readDeliveries } from "./notify-fixtures.js";
import { startReceiver, waitUntil, type Receiver } from "./receiver.js";

const stores = await availableStores();
const DAY_MS = 24 * 3600 * 1000;

describe.each(stores)("retention purge (%s)", (store) => {
  // `owner` keeps the database and answers calls today without running workers; `past` answers
  // calls 40 days ago (its clock) and delivers their notifications; `purger` starts afterwards
  // with today's clock and runs the retention job its workers schedule at start-up.
  let owner: TestServer;
  let past: TestServer;
  let purger: TestServer;
  let receiver: Receiver;
  let keeping: Tenant;
  let unlimited: Tenant;
  const calls = { oldKept: "", recentKept: "", oldUnlimited: "" };
  const reports: Record<string, ReturnType<typeof endOfCallReport>> = {};

  beforeAll(async () => {
    receiver = await startReceiver(() => 200);
    owner = await startTestServer({ store, env: { ...FAST_JOBS_ENV, RUN_WORKERS: "false" } });
    past = await startTestServer({
      store,
      env: FAST_JOBS_ENV,
      database: owner.database,
      clock: fixedClock(Date.now() - 40 * DAY_MS),
    });
    keeping = await createTenant(owner.deps, {
      retentionDays: 30,
      notify: { webhookUrl: receiver.url, secret: newWebhookSecret() },
    });
    unlimited = await createTenant(owner.deps);

    for (const [key, server, tenant] of [
      ["oldKept", past, keeping],
      ["oldUnlimited", past, unlimited],
      ["recentKept", owner, keeping],
    ] as const) {
      const parties = partiesOf(tenant);
      calls[key] = parties.callId;
      reports[key] = endOfCallReport(parties);
      expect((await server.postWebhook(reports[key])).status).toBe(200);
    }
    // The 40-day-old call's notification went out then, so its delivery is 40 days old too.
    await waitUntil(async () => (await readDeliveries(owner, keeping.id)).length === 1);
    await past.close();

    purger = await startTestServer({ store, env: FAST_JOBS_ENV, database: owner.database });
  });
  afterAll(async () => {
    await purger.close();
    await owner.close();
    await receiver.close();
  });

  it("nulls transcripts, messages and recordings of calls past the tenant's retentionDays", async () => {
    await waitUntil(
      async () => (await readCall(owner, calls.oldKept))?.content_purged_at !== null,
      15_000,
      "the purge",
    );
    const row = await readCall(owner, calls.oldKept);
    const original = reports.oldKept?.message;
    expect(row).toMatchObject({
      transcript: null,
      messages: null,
      recording_url: null,
      stereo_recording_url: null,
      // What is not conversation content stays.
      summary: original?.analysis.summary,
      ended_reason: "customer-ended-call",
      cost: 0.3187,
    });
    const report = JSON.parse(row?.report ?? "null");
    expect(report.analysis).toEqual(original?.analysis);
    for (const key of ["recordingUrl", "stereoRecordingUrl", "transcript", "messages"]) {
      expect(report).not.toHaveProperty(key);
    }
    expect(report.artifact).not.toHaveProperty("recording");
    expect(report.artifact).not.toHaveProperty("logUrl");
    expect(row?.report).not.toContain("storage.vapi.ai");
    expect(row?.report).not.toContain("calllogs.vapi.ai");
  });

  it("keeps recent calls and the calls of tenants without retentionDays", async () => {
    await waitUntil(async () => (await readCall(owner, calls.oldKept))?.content_purged_at !== null);
    for (const key of ["recentKept", "oldUnlimited"] as const) {
      const row = await readCall(owner, calls[key]);
      expect(row?.content_purged_at).toBeNull();
      expect(row?.transcript).toBe(reports[key]?.message.artifact.transcript);
      expect(row?.recording_url).toBe(reports[key]?.message.artifact.recordingUrl);
      expect(row?.report).toContain("storage.vapi.ai");
    }
  });

  it("deletes the tenant's deliveries older than the period with their attempt log", async () => {
    // The recent call's notification is sent by the purger's workers.
    await waitUntil(async () =>
      (await readDeliveries(owner, keeping.id)).some((d) => d.call_id === calls.recentKept),
    );
    await waitUntil(async () =>
      (await readDeliveries(owner, keeping.id)).every((d) => d.call_id !== calls.oldKept),
    );
    expect((await readDeliveries(owner, keeping.id)).map((d) => d.call_id)).toEqual([
      calls.recentKept,
    ]);
    const orphanAttempts = await owner.deps.db
      .selectFrom("delivery_attempts")
      .leftJoin("deliveries", "deliveries.id", "delivery_attempts.delivery_id")
      .select("delivery_attempts.delivery_id")
      .where("deliveries.id", "is", null)
      .execute();
    expect(orphanAttempts).toEqual([]);
  });
});
