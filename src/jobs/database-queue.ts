import { randomUUID } from "node:crypto";
import type { ExpressionBuilder, Kysely, Updateable } from "kysely";
import type { Clock } from "../clock.js";
import type { DatabaseDialect } from "../db/kysely.js";
import type { Database, JobRow, JobsTable } from "../db/schema.js";
import {
  backoffDelayMs,
  DEFAULT_STOP_GRACE_MS,
  describeError,
  PermanentJobError,
  type JobQueue,
  type JobWorker,
  type RetryPolicy,
  type StartWorkerOptions,
} from "./queue.js";
import { runJob } from "./run-job.js";

export interface DatabaseQueueOptions {
  db: Kysely<Database>;
  dialect: DatabaseDialect;
  clock: Clock;
  retry: RetryPolicy;
  /** A claim lasts this long unless renewed; renewed every third of it while the job runs. */
  leaseMs: number;
  /** How often an idle worker looks for due jobs (an enqueue in this process wakes it at once). */
  pollIntervalMs: number;
  /** Jobs one worker runs at the same time. */
  concurrency: number;
}

// Finished jobs are kept this long so that a late duplicate (a webhook retried days later) is
// still recognised by its job id; handlers are idempotent beyond that.
const SUCCEEDED_JOB_KEEP_MS = 7 * 24 * 3600 * 1000;
// Jobs that gave up are kept longer, for inspection (and they count as "failed" in the queue
// depth until then), as BullMQ's failed set is (see bullmq-queue.ts).
const FAILED_JOB_KEEP_MS = 30 * 24 * 3600 * 1000;
const PRUNE_INTERVAL_MS = 3600 * 1000;
// While the database is down every poll fails the same way: log it at most this often.
const POLL_ERROR_LOG_INTERVAL_MS = 10_000;

type JobExpressionBuilder = ExpressionBuilder<Database, "jobs">;

/**
 * A durable queue in the `jobs` table, for deployments without Redis.
 *
 * Claiming is one `UPDATE … WHERE id = (SELECT … LIMIT 1) RETURNING *` that moves a due job
 * (queued and past its `run_at`, or running with an expired lease) to running under this worker's
 * token with a fresh lease. On PostgreSQL the inner select takes `FOR UPDATE SKIP LOCKED`, so
 * concurrent workers each get a different job without waiting; on SQLite the statement runs under
 * the database's single write lock, which serialises claims across processes. Every later write
 * to the job (heartbeat, outcome) is guarded by the token, so a worker that lost its lease can
 * never overwrite the worker that took over. A worker killed mid-job leaves the lease to expire;
 * the job is then claimed again (the interrupted attempt counts) and runs to completion.
 */
