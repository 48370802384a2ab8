import { JOB_NAMES, type JobName } from "../jobs/job-types.js";
import { PermanentJobError, type JobHandler, type JobHandlers } from "../jobs/queue.js";
import type { JobMetrics } from "./job-metrics.js";

/**
 * Wraps every job handler so each run is counted as completed, retrying (it threw and the queue
 * will run it again) or failed (final attempt, or a PermanentJobError). A run interrupted by a
 * shutdown is put back without counting the attempt, so it is not counted here either.
 */
export function countJobRuns(handlers: JobHandlers, jobs: JobMetrics): JobHandlers {
  const counted = <TName extends JobName>(name: TName): JobHandler<TName> => {
    const handler: JobHandler<TName> = handlers[name];
    return async (payload, ctx) => {
      try {
        await handler(payload, ctx);
        jobs.recordJobRun(name, "completed");
      } catch (error) {
        if (!ctx.signal.aborted) {
          const givesUp = ctx.isFinalAttempt || error instanceof PermanentJobError;
          jobs.recordJobRun(name, givesUp ? "failed" : "retrying");
        }
        throw error;
      }
    };
  };
  return Object.fromEntries(JOB_NAMES.map((name) => [name, counted(name)])) as JobHandlers;
}
