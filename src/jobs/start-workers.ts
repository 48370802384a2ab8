import type { Config } from "../config.js";
import type { Deps } from "../deps.js";
import { countJobRuns } from "../metrics/count-job-runs.js";
import { describeError, type JobLogger } from "./queue.js";
import { createJobHandlers } from "./workers/create-job-handlers.js";

export interface StartWorkersOptions {
  config: Config;
  deps: Deps;
  log: JobLogger;
}

export interface RunningWorkers {
  /** Stops scheduling and claiming, then lets running jobs finish (see JobWorker.stop). */
  stop(options?: { graceMs?: number }): Promise<void>;
}

// The retention schedule is checked at least this often, so a new period starts on time.
const SCHEDULE_CHECK_MS = 60_000;

/**
 * Runs the job workers of this process: consumes `deps.jobs` with every handler, and schedules
 * `retention.purge` once per RETENTION_INTERVAL_SECONDS. The schedule needs no leader: each
 * process enqueues the current period's job under the same job id, so it runs once whichever
 * process (or how many) asked.
 */
export function startWorkers({ config, deps, log }: StartWorkersOptions): RunningWorkers {
  const handlers = countJobRuns(createJobHandlers(deps, config), deps.metrics.jobs);
  const worker = deps.jobs.startWorker({ handlers, log });
  const intervalMs = config.retentionIntervalSeconds * 1000;
  const schedule = () => {
    const periodStart = Math.floor(deps.clock.now() / intervalMs) * intervalMs;
    deps.jobs
      .enqueue("retention.purge", {}, { jobId: `retention:${new Date(periodStart).toISOString()}` })
      .catch((error: unknown) =>
        log.warn({ error: describeError(error) }, "could not schedule the retention purge"),
      );
  };
  schedule();
  const timer = setInterval(schedule, Math.min(intervalMs, SCHEDULE_CHECK_MS));
  timer.unref();
  log.info({ queue: deps.jobs.kind, concurrency: config.jobs.concurrency }, "job workers started");

  return {
    async stop(options) {
      clearInterval(timer);
      await worker.stop(options);
      log.info("job workers stopped");
    },
  };
}
