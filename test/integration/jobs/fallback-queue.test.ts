import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../../src/clock.js";
import { loadConfig, type Config } from "../../../src/config.js";
import { createDeps, type Deps } from "../../../src/deps.js";
import { encodeJobId } from "../../../src/jobs/bullmq-queue.js";
import { createJobQueue } from "../../../src/jobs/create-job-queue.js";
import type { JobPayload } from "../../../src/jobs/job-types.js";
import type { JobHandlers, JobQueue, JobWorker } from "../../../src/jobs/queue.js";
import {
  createSqliteTestDatabase,
  isRedisAvailable,
  REDIS_URL,
  uniqueRedisPrefix,
  type TestDatabase,
} from "../../helpers/test-database.js";
import { readJobs, silentLog } from "./queue-fixtures.js";
import { settle, waitUntil } from "./receiver.js";

/*
 * The fallback queue (REDIS_URL set): BullMQ first, the database `jobs` table when Redis cannot
 * take a job or the job is queued inside a transaction; workers consume both, and each part
 * reports its own depth. On SQLite and the real Redis, under a key prefix of this file's own.
 */

// Under CI=true a missing Redis throws here (the file fails); elsewhere it is skipped loudly.
const redisUp = await isRedisAvailable();

const payload = (deliveryId: string): JobPayload<"notify.deliver"> => ({
  tenantId: "tenant-fallback",
  deliveryId,
});

/** Records the job ids its notify.deliver handler ran, in order. */
function recordingHandlers(runs: string[]): JobHandlers {
  const unexpected = () => Promise.reject(new Error("not part of this test"));
  return {
    "notify.call-ended": unexpected,
    "notify.lead-created": unexpected,
    "notify.deliver": async (_payload, ctx) => {
      runs.push(ctx.jobId);
    },
    "retention.purge": unexpected,
  };
}

function partsOf(queue: JobQueue): { bullmq: JobQueue; database: JobQueue } {
  const [bullmq, database] = queue.parts ?? [];
  expect(bullmq?.kind).toBe("bullmq");
  expect(database?.kind).toBe("database");
  return { bullmq: bullmq as JobQueue, database: database as JobQueue };
}

/** A local port nothing listens on (port 1 needs root to bind, so nobody does). */
const CLOSED_REDIS_URL = "redis://127.0.0.1:1";

