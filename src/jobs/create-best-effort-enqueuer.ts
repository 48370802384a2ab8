import { describeError, type JobEnqueuer, type JobLogger } from "./queue.js";

/**
 * An enqueuer for work that must not cost the caller its own result: a failure is logged at
 * error and swallowed. Tools use it, so that a lead is still saved while Redis is down (its
 * notification is then lost, and the log says so). Inside a PostgreSQL transaction a failed
 * insert still aborts the transaction, as it should: the database itself is failing then.
 */
export function createBestEffortEnqueuer(
  jobs: JobEnqueuer,
  log: Pick<JobLogger, "error">,
): JobEnqueuer {
  return {
    async enqueue(name, payload, options) {
      try {
        await jobs.enqueue(name, payload, options);
      } catch (error) {
        log.error(
          { jobName: name, jobId: options.jobId, error: describeError(error) },
          "could not queue a job",
        );
      }
    },
  };
}