export function createDatabaseQueue(options: DatabaseQueueOptions): JobQueue {
  const { db, dialect, clock, retry, leaseMs } = options;
  const wakers = new Set<() => void>();
  const iso = (epochMs: number) => new Date(epochMs).toISOString();

  // Due: queued and past run_at, or running under a lease that expired (its worker is gone).
  const isDue = (nowIso: string) => (eb: JobExpressionBuilder) =>
    eb.or([
      eb.and([eb("status", "=", "queued"), eb("run_at", "<=", nowIso)]),
      eb.and([eb("status", "=", "running"), eb("locked_until", "<=", nowIso)]),
    ]);

  return {
    kind: "database",

    async enqueue(name, payload, { jobId, delayMs = 0, db: executor }) {
      const now = clock.now();
      await (executor ?? db)
        .insertInto("jobs")
        .values({
          id: jobId,
          name,
          payload: JSON.stringify(payload),
          status: "queued",
          attempts: 0,
          max_attempts: retry.maxAttempts,
          run_at: iso(now + Math.max(0, delayMs)),
          locked_until: null,
          locked_by: null,
          last_error: null,
          created_at: iso(now),
          updated_at: iso(now),
        })
        .onConflict((oc) => oc.column("id").doNothing())
        .execute();
      // Idle workers in this process look at once instead of at their next poll. Inside an
      // uncommitted transaction they simply find nothing yet and poll again later.
      if (delayMs <= 0) for (const wake of wakers) wake();
    },

    async depth() {
      const nowIso = iso(clock.now());
      // One pass over the unfinished rows (the status index keeps succeeded ones out of it).
      const row = await db
        .selectFrom("jobs")
        .select((eb) => [
          eb.fn.countAll().filterWhere(isDue(nowIso)).as("waiting"),
          eb.fn
            .countAll()
            .filterWhere((f) => f.and([f("status", "=", "queued"), f("run_at", ">", nowIso)]))
            .as("delayed"),
          eb.fn
            .countAll()
            .filterWhere((f) =>
              f.and([f("status", "=", "running"), f("locked_until", ">", nowIso)]),
            )
            .as("active"),
          eb.fn.countAll().filterWhere("status", "=", "failed").as("failed"),
        ])
        .where("status", "in", ["queued", "running", "failed"])
        .executeTakeFirstOrThrow();
      // PostgreSQL returns count(*) as a bigint string, SQLite as a number.
      return {
        waiting: Number(row.waiting),
        delayed: Number(row.delayed),
        active: Number(row.active),
        failed: Number(row.failed),
      };
    },

    startWorker({ handlers, log }: StartWorkerOptions): JobWorker {
      const token = randomUUID();
      // Running jobs: `interrupt` aborts one because this worker is stopping.
      const active = new Map<string, { interrupt: () => void; done: Promise<void> }>();
      let stopping = false;
      let wakeSleeper: (() => void) | undefined;
      // A wake-up that came while the loop was busy (claiming): the next sleep returns at once.
      let wakePending = false;
      let lastPollErrorAt = 0;

      const wake = () => {
        if (wakeSleeper === undefined) wakePending = true;
        else wakeSleeper();
      };
      wakers.add(wake);
      const sleep = (ms: number) =>
        new Promise<void>((resolve) => {
          if (wakePending) {
            wakePending = false;
            resolve();
            return;
          }
          const timer = setTimeout(done, ms);
          function done() {
            clearTimeout(timer);
            wakeSleeper = undefined;
            resolve();
          }
          wakeSleeper = done;
        });

      const claim = async (): Promise<JobRow | undefined> => {
        const now = clock.now();
        const nowIso = iso(now);
        return (
          db
            .updateTable("jobs")
            .set((eb) => ({
              status: "running",
              attempts: eb("attempts", "+", 1),
              locked_until: iso(now + leaseMs),
              locked_by: token,
              updated_at: nowIso,
            }))
            .where("id", "=", (eb) =>
              eb
                .selectFrom("jobs")
                .select("id")
                .where(isDue(nowIso))
                .orderBy("run_at")
                .limit(1)
                .$if(dialect === "postgres", (query) => query.forUpdate().skipLocked()),
            )
            // Re-checked on the row itself: the claim is only taken if it is still due.
            .where(isDue(nowIso))
            .returningAll()
            .executeTakeFirst()
        );
      };

      /** Writes to a job this worker holds; false when the claim was lost to another worker. */
      const updateOwned = async (id: string, values: Updateable<JobsTable>): Promise<boolean> => {
        const result = await db
          .updateTable("jobs")
          .set(values)
          .where("id", "=", id)
          .where("locked_by", "=", token)
          .where("status", "=", "running")
          .executeTakeFirst();
        return Number(result.numUpdatedRows) > 0;
      };

      /** Puts a job back without counting the attempt (this worker is stopping). */
      const release = (job: JobRow) =>
        updateOwned(job.id, {
          status: "queued",
          attempts: job.attempts - 1,
          run_at: iso(clock.now()),
          locked_until: null,
          locked_by: null,
          last_error: "released: the worker stopped before the job finished",
          updated_at: iso(clock.now()),
        });

      const run = (job: JobRow) => {
        const controller = new AbortController();
        let abortReason: "stopping" | "lease-lost" | undefined;
        const jobLog = log.child({ jobId: job.id, jobName: job.name, attempt: job.attempts });
        const heartbeat = setInterval(
          () => {
            updateOwned(job.id, { locked_until: iso(clock.now() + leaseMs) })
              .then((owned) => {
                if (!owned && abortReason === undefined) {
                  abortReason = "lease-lost";
                  controller.abort(new Error("the job's lease was lost to another worker"));
                }
              })
              .catch((error: unknown) =>
                jobLog.warn({ err: error }, "could not renew the job's lease"),
              );
          },
          Math.max(50, Math.floor(leaseMs / 3)),
        );

        const done = (async () => {
          const started = performance.now();
          let failure: unknown;
          let failed = false;
          try {
            let payload: unknown;
            try {
              payload = JSON.parse(job.payload);
            } catch (error) {
              throw new PermanentJobError("the stored payload is not JSON", { cause: error });
            }
            if (job.attempts > job.max_attempts) {
              throw new PermanentJobError(
                "the worker running its final attempt stopped before finishing (lease expired)",
              );
            }
            await runJob(handlers, {
              jobId: job.id,
              name: job.name,
              payload,
              attempt: job.attempts,
              maxAttempts: job.max_attempts,
              nextRetryDelayMs: backoffDelayMs(job.attempts, retry),
              signal: controller.signal,
              log: jobLog,
            });
          } catch (error) {
            failed = true;
            failure = error;
          } finally {
            clearInterval(heartbeat);
          }
          const durationMs = Math.round(performance.now() - started);
          const nowIso = iso(clock.now());
          if (abortReason === "lease-lost") {
            jobLog.warn(
              { durationMs },
              "job lost its lease; the worker that took it over finishes it",
            );
            return;
          }
          if (!failed) {
            await updateOwned(job.id, {
              status: "succeeded",
              locked_until: null,
              locked_by: null,
              last_error: null,
              updated_at: nowIso,
            });
            jobLog.info({ durationMs }, "job succeeded");
            return;
          }
          if (abortReason === "stopping") {
            await release(job);
            jobLog.info({ durationMs }, "job released for another worker: this one is stopping");
            return;
          }
          const permanent = failure instanceof PermanentJobError;
          if (permanent || job.attempts >= job.max_attempts) {
            await updateOwned(job.id, {
              status: "failed",
              locked_until: null,
              locked_by: null,
              last_error: describeError(failure),
              updated_at: nowIso,
            });
            jobLog.error({ err: failure, durationMs }, "job failed for good");
            return;
          }
          const delayMs = backoffDelayMs(job.attempts, retry);
          await updateOwned(job.id, {
            status: "queued",
            run_at: iso(clock.now() + delayMs),
            locked_until: null,
            locked_by: null,
            last_error: describeError(failure),
            updated_at: nowIso,
          });
          jobLog.warn({ err: failure, durationMs, retryInMs: delayMs }, "job failed; will retry");
        })().catch((error: unknown) => {
          // The outcome could not be written: the lease expires and the job runs again.
          jobLog.error({ err: error }, "could not record the job's outcome");
        });

        active.set(job.id, {
          interrupt: () => {
            abortReason ??= "stopping";
            controller.abort(new Error("the worker is stopping"));
          },
          done,
        });
        void done.finally(() => {
          active.delete(job.id);
          wake();
        });
      };

      const loop = (async () => {
        while (!stopping) {
          if (active.size >= options.concurrency) {
            await sleep(options.pollIntervalMs);
            continue;
          }
          let job: JobRow | undefined;
          try {
            job = await claim();
          } catch (error) {
            const now = Date.now();
            if (now - lastPollErrorAt >= POLL_ERROR_LOG_INTERVAL_MS) {
              lastPollErrorAt = now;
              log.error({ err: error }, "could not claim jobs from the database");
            }
            await sleep(options.pollIntervalMs);
            continue;
          }
          if (job === undefined) {
            await sleep(options.pollIntervalMs);
            continue;
          }
          if (stopping) {
            await release(job).catch(() => undefined);
            break;
          }
          run(job);
        }
      })();

      const prune = async () => {
        try {
          const now = clock.now();
          await db
            .deleteFrom("jobs")
            .where((eb) =>
              eb.or([
                eb.and([
                  eb("status", "=", "succeeded"),
                  eb("updated_at", "<", iso(now - SUCCEEDED_JOB_KEEP_MS)),
                ]),
                eb.and([
                  eb("status", "=", "failed"),
                  eb("updated_at", "<", iso(now - FAILED_JOB_KEEP_MS)),
                ]),
              ]),
            )
            .execute();
        } catch (error) {
          log.warn({ err: error }, "could not prune finished jobs");
        }
      };
      let pruning = prune();
      const pruneTimer = setInterval(() => {
        pruning = prune();
      }, PRUNE_INTERVAL_MS);
      pruneTimer.unref();

      return {
        async stop({ graceMs = DEFAULT_STOP_GRACE_MS } = {}) {
          stopping = true;
          clearInterval(pruneTimer);
          wakers.delete(wake);
          wake();
          await loop;
          const running = [...active.values()];
          const timer = setTimeout(() => {
            for (const job of running) job.interrupt();
          }, graceMs);
          await Promise.allSettled([...running.map((job) => job.done), pruning]);
          clearTimeout(timer);
        },
      };
    },

    async close() {
      // The database handle belongs to deps and is closed there.
    },
  };
}
