import type { JobQueue, JobQueueDepth, JobWorker, StartWorkerOptions } from "./queue.js";

export interface FallbackQueueOptions {
  /** Where jobs normally go (BullMQ). */
  primary: JobQueue;
  /** Where they go when the primary cannot take them (the `jobs` table, in the same database). */
  fallback: JobQueue;
  /**
   * False while the primary's store is known to be unreachable (the Redis connection is not
   * ready): enqueueing then goes to the fallback without waiting on the primary at all.
   */
  isPrimaryReachable: () => boolean;
  /** How long an enqueue waits for the primary before using the fallback. Default 500. */
  primaryTimeoutMs?: number;
  /** After the primary failed or timed out, skip it for this long. Default 5000. */
  primaryPauseMs?: number;
}

// A healthy Redis adds a job in about a millisecond; far slower means it hangs (a black-holed
// connection still looks "ready"), and a webhook or a tool's transaction must not wait on it.
const DEFAULT_PRIMARY_TIMEOUT_MS = 500;
// After a hang, later enqueues skip Redis for a while instead of each waiting out the timeout.
const DEFAULT_PRIMARY_PAUSE_MS = 5000;

/**
 * A queue that never loses an acknowledged job to a Redis outage: BullMQ first, and the
 * database queue whenever BullMQ cannot take the job (Redis down, hanging or erroring). Both are
 * consumed by the started workers, so a job written to the database while Redis is down runs
 * right away, not only once Redis returns.
 *
 * A job enqueued inside a SQL transaction (`db` given) always goes to the database queue: it
 * then exists exactly when the data it is about commits (a transactional outbox), and the
 * transaction never holds its locks (SQLite's single write lock) while waiting on Redis.
 *
 * An enqueue that timed out on Redis may still land there later, so a job can exist on both
 * queues and run twice: handlers are idempotent (a delivery is made once per subject and is not
 * sent again once it succeeded), as they already are for retried webhooks.
 * @throws only when the fallback fails too (the database is down as well).
 */
export function createFallbackQueue(options: FallbackQueueOptions): JobQueue {
  const { primary, fallback } = options;
  const timeoutMs = options.primaryTimeoutMs ?? DEFAULT_PRIMARY_TIMEOUT_MS;
  const pauseMs = options.primaryPauseMs ?? DEFAULT_PRIMARY_PAUSE_MS;
  let primaryPausedUntil = 0;

  async function tryPrimary(work: Promise<void>): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const timedOut = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      const added = await Promise.race([work.then(() => true as const), timedOut]);
      if (!added) primaryPausedUntil = Date.now() + pauseMs;
      return added;
    } catch {
      primaryPausedUntil = Date.now() + pauseMs;
      return false;
    } finally {
      clearTimeout(timer);
      work.catch(() => undefined);
    }
  }

  return {
    kind: primary.kind,

    async enqueue(name, payload, enqueueOptions) {
      const usePrimary =
        enqueueOptions.db === undefined &&
        Date.now() >= primaryPausedUntil &&
        options.isPrimaryReachable();
      if (usePrimary && (await tryPrimary(primary.enqueue(name, payload, enqueueOptions)))) return;
      await fallback.enqueue(name, payload, enqueueOptions);
    },

    async depth(): Promise<JobQueueDepth> {
      const [main, spare] = await Promise.all([primary.depth(), fallback.depth()]);
      return {
        waiting: main.waiting + spare.waiting,
        active: main.active + spare.active,
        delayed: main.delayed + spare.delayed,
        failed: main.failed + spare.failed,
      };
    },

    startWorker(workerOptions: StartWorkerOptions): JobWorker {
      const workers = [
        primary.startWorker(workerOptions),
        fallback.startWorker({
          ...workerOptions,
          log: workerOptions.log.child({ queue: fallback.kind }),
        }),
      ];
      return {
        async stop(stopOptions) {
          await Promise.all(workers.map((worker) => worker.stop(stopOptions)));
        },
      };
    },

    async close() {
      await Promise.all([primary.close(), fallback.close()]);
    },
  };
}
