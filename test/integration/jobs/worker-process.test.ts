import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Tenant } from "../../../src/tenants/tenant-document.js";
import { endOfCallReport } from "../../fixtures/vapi/end-of-call-report.js";
import { partiesOf } from "../../helpers/call-rows.js";
import { createTenant } from "../../helpers/factories.js";
import { startTestServer, type TestServer } from "../../helpers/start-server.js";
import { isRedisAvailable, REDIS_URL, uniqueRedisPrefix } from "../../helpers/test-database.js";
import { killTsxProcesses, spawnTsxProcess, type TsxProcess } from "../../helpers/tsx-process.js";
import { newWebhookSecret, readAttempts, readDeliveries, readJob } from "./notify-fixtures.js";
import { settle, startReceiver, waitUntil, type Answer, type Receiver } from "./receiver.js";

const SCRIPT = "test/integration/jobs/worker-process.ts";
const LEASE_MS = 1500;

const queues = (await isRedisAvailable()) ? ["database", "bullmq"] : ["database"];

/** `frontdesk worker` in its own process against the shared SQLite file (and Redis, if given). */
async function startWorker(
  databaseUrl: string,
  queueEnv: Record<string, string>,
): Promise<TsxProcess> {
  const worker = spawnTsxProcess(SCRIPT, {
    NODE_ENV: "test",
    LOG_LEVEL: "info",
    DATABASE_URL: databaseUrl,
    JOB_LEASE_MS: String(LEASE_MS),
    JOB_POLL_INTERVAL_MS: "50",
    JOB_BACKOFF_BASE_MS: "100",
    ...queueEnv,
  });
  await worker.waitForLine((line) => line.msg === "job workers started");
  return worker;
}

describe.each(queues)("frontdesk worker in its own process (sqlite, %s queue)", (queue) => {
  let server: TestServer;
  let receiver: Receiver;
  let tenant: Tenant;
  let answer: (index: number) => Answer = () => 200;
  const queueEnv: Record<string, string> =
    queue === "bullmq" ? { REDIS_URL, REDIS_KEY_PREFIX: uniqueRedisPrefix() } : {};

  beforeAll(async () => {
    receiver = await startReceiver((index) => answer(index));
    // The web process stores reports and queues jobs; only the worker processes run them.
    server = await startTestServer({
      store: "sqlite",
      env: { RUN_WORKERS: "false", ...queueEnv },
    });
    tenant = await createTenant(server.deps, {
      notify: { webhookUrl: receiver.url, secret: newWebhookSecret() },
    });
  });
  afterAll(async () => {
    // Only the processes this file started, by their own handle.
    await killTsxProcesses();
    await receiver.close();
    await server.close();
  });

  const deliveryOf = async (callId: string) =>
    (await readDeliveries(server, tenant.id)).find((row) => row.call_id === callId);

  it("runs a job interrupted by kill -9 once to completion after another worker starts", async () => {
    // The first attempt reaches the receiver, which holds it open: the worker is mid-job.
    answer = (index) => (index === 0 ? "hang" : 200);
    const first = await startWorker(server.database.url, queueEnv);
    const parties = partiesOf(tenant);
    const jobId = `call-ended:${parties.callId}`;
    expect((await server.postWebhook(endOfCallReport(parties))).status).toBe(200);
    await receiver.waitForRequests(1, 15_000);
    // (With BullMQ the job's state lives in Redis; the database queue shows it here.)
    if (queue === "database") {
      expect(await readJob(server, jobId)).toMatchObject({ status: "running", attempts: 1 });
    }

    first.child.kill("SIGKILL");
    expect(await first.exited).toEqual({ code: null, signal: "SIGKILL" });

    // Two workers start; whichever claims the job once its lease expires finishes it.
    const [second, third] = await Promise.all([
      startWorker(server.database.url, queueEnv),
      startWorker(server.database.url, queueEnv),
    ]);
    await waitUntil(
      async () => (await deliveryOf(parties.callId))?.status === "succeeded",
      20_000,
      "the delivery to succeed",
    );
    // Long enough for any duplicate run: more than two leases.
    await settle(2 * LEASE_MS + 500);

    // One successful delivery: the killed attempt (never answered) and the one that completed.
    expect(receiver.requests.map((request) => request.answeredWith)).toEqual([undefined, 200]);
    expect(new Set(receiver.requests.map((r) => r.headers["webhook-id"])).size).toBe(1);
    if (queue === "database") {
      expect(await readJob(server, jobId)).toMatchObject({ status: "succeeded", attempts: 2 });
    }
    const delivery = await deliveryOf(parties.callId);
    expect(delivery).toMatchObject({ status: "succeeded", attempts: 2, last_status_code: 200 });
    // The log shows the interrupted attempt for what it was.
    expect(
      (await readAttempts(server, delivery?.id ?? "")).map((a) => [a.status_code, a.error]),
    ).toEqual([
      [null, "no outcome recorded: the worker stopped during the request"],
      [200, null],
    ]);
    const ran = [second, third].filter((worker) =>
      worker.lines.some((line) => line.msg === "job succeeded" && line.jobId === jobId),
    );
    expect(ran).toHaveLength(1);

    for (const worker of [second, third]) worker.child.kill("SIGTERM");
    for (const worker of [second, third]) expect((await worker.exited).code).toBe(0);
  }, 90_000);

  it("finishes the running job on SIGTERM, then exits 0", async () => {
    const worker = await startWorker(server.database.url, queueEnv);
    const before = receiver.requests.length;
    // A slow receiver: the job is still running when the signal arrives.
    answer = () => ({ status: 200, afterMs: 1000 });
    const parties = partiesOf(tenant);
    expect((await server.postWebhook(endOfCallReport(parties))).status).toBe(200);
    await receiver.waitForRequests(before + 1, 15_000);

    worker.child.kill("SIGTERM");
    expect((await worker.exited).code).toBe(0);

    expect(await deliveryOf(parties.callId)).toMatchObject({ status: "succeeded", attempts: 1 });
    if (queue === "database") {
      expect(await readJob(server, `call-ended:${parties.callId}`)).toMatchObject({
        status: "succeeded",
        attempts: 1,
      });
    }
    expect(receiver.requests.at(-1)?.answeredWith).toBe(200);
    expect(worker.lines.map((line) => line.msg)).toEqual(
      expect.arrayContaining(["shutting down: finishing running jobs", "job workers stopped"]),
    );
  }, 60_000);
});
