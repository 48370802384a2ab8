import { createRequire } from "node:module";
import type * as Bullmq from "bullmq";
import type { Job } from "bullmq";
import {
  backoffDelayMs,
  DEFAULT_STOP_GRACE_MS,
  PermanentJobError,
  type JobQueue,
  type JobWorker,
  type RetryPolicy,
  type StartWorkerOptions,
} from "./queue.js";
import { runJob } from "./run-job.js";

export interface BullmqQueueOptions {
  redisUrl: string;
  /** BullMQ's key prefix (its own option; ioredis keyPrefix is not supported by BullMQ). */
  prefix: string;
  retry: RetryPolicy;
  /** BullMQ lock duration: a job whose worker stops renewing it is re-queued as stalled. */
  leaseMs: number;
  concurrency: number;
}

const QUEUE_NAME = "frontdesk-jobs";
// Registered on the worker; the same curve as the database queue (see backoffDelayMs).
const BACKOFF_TYPE = "frontdesk";
// A webhook handler must not hang on Redis: enqueueing gives up after this and reports failure.
const ENQUEUE_TIMEOUT_MS = 2000;
// Completed jobs are kept (for dedupe by job id and inspection) for a week or the last 10 000;
// failed ones for 30 days or the last 10 000, so that Redis memory stays bounded.
const KEEP_COMPLETED = { age: 7 * 24 * 3600, count: 10_000 };
const KEEP_FAILED = { age: 30 * 24 * 3600, count: 10_000 };
// Read at every scrape (a healthy Redis answers in about a millisecond): while Redis is
// unreachable the series is skipped rather than the scrape held up.
const DEPTH_TIMEOUT_MS = 1000;
const ERROR_LOG_INTERVAL_MS = 10_000;
const CLOSE_TIMEOUT_MS = 5000;

/**
 * The job queue on BullMQ, used when REDIS_URL is set. One BullMQ queue holds every job name;
 * our job id is BullMQ's (escaped: BullMQ reserves ':'), so enqueueing twice adds one job.
 * Attempts, exponential backoff and stalled-job recovery (a killed worker's job is picked up
 * again after `leaseMs`) are BullMQ's own.
 */
