import type { Kysely } from "kysely";
import type { LogFn } from "pino";
import type { Database } from "../db/schema.js";
import type { JobName, JobPayload } from "./job-types.js";

/** The logger surface jobs use; pino's (and Fastify's) logger satisfies it. */
export interface JobLogger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  child(bindings: Record<string, unknown>): JobLogger;
}

export interface EnqueueOptions {
  /**
   * Dedupe key: enqueueing an id that is already known is a no-op, so a retried webhook or a
   * second worker scheduling the same thing adds nothing. The database queue keeps finished jobs
   * for a week; BullMQ keeps a bounded number (see bullmq-queue.ts), and handlers are idempotent
   * beyond that.
   */
  jobId: string;
  /** Not run before this many ms from now. Default 0. */
  delayMs?: number;
  /**
   * A transaction to enqueue in, so the job exists exactly when the data it is about does
   * (database queue only: BullMQ cannot join a SQL transaction and enqueues at once).
   */
  db?: Kysely<Database>;
}

/** What a handler knows about the run it is in. */
export interface JobContext {
  jobId: string;
  name: JobName;
  /** 1-based. */
  attempt: number;
  maxAttempts: number;
  /** When this attempt fails the job fails for good (a handler records that where it matters). */
  isFinalAttempt: boolean;
  /** Delay before the next attempt if this one throws; undefined on the final attempt. */
  nextRetryDelayMs: number | undefined;
  /** Aborted when the worker shuts down (or loses its claim): stop and throw. */
  signal: AbortSignal;
  log: JobLogger;
}

export type JobHandler<TName extends JobName> = (
  payload: JobPayload<TName>,
  ctx: JobContext,
) => Promise<void>;

export type JobHandlers = { [TName in JobName]: JobHandler<TName> };

export interface StartWorkerOptions {
  handlers: JobHandlers;
  log: JobLogger;
}

export interface JobWorker {
  /**
   * Stops claiming, lets running jobs finish within the grace period, then aborts them and puts
   * them back in the queue without counting the attempt. Resolves when nothing runs any more.
   */
  stop(options?: { graceMs?: number }): Promise<void>;
}

/**
 * Jobs by state. waiting: due now (including a job whose worker died and whose lease ran out);
 * delayed: scheduled for later (a delay or a retry's backoff); active: held by a live worker;
 * failed: gave up for good and still kept for inspection.
 */
export interface JobQueueDepth {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

/** The part of the queue that producers (webhook handlers, tools) use. */
export type JobEnqueuer = Pick<JobQueue, "enqueue">;

/** A durable queue: jobs survive restarts, run once, and retry with backoff until they give up. */
export interface JobQueue {
  readonly kind: "database" | "bullmq";
  /** Adds a job; throws when the store is unreachable (callers decide whether that is fatal). */
  enqueue<TName extends JobName>(
    name: TName,
    payload: JobPayload<TName>,
    options: EnqueueOptions,
  ): Promise<void>;
  /**
   * How many jobs are in each state right now, for the `frontdesk_job_queue_depth` gauge (read at
   * every scrape, so one cheap query). Throws when the store is unreachable.
   */
  depth(): Promise<JobQueueDepth>;
  /**
   * The queues this one combines, when it combines several (the fallback queue: BullMQ, then the
   * database queue), each on its own store. The depth gauge reads each part under its own `kind`,
   * so a store that does not answer drops only its own series. Undefined for a plain queue.
   */
  readonly parts?: readonly JobQueue[];
  /** Starts consuming with these handlers. Nothing is consumed before this is called. */
  startWorker(options: StartWorkerOptions): JobWorker;
  /** Closes the queue's own connections (stop workers first). */
  close(): Promise<void>;
}

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * Delay before the next attempt after attempt `attempt` (1-based) failed: `base * 2^(attempt-1)`,
 * capped at `maxDelayMs`. No jitter: retries of different jobs are already spread by when their
 * events happened, and a deterministic schedule is what the delivery log shows.
 */
export function backoffDelayMs(attempt: number, policy: RetryPolicy): number {
  const exponent = Math.max(0, attempt - 1);
  // 2^31 ms is 24 days: anything past it is capped anyway, and the power stays finite.
  return Math.min(policy.baseDelayMs * 2 ** Math.min(exponent, 31), policy.maxDelayMs);
}

/** Thrown by a handler when retrying cannot help (bad payload, the data is gone): fail at once. */
export class PermanentJobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PermanentJobError";
  }
}

/** Default grace period for running jobs when a worker stops (under the 25 s forced exit in main.ts). */
export const DEFAULT_STOP_GRACE_MS = 15_000;

/** Error text stored in a job row or log: one line, bounded. */
export function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > 1000 ? `${text.slice(0, 999)}…` : text;
}
