import type { Clock } from "../clock.js";
import type { Config } from "../config.js";
import type { DatabaseDialect } from "../db/kysely.js";
import type { Database } from "../db/schema.js";
import type { Kysely } from "kysely";
import { createBullmqQueue } from "./bullmq-queue.js";
import { createDatabaseQueue } from "./database-queue.js";
import { createFallbackQueue } from "./fallback-queue.js";
import type { JobQueue, RetryPolicy } from "./queue.js";

export interface CreateJobQueueOptions {
  config: Config;
  db: Kysely<Database>;
  dialect: DatabaseDialect;
  clock: Clock;
  /**
   * With REDIS_URL: whether Redis is reachable right now (deps' connection is ready). While it
   * is not, jobs go straight to the database queue instead of waiting on BullMQ. Default: always.
   */
  isRedisReachable?: () => boolean;
}

/**
 * BullMQ when REDIS_URL is set, with the `jobs` table as its fallback (see fallback-queue.ts: a
 * Redis outage must not lose acknowledged work); else the `jobs` table alone. Nothing is
 * consumed until a worker starts.
 */
export function createJobQueue({
  config,
  db,
  dialect,
  clock,
  isRedisReachable = () => true,
}: CreateJobQueueOptions): JobQueue {
  const retry: RetryPolicy = {
    maxAttempts: config.jobs.maxAttempts,
    baseDelayMs: config.jobs.backoffBaseMs,
    maxDelayMs: config.jobs.backoffMaxMs,
  };
  const database = createDatabaseQueue({
    db,
    dialect,
    clock,
    retry,
    leaseMs: config.jobs.leaseMs,
    pollIntervalMs: config.jobs.pollIntervalMs,
    concurrency: config.jobs.concurrency,
  });
  if (config.redisUrl === undefined) return database;
  const bullmq = createBullmqQueue({
    redisUrl: config.redisUrl,
    // Under REDIS_KEY_PREFIX like every other key: "frontdesk:bull:frontdesk-jobs:…".
    prefix: `${config.redisKeyPrefix}bull`,
    retry,
    leaseMs: config.jobs.leaseMs,
    concurrency: config.jobs.concurrency,
  });
  return createFallbackQueue({
    primary: bullmq,
    fallback: database,
    isPrimaryReachable: isRedisReachable,
    isInFallback: async (jobId) =>
      (await db.selectFrom("jobs").select("id").where("id", "=", jobId).executeTakeFirst()) !==
      undefined,
  });
}
