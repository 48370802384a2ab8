import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config.js";
import { createDeps, type Deps } from "../../../src/deps.js";
import type { JobPayload } from "../../../src/jobs/job-types.js";
import {
  PermanentJobError,
  type JobContext,
  type JobHandlers,
  type JobWorker,
} from "../../../src/jobs/queue.js";
import {
  availableStores,
  createTestDatabase,
  type TestDatabase,
} from "../../helpers/test-database.js";
import { readJobs, silentLog } from "./queue-fixtures.js";
import { settle, waitUntil } from "./receiver.js";

const stores = await availableStores();

type DeliverHandler = (payload: JobPayload<"notify.deliver">, ctx: JobContext) => Promise<void>;

/** Handlers for every job name; only notify.deliver does anything in these tests. */
function handlersWith(deliver: DeliverHandler): JobHandlers {
  const none = async () => undefined;
  return {
    "notify.call-ended": none,
    "notify.lead-created": none,
    "notify.deliver": deliver,
    "retention.purge": none,
  };
}

const payload = (deliveryId: string) => ({ tenantId: "tenant-q", deliveryId });

describe.each(stores)("database job queue (%s)", (store) => {
  let database: TestDatabase;
  const opened: Deps[] = [];
  const workers: JobWorker[] = [];

  /** A process-like instance on the shared database: its own connections and its own queue. */
  async function instance(env: Record<string, string> = {}): Promise<Deps> {
    const config = loadConfig({
      NODE_ENV: "test",
      DATABASE_URL: database.url,
      JOB_MAX_ATTEMPTS: "3",
      JOB_BACKOFF_BASE_MS: "30",
      JOB_BACKOFF_MAX_MS: "100",
      JOB_POLL_INTERVAL_MS: "20",
      JOB_LEASE_MS: "600",
      ...env,
    });
    const deps = await createDeps(
      config,
      database.postgresSchema === undefined ? {} : { postgresSchema: database.postgresSchema },
    );
    opened.push(deps);
    return deps;
  }
  function start(deps: Deps, handlers: JobHandlers): JobWorker {
    const worker = deps.jobs.startWorker({ handlers, log: silentLog });
    workers.push(worker);
    return worker;
  }

  beforeAll(() => {
    database = createTestDatabase(store);
  });
  // Each test's workers stop with it: they share the database with the next test's jobs.
  afterEach(async () => {
    for (const worker of workers.splice(0)) await worker.stop({ graceMs: 0 });
  });
  afterAll(async () => {
    for (const deps of opened) await deps.close();
    await database.drop();
  });

  it("runs every job exactly once while three workers claim concurrently", async () => {
    const [first, second, third] = [await instance(), await instance(), await instance()];
    const runs: string[] = [];
    const handlers = handlersWith(async ({ deliveryId }) => {
      runs.push(deliveryId);
      await settle(5);
    });
    const ids = Array.from({ length: 40 }, (_, index) => `many-${index}`);
    for (const id of ids) await first.jobs.enqueue("notify.deliver", payload(id), { jobId: id });
    for (const deps of [first, second, third]) start(deps, handlers);

    await waitUntil(
      async () => (await readJobs(first, "many-")).every((job) => job.status === "succeeded"),
      15_000,
      "every job to succeed",
    );
    expect(runs.toSorted()).toEqual(ids.toSorted());
    expect((await readJobs(first, "many-")).map((job) => job.attempts)).toEqual(ids.map(() => 1));
  });

  it("adds nothing when a job id is enqueued again", async () => {
    const deps = await instance();
    await deps.jobs.enqueue("notify.deliver", payload("first"), {
      jobId: "dedupe-1",
      delayMs: 60_000,
    });
    await deps.jobs.enqueue("notify.deliver", payload("second"), { jobId: "dedupe-1" });
    const [job, ...rest] = await readJobs(deps, "dedupe-");
    expect(rest).toEqual([]);
    expect(JSON.parse(job?.payload ?? "null")).toEqual(payload("first"));
  });

  it("retries with backoff and ends failed with the last error after the last attempt", async () => {
    const deps = await instance();
    const attempts: { attempt: number; final: boolean; nextMs: number | undefined; at: number }[] =
      [];
    start(
      deps,
      handlersWith(async (_payload, ctx) => {
        attempts.push({
          attempt: ctx.attempt,
          final: ctx.isFinalAttempt,
          nextMs: ctx.nextRetryDelayMs,
          at: Date.now(),
        });
        throw new Error(`receiver down (attempt ${ctx.attempt})`);
      }),
    );
    await deps.jobs.enqueue("notify.deliver", payload("flaky"), { jobId: "retry-1" });

    await waitUntil(async () => (await readJobs(deps, "retry-1"))[0]?.status === "failed");
    expect(attempts.map(({ attempt, final, nextMs }) => ({ attempt, final, nextMs }))).toEqual([
      { attempt: 1, final: false, nextMs: 30 },
      { attempt: 2, final: false, nextMs: 60 },
      { attempt: 3, final: true, nextMs: undefined },
    ]);
    expect((attempts[1]?.at ?? 0) - (attempts[0]?.at ?? 0)).toBeGreaterThanOrEqual(25);
    expect((attempts[2]?.at ?? 0) - (attempts[1]?.at ?? 0)).toBeGreaterThanOrEqual(55);
    expect((await readJobs(deps, "retry-1"))[0]).toMatchObject({
      status: "failed",
      attempts: 3,
      last_error: "Error: receiver down (attempt 3)",
      locked_by: null,
      locked_until: null,
    });
  });

  it("fails at once on a permanent error, and on a payload its schema rejects", async () => {
    const deps = await instance();
    let runs = 0;
    start(
      deps,
      handlersWith(async () => {
        runs += 1;
        throw new PermanentJobError("the delivery is gone");
      }),
    );
    await deps.jobs.enqueue("notify.deliver", payload("gone"), { jobId: "permanent-1" });
    // A stored payload that no longer matches its schema (written by hand, as an old version might).
    await deps.jobs.enqueue("notify.deliver", { tenantId: "" } as never, { jobId: "permanent-2" });

    await waitUntil(async () =>
      (await readJobs(deps, "permanent-")).every((job) => job.status === "failed"),
    );
    const [gone, invalid] = await readJobs(deps, "permanent-");
    expect(gone).toMatchObject({
      attempts: 1,
      last_error: "PermanentJobError: the delivery is gone",
    });
    expect(invalid?.attempts).toBe(1);
    expect(invalid?.last_error).toContain("invalid payload for notify.deliver");
    expect(runs).toBe(1);
  });

  it("does not run a delayed job before its time", async () => {
    const deps = await instance();
    const ran: number[] = [];
    start(
      deps,
      handlersWith(async () => void ran.push(Date.now())),
    );
    const queuedAt = Date.now();
    await deps.jobs.enqueue("notify.deliver", payload("later"), {
      jobId: "delayed-1",
      delayMs: 400,
    });

    await waitUntil(() => ran.length === 1);
    expect((ran[0] ?? 0) - queuedAt).toBeGreaterThanOrEqual(390);
  });

  it("releases a running job on stop without counting the attempt; another worker finishes it", async () => {
    const stopping = await instance();
    const taking = await instance();
    let started = false;
    const stoppingWorker = start(
      stopping,
      handlersWith(async (_payload, ctx) => {
        started = true;
        // A job that only ends when the worker interrupts it.
        await new Promise((_, reject) =>
          ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason as Error)),
        );
      }),
    );
    await stopping.jobs.enqueue("notify.deliver", payload("long"), { jobId: "release-1" });
    await waitUntil(() => started);

    await stoppingWorker.stop({ graceMs: 50 });
    expect((await readJobs(stopping, "release-1"))[0]).toMatchObject({
      status: "queued",
      attempts: 0,
      locked_by: null,
    });

    const finished: number[] = [];
    start(
      taking,
      handlersWith(async (_payload, ctx) => void finished.push(ctx.attempt)),
    );
    await waitUntil(async () => (await readJobs(taking, "release-1"))[0]?.status === "succeeded");
    expect(finished).toEqual([1]);
  });

  it("claims a running job again once its lease expired (its worker died) and runs it once", async () => {
    const deps = await instance();
    // What a worker killed mid-job leaves behind: running, claimed by a token nobody holds.
    const past = new Date(Date.now() - 1000).toISOString();
    await deps.db
      .insertInto("jobs")
      .values({
        id: "orphan-1",
        name: "notify.deliver",
        payload: JSON.stringify(payload("orphan")),
        status: "running",
        attempts: 1,
        max_attempts: 3,
        run_at: past,
        locked_until: past,
        locked_by: "a-worker-that-was-killed",
        last_error: null,
        created_at: past,
        updated_at: past,
      })
      .execute();
    const runs: number[] = [];
    start(
      deps,
      handlersWith(async (_payload, ctx) => void runs.push(ctx.attempt)),
    );

    await waitUntil(async () => (await readJobs(deps, "orphan-1"))[0]?.status === "succeeded");
    await settle(100);
    expect(runs).toEqual([2]);
  });

  it("enqueues inside a transaction: a rollback leaves no job", async () => {
    const deps = await instance();
    await expect(
      deps.db.transaction().execute(async (trx) => {
        await deps.jobs.enqueue("notify.deliver", payload("tx"), { jobId: "tx-1", db: trx });
        throw new Error("the write this job belongs to failed");
      }),
    ).rejects.toThrow("the write this job belongs to failed");
    expect(await readJobs(deps, "tx-")).toEqual([]);
  });

  it("prunes succeeded jobs after a week and failed ones after 30 days when a worker starts", async () => {
    const deps = await instance();
    const daysAgo = (days: number) => new Date(Date.now() - days * 24 * 3600 * 1000).toISOString();
    const row = (id: string, status: "succeeded" | "failed", updatedAt: string) => ({
      id,
      name: "notify.deliver",
      payload: JSON.stringify(payload(id)),
      status,
      attempts: 1,
      max_attempts: 3,
      run_at: updatedAt,
      locked_until: null,
      locked_by: null,
      last_error: status === "failed" ? "gave up" : null,
      created_at: updatedAt,
      updated_at: updatedAt,
    });
    await deps.db
      .insertInto("jobs")
      .values([
        row("prune-succeeded-old", "succeeded", daysAgo(8)),
        row("prune-succeeded-recent", "succeeded", daysAgo(6)),
        row("prune-failed-old", "failed", daysAgo(31)),
        row("prune-failed-recent", "failed", daysAgo(8)),
      ])
      .execute();
    // The first prune runs as the worker starts; stopping waits for it.
    await start(
      deps,
      handlersWith(async () => undefined),
    ).stop({ graceMs: 0 });
    expect((await readJobs(deps, "prune-")).map((job) => job.id)).toEqual([
      "prune-failed-recent",
      "prune-succeeded-recent",
    ]);
  });
});
