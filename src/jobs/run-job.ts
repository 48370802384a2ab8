import { isJobName, JOB_PAYLOAD_SCHEMAS } from "./job-types.js";
import { PermanentJobError, type JobContext, type JobHandlers, type JobLogger } from "./queue.js";

/** One attempt of a stored job, as a queue implementation hands it over. */
export interface JobRun {
  jobId: string;
  name: string;
  payload: unknown;
  attempt: number;
  maxAttempts: number;
  nextRetryDelayMs: number | undefined;
  signal: AbortSignal;
  log: JobLogger;
}

/**
 * Validates a stored job against its schema and runs its handler. Shared by both queues so that
 * a job behaves the same on either.
 * @throws PermanentJobError for an unknown name or an invalid payload (retrying cannot help),
 *   and whatever the handler throws.
 */
export async function runJob(handlers: JobHandlers, run: JobRun): Promise<void> {
  if (!isJobName(run.name)) throw new PermanentJobError(`no handler for job "${run.name}"`);
  const parsed = JOB_PAYLOAD_SCHEMAS[run.name].safeParse(run.payload);
  if (!parsed.success) {
    throw new PermanentJobError(`invalid payload for ${run.name}: ${parsed.error.message}`);
  }
  const ctx: JobContext = {
    jobId: run.jobId,
    name: run.name,
    attempt: run.attempt,
    maxAttempts: run.maxAttempts,
    isFinalAttempt: run.attempt >= run.maxAttempts,
    nextRetryDelayMs: run.attempt >= run.maxAttempts ? undefined : run.nextRetryDelayMs,
    signal: run.signal,
    log: run.log,
  };
  // The schema and the handler come from tables keyed by the same name, so the parsed payload is
  // the one this handler takes; TypeScript cannot correlate the two lookups.
  const handler = handlers[run.name] as (payload: unknown, ctx: JobContext) => Promise<void>;
  await handler(parsed.data, ctx);
}
