import type { Clock } from "../clock.js";
import type { Config } from "../config.js";
import type { DatabaseDialect } from "../db/kysely.js";
import type { Database } from "../db/schema.js";
import type { Kysely } from "kysely";
import { createBullmqQueue } from "./bullmq-queue.js";
import { createDatabaseQueue } from "./database-queue.js";
import type { JobQueue, RetryPolicy } from "./queue.js";

export interface CreateJobQueueOptions {
  config: Config;
  db: Kysely<Database>;
  dialect: DatabaseDialect;
  clock: Clock;
}

/** BullMQ when REDIS_URL is set, else the `jobs` table. Neither consumes until a worker starts. */
export function createJobQueue({ config, db, dialect, clock }: CreateJobQueueOptions): JobQueue {
  const retry: RetryPolicy = {
    maxAttempts: config.jobs.maxAttempts,
    baseDelayMs: config.jobs.backoffBaseMs,
    maxDelayMs: config.jobs.backoffMaxMs,
  };
  if (config.redisUrl !== undefined) {
    return createBullmqQueue({
      redisUrl: config.redisUrl,
      // Under REDIS_KEY_PREFIX like every other key: "frontdesk:bull:frontdesk-jobs:…".
      prefix: `${config.redisKeyPrefix}bull`,
      retry,
      leaseMs: config.jobs.leaseMs,
      concurrency: config.jobs.concurrency,
    });
  }
  return createDatabaseQueue({
    db,
    dialect,
    clock,
    retry,
    leaseMs: config.jobs.leaseMs,
    pollIntervalMs: config.jobs.pollIntervalMs,
    concurrency: config.jobs.concurrency,
  });
}
