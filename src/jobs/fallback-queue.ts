import { JOB_NAMES } from "./job-types.js";
import type {
  JobHandler,
  JobHandlers,
  JobQueue,
  JobQueueDepth,
  JobWorker,
  StartWorkerOptions,
} from "./queue.js";

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
  /**
   * Whether the fallback holds a job with this id, in any state (the `jobs` table keeps finished
   * jobs for a week). A primary job whose id the fallback knows is a duplicate of it and is
   * skipped (see createFallbackQueue).
   */
  isInFallback: (jobId: string) => Promise<boolean>;
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
 * A job id can reach both queues: an enqueue that timed out on Redis may still land there later,
 * and the same id may be enqueued once outside a transaction and once inside one. The database
 * queue wins: before running a BullMQ job the worker looks its id up in the database queue and
 * skips the job if it is there (it runs, or ran, from there). So such a job runs once, unless its
 * BullMQ copy started before the database copy was written; then it runs twice, and handlers are
 * idempotent for that (a delivery is made once per subject and not sent again once it
 * succeeded), as they already are for retried webhooks.
 *
 * Each part keeps its own depth (`parts`): with Redis down the database part still reports.
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

    parts: [primary, fallback],

    /** Both parts together; throws when either store does not answer (the gauge reads `parts`). */
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
        primary.startWorker({
          ...workerOptions,
          handlers: skippingJobsIn(options.isInFallback, workerOptions.handlers),
        }),
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

/**
 * The handlers with a guard: a job whose id the database queue holds is a duplicate there and
 * does nothing here. (It still counts as a completed run: the check is one primary-key lookup
 * inside the run, and only a Redis add that timed out, or an id also enqueued in a transaction,
 * makes such a duplicate.)
 */
function skippingJobsIn(
  isInFallback: (jobId: string) => Promise<boolean>,
  handlers: JobHandlers,
): JobHandlers {
  const guard =
    (handler: JobHandler<never>): JobHandler<never> =>
    async (payload, ctx) => {
      if (await isInFallback(ctx.jobId)) {
        ctx.log.info("job skipped: the database queue holds the same job id and runs it");
        return;
      }
      await handler(payload, ctx);
    };
  // Every name gets the same guard, so the table keeps its shape; TypeScript cannot map a
  // correlated union of handler types, hence the cast.
  return Object.fromEntries(
    JOB_NAMES.map((name) => [name, guard(handlers[name] as JobHandler<never>)]),
  ) as unknown as JobHandlers;
}