describe.runIf(redisUp)("fallback job queue (BullMQ with the database queue)", () => {
  let database: TestDatabase;
  let deps: Deps;
  let config: Config;
  let queue: JobQueue;
  let redis: Redis;
  // What the queue is told about the Redis connection (deps derive it from its status).
  let reachable = true;
  const prefix = uniqueRedisPrefix();
  const workers: JobWorker[] = [];
  const closing: (() => Promise<void>)[] = [];

  const inRedis = async (jobId: string) =>
    (await redis.exists(`${prefix}bull:frontdesk-jobs:${encodeJobId(jobId)}`)) === 1;
  const inDatabase = async (jobId: string) => (await readJobs(deps, jobId)).length === 1;

  beforeAll(async () => {
    database = createSqliteTestDatabase();
    const env = {
      NODE_ENV: "test",
      DATABASE_URL: database.url,
      JOB_POLL_INTERVAL_MS: "20",
      JOB_BACKOFF_BASE_MS: "20",
    };
    // deps only for the migrated database; the queue under test gets its reachability from us.
    deps = await createDeps(loadConfig(env));
    config = loadConfig({ ...env, REDIS_URL, REDIS_KEY_PREFIX: prefix });
    queue = createJobQueue({
      config,
      db: deps.db,
      dialect: deps.dialect,
      clock: systemClock,
      isRedisReachable: () => reachable,
    });
    redis = new Redis(REDIS_URL);
    // Connected and warm before any test, so a first enqueue is not slowed past the 500 ms.
    await partsOf(queue).bullmq.depth();
  });
  afterEach(async () => {
    reachable = true;
    for (const worker of workers.splice(0)) await worker.stop({ graceMs: 0 });
  });
  afterAll(async () => {
    for (const close of closing) await close();
    await queue.close();
    await deps.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await database.drop();
  });

  function startWorker(target: JobQueue, runs: string[]): void {
    workers.push(target.startWorker({ handlers: recordingHandlers(runs), log: silentLog }));
  }

  it("puts a job on BullMQ while Redis is reachable", async () => {
    await queue.enqueue("notify.deliver", payload("d1"), { jobId: "to-redis:1" });
    expect(await inRedis("to-redis:1")).toBe(true);
    expect(await inDatabase("to-redis:1")).toBe(false);
  });

  it("puts a job in the database while Redis is known to be unreachable", async () => {
    reachable = false;
    const started = performance.now();
    await queue.enqueue("notify.deliver", payload("d2"), { jobId: "to-db:1" });
    // No wait on BullMQ at all.
    expect(performance.now() - started).toBeLessThan(200);
    expect(await inDatabase("to-db:1")).toBe(true);
    expect(await inRedis("to-db:1")).toBe(false);
  });

  it("puts a job queued inside a transaction in the database, committed with it", async () => {
    await deps.db.transaction().execute(async (trx) => {
      await queue.enqueue("notify.deliver", payload("d3"), { jobId: "in-tx:1", db: trx });
    });
    expect(await inDatabase("in-tx:1")).toBe(true);
    expect(await inRedis("in-tx:1")).toBe(false);

    // Rolled back, the job is gone with the data it was about: on neither queue.
    await expect(
      deps.db.transaction().execute(async (trx) => {
        await queue.enqueue("notify.deliver", payload("d4"), { jobId: "in-tx:2", db: trx });
        throw new Error("the lead could not be saved");
      }),
    ).rejects.toThrow("the lead could not be saved");
    expect(await inDatabase("in-tx:2")).toBe(false);
    expect(await inRedis("in-tx:2")).toBe(false);
  });

  it("runs jobs from both parts with the workers started on it", async () => {
    await queue.enqueue("notify.deliver", payload("d5"), { jobId: "both-parts:redis" });
    reachable = false;
    await queue.enqueue("notify.deliver", payload("d6"), { jobId: "both-parts:db" });
    expect(await inRedis("both-parts:redis")).toBe(true);
    expect(await inDatabase("both-parts:db")).toBe(true);

    const runs: string[] = [];
    startWorker(queue, runs);
    const ours = () => runs.filter((id) => id.startsWith("both-parts:")).toSorted();
    await waitUntil(() => ours().length === 2, 10_000, "both jobs to run");
    expect(ours()).toEqual(["both-parts:db", "both-parts:redis"]);
    expect((await readJobs(deps, "both-parts:db"))[0]?.status).toBe("succeeded");
  });

  it("runs a job id that reached both parts once: the database copy wins", async () => {
    // Outside a transaction to BullMQ, then the same id inside one (or after a Redis add that
    // timed out but landed later): one job on each queue.
    await queue.enqueue("notify.deliver", payload("d7"), { jobId: "twice:1" });
    await deps.db.transaction().execute(async (trx) => {
      await queue.enqueue("notify.deliver", payload("d7"), { jobId: "twice:1", db: trx });
    });
    expect(await inRedis("twice:1")).toBe(true);
    expect(await inDatabase("twice:1")).toBe(true);

    const runs: string[] = [];
    startWorker(queue, runs);
    const { bullmq } = partsOf(queue);
    await waitUntil(
      async () => {
        const [row] = await readJobs(deps, "twice:1");
        const depth = await bullmq.depth();
        return row?.status === "succeeded" && depth.waiting + depth.active === 0;
      },
      10_000,
      "both copies to be handled",
    );
    await settle(200);
    expect(runs.filter((id) => id === "twice:1")).toEqual(["twice:1"]);
  });

  it("adds nothing when a job id is enqueued again on the same part", async () => {
    await queue.enqueue("notify.deliver", payload("d8"), { jobId: "again:1" });
    await queue.enqueue("notify.deliver", payload("d8"), { jobId: "again:1" });
    reachable = false;
    await queue.enqueue("notify.deliver", payload("d9"), { jobId: "again:2" });
    await queue.enqueue("notify.deliver", payload("d9"), { jobId: "again:2" });

    const runs: string[] = [];
    startWorker(queue, runs);
    const ours = () => runs.filter((id) => id.startsWith("again:")).toSorted();
    await waitUntil(() => ours().length >= 2, 10_000, "both jobs to run");
    await settle(200);
    expect(ours()).toEqual(["again:1", "again:2"]);
  });

  it("reports each part's depth on its own, and their sum", async () => {
    const { bullmq, database: db } = partsOf(queue);
    const before = { bullmq: await bullmq.depth(), database: await db.depth() };

    // Nothing consumes here (no worker): one due and one delayed on BullMQ, one delayed in the database.
    await queue.enqueue("notify.deliver", payload("d10"), { jobId: "depth:redis:due" });
    await queue.enqueue("notify.deliver", payload("d11"), {
      jobId: "depth:redis:later",
      delayMs: 3_600_000,
    });
    reachable = false;
    await queue.enqueue("notify.deliver", payload("d12"), {
      jobId: "depth:db:later",
      delayMs: 3_600_000,
    });

    const after = { bullmq: await bullmq.depth(), database: await db.depth() };
    expect(after.bullmq.waiting - before.bullmq.waiting).toBe(1);
    expect(after.bullmq.delayed - before.bullmq.delayed).toBe(1);
    expect(after.database.waiting - before.database.waiting).toBe(0);
    expect(after.database.delayed - before.database.delayed).toBe(1);
    expect(await queue.depth()).toEqual({
      waiting: after.bullmq.waiting + after.database.waiting,
      active: after.bullmq.active + after.database.active,
      delayed: after.bullmq.delayed + after.database.delayed,
      failed: after.bullmq.failed + after.database.failed,
    });
  });

  describe("with Redis unreachable (a closed port)", () => {
    it("falls back to the database within about 500 ms, then skips Redis at once", async () => {
      const unreachable = createJobQueue({
        config: loadConfig({
          NODE_ENV: "test",
          DATABASE_URL: database.url,
          REDIS_URL: CLOSED_REDIS_URL,
        }),
        db: deps.db,
        dialect: deps.dialect,
        clock: systemClock,
        // As a black-holed connection that still looks ready: the enqueue has to try Redis.
        isRedisReachable: () => true,
      });
      closing.push(() => unreachable.close());

      let started = performance.now();
      await unreachable.enqueue("notify.deliver", payload("d13"), { jobId: "down:1" });
      const firstMs = performance.now() - started;
      expect(firstMs).toBeLessThan(900);
      expect(await inDatabase("down:1")).toBe(true);

      // Within the pause after a failure, Redis is not tried again.
      started = performance.now();
      await unreachable.enqueue("notify.deliver", payload("d14"), { jobId: "down:2" });
      expect(performance.now() - started).toBeLessThan(200);
      expect(await inDatabase("down:2")).toBe(true);

      // The database part still answers for its depth; the BullMQ part throws.
      const { bullmq, database: db } = partsOf(unreachable);
      await expect(bullmq.depth()).rejects.toThrow();
      expect((await db.depth()).waiting).toBeGreaterThanOrEqual(2);
    });

    it("publishes the database part's depth series and leaves out only the BullMQ one", async () => {
      const down = await createDeps(
        loadConfig({ NODE_ENV: "test", DATABASE_URL: database.url, REDIS_URL: CLOSED_REDIS_URL }),
      );
      closing.push(() => down.close());
      const probeErrors: string[] = [];
      down.metrics.onCollectError(({ metric, source }) => probeErrors.push(`${metric}/${source}`));

      // deps never sees the connection ready: straight to the database, no wait.
      await down.jobs.enqueue("notify.deliver", payload("d15"), { jobId: "down-deps:1" });
      expect(await inDatabase("down-deps:1")).toBe(true);

      const { body } = await down.metrics.render();
      const waiting = /^frontdesk_job_queue_depth\{queue="database",state="waiting"\} (\d+)$/m.exec(
        body,
      );
      expect(Number(waiting?.[1])).toBeGreaterThanOrEqual(1);
      for (const state of ["active", "delayed", "failed"]) {
        expect(body).toContain(`frontdesk_job_queue_depth{queue="database",state="${state}"}`);
      }
      expect(body).not.toContain('frontdesk_job_queue_depth{queue="bullmq"');
      expect(probeErrors).toEqual(["job-queue-depth/bullmq"]);
    });
  });
});