export function createBullmqQueue(options: BullmqQueueOptions): JobQueue {
  const { DelayedError, Queue, UnrecoverableError, Worker } = loadBullmq();
  const { retry } = options;
  const queue = new Queue(QUEUE_NAME, {
    // While Redis is down an add waits in ioredis's offline queue until the next reconnection
    // attempt fails (maxRetriesPerRequest) and is bounded by ENQUEUE_TIMEOUT_MS for the caller.
    connection: { url: options.redisUrl, maxRetriesPerRequest: 1, connectTimeout: 2000 },
    prefix: options.prefix,
  });
  // Connection errors surface as failed enqueues; unhandled they would crash the process.
  queue.on("error", () => undefined);

  return {
    kind: "bullmq",

    async enqueue(name, payload, { jobId, delayMs = 0 }) {
      await withTimeout(
        queue.add(name, payload, {
          jobId: encodeJobId(jobId),
          delay: Math.max(0, delayMs),
          attempts: retry.maxAttempts,
          backoff: { type: BACKOFF_TYPE },
          removeOnComplete: KEEP_COMPLETED,
          removeOnFail: KEEP_FAILED,
        }),
        ENQUEUE_TIMEOUT_MS,
        "enqueueing on Redis timed out",
      );
    },

    async depth() {
      // Retries wait out their backoff in "delayed"; we never pause the queue or use priorities.
      const counts = await withTimeout(
        queue.getJobCounts("waiting", "active", "delayed", "failed"),
        DEPTH_TIMEOUT_MS,
        "reading the queue depth from Redis timed out",
      );
      return {
        waiting: counts.waiting ?? 0,
        active: counts.active ?? 0,
        delayed: counts.delayed ?? 0,
        failed: counts.failed ?? 0,
      };
    },

    startWorker({ handlers, log }: StartWorkerOptions): JobWorker {
      const stopping = new AbortController();
      let lastErrorAt = 0;
      let running = 0;

      const processor = async (job: Job, token?: string, signal?: AbortSignal) => {
        const attempt = job.attemptsMade + 1;
        const maxAttempts = job.opts.attempts ?? 1;
        const jobId = decodeJobId(job.id ?? "");
        const jobLog = log.child({ jobId, jobName: job.name, attempt });
        const started = performance.now();
        const elapsed = () => Math.round(performance.now() - started);
        running += 1;
        try {
          await runJob(handlers, {
            jobId,
            name: job.name,
            payload: job.data,
            attempt,
            maxAttempts,
            nextRetryDelayMs: backoffDelayMs(attempt, retry),
            signal:
              signal === undefined ? stopping.signal : AbortSignal.any([stopping.signal, signal]),
            log: jobLog,
          });
          jobLog.info({ durationMs: elapsed() }, "job succeeded");
        } catch (error) {
          if (stopping.signal.aborted && token !== undefined) {
            // Interrupted by shutdown: back to the queue now, without counting the attempt.
            await job.moveToDelayed(Date.now(), token);
            jobLog.info(
              { durationMs: elapsed() },
              "job released for another worker: this one is stopping",
            );
            throw new DelayedError();
          }
          const permanent = error instanceof PermanentJobError;
          if (permanent || attempt >= maxAttempts) {
            jobLog.error({ err: error, durationMs: elapsed() }, "job failed for good");
          } else {
            const retryInMs = backoffDelayMs(attempt, retry);
            jobLog.warn({ err: error, durationMs: elapsed(), retryInMs }, "job failed; will retry");
          }
          if (permanent) throw new UnrecoverableError(error.message);
          throw error;
        } finally {
          running -= 1;
        }
      };

      const worker = new Worker(QUEUE_NAME, processor, {
        connection: { url: options.redisUrl, maxRetriesPerRequest: null },
        prefix: options.prefix,
        concurrency: options.concurrency,
        lockDuration: options.leaseMs,
        stalledInterval: options.leaseMs,
        settings: {
          backoffStrategy: (attemptsMade: number) => backoffDelayMs(attemptsMade, retry),
        },
      });
      worker.on("error", (error) => {
        const now = Date.now();
        if (now - lastErrorAt >= ERROR_LOG_INTERVAL_MS) {
          lastErrorAt = now;
          log.error({ err: error }, "BullMQ worker error (Redis unreachable?)");
        }
      });
      worker.on("failed", (job, error) => {
        // Failures inside the processor are logged there; this catches BullMQ's own verdicts.
        if (job !== undefined && /stalled/i.test(error.message)) {
          log.error(
            { err: error, jobId: decodeJobId(job.id ?? ""), jobName: job.name },
            "job failed for good",
          );
        }
      });

      return {
        async stop({ graceMs = DEFAULT_STOP_GRACE_MS } = {}) {
          const timer = setTimeout(
            () => stopping.abort(new Error("the worker is stopping")),
            graceMs,
          );
          try {
            // With jobs running, close() stops fetching and waits for them (past the grace period
            // they are aborted and re-queued). Idle, a forced close returns at once, even while
            // Redis is unreachable, where a graceful one would wait for a connection.
            await withTimeout(
              worker.close(running === 0),
              graceMs + CLOSE_TIMEOUT_MS,
              "worker close timed out",
            );
          } catch {
            await withTimeout(worker.close(true), CLOSE_TIMEOUT_MS, "forced close timed out").catch(
              () => undefined,
            );
          } finally {
            clearTimeout(timer);
          }
        },
      };
    },

    async close() {
      try {
        await withTimeout(queue.close(), CLOSE_TIMEOUT_MS, "queue close timed out");
      } catch {
        await queue.disconnect().catch(() => undefined);
      }
    },
  };
}

/** BullMQ rejects ids containing ':' (and integer ids); ours are `kind:subject`. Reversible. */
export function encodeJobId(jobId: string): string {
  return jobId.replaceAll("%", "%25").replaceAll(":", "%3A");
}

export function decodeJobId(encoded: string): string {
  return encoded.replaceAll("%3A", ":").replaceAll("%25", "%");
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
    // The loser's later rejection is already accounted for by the timeout: never unhandled.
    promise.catch(() => undefined);
  }
}

/**
 * BullMQ (and the Redis client under it) costs a process about 30 MB of memory: loaded only
 * when REDIS_URL is set, not by every process that imports this module.
 */
function loadBullmq(): typeof Bullmq {
  return createRequire(import.meta.url)("bullmq") as typeof Bullmq;
}
