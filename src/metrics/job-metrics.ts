import { Counter, Gauge, type Registry } from "prom-client";
import type { JobQueueDepth } from "../jobs/queue.js";
import { withTimeout } from "../with-timeout.js";
import { nameLabel } from "./labels.js";

/** Job states with a depth series (BullMQ's names; see JobQueueDepth for what each means). */
export type JobState = keyof JobQueueDepth;
export type QueueDepth = Partial<JobQueueDepth>;
/** Reads one queue's current depth; called at every scrape, so keep it cheap. */
export type QueueDepthProbe = () => QueueDepth | Promise<QueueDepth>;

/** How one run of a job ended: done, failed but will be retried, or failed for good. */
export type JobRunOutcome = "completed" | "retrying" | "failed";
export type DeliveryOutcome = "delivered" | "retrying" | "failed";

/** What the job queue and its workers report. */
export interface JobMetrics {
  /**
   * Publishes a queue's depth as `frontdesk_job_queue_depth{queue,state}`, read from `probe` at
   * every scrape. Returns a function that stops publishing it (call it when the queue closes).
   */
  watchQueueDepth(queue: string, probe: QueueDepthProbe): () => void;
  /** Counts one finished run of a job (by job name) in `frontdesk_job_runs_total{job,outcome}`. */
  recordJobRun(job: string, outcome: JobRunOutcome): void;
}

/** What notification senders report. */
export interface DeliveryMetrics {
  /**
   * Counts one attempt to deliver a notification (`channel`: "sms", "email", "webhook", …) in
   * `frontdesk_delivery_attempts_total{channel,outcome}`.
   */
  recordDeliveryAttempt(channel: string, outcome: DeliveryOutcome): void;
}

const JOB_STATES: readonly JobState[] = ["waiting", "active", "delayed", "failed"];
// A probe that hangs (a store that accepts connections but does not answer) must not hold up
// the whole scrape, which Prometheus abandons after 10 s by default.
const PROBE_TIMEOUT_MS = 3000;

export interface JobMetricsOptions {
  /** Called when a depth probe fails or times out; that queue's series is left out of the scrape. */
  onProbeError?: (queue: string, error: unknown) => void;
}

export function createJobMetrics(registry: Registry, options: JobMetricsOptions = {}): JobMetrics {
  const probes = new Map<string, QueueDepthProbe>();
  const runs = new Counter({
    name: "frontdesk_job_runs_total",
    help: "Finished job runs by job name and outcome (completed, retrying, failed for good).",
    labelNames: ["job", "outcome"] as const,
    registers: [registry],
  });
  new Gauge({
    name: "frontdesk_job_queue_depth",
    help: "Jobs in each queue by state, read at scrape time.",
    labelNames: ["queue", "state"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      await Promise.all(
        [...probes].map(async ([queue, probe]) => {
          let depth: QueueDepth;
          try {
            depth = await withTimeout(Promise.resolve(probe()), PROBE_TIMEOUT_MS);
          } catch (error) {
            // An unreachable queue has no depth to report: its series is absent this scrape (the
            // rest of the page is served), the error is reported, and /readyz names the broken
            // dependency.
            options.onProbeError?.(queue, error);
            return;
          }
          for (const state of JOB_STATES) {
            const value = depth[state];
            if (value !== undefined) this.set({ queue, state }, value);
          }
        }),
      );
    },
  });

  return {
    watchQueueDepth(queue, probe) {
      const label = nameLabel(queue);
      probes.set(label, probe);
      return () => {
        if (probes.get(label) === probe) probes.delete(label);
      };
    },
    recordJobRun(job, outcome) {
      runs.inc({ job: nameLabel(job), outcome });
    },
  };
}

export function createDeliveryMetrics(registry: Registry): DeliveryMetrics {
  const attempts = new Counter({
    name: "frontdesk_delivery_attempts_total",
    help: "Notification delivery attempts by channel and outcome (delivered, retrying, failed).",
    labelNames: ["channel", "outcome"] as const,
    registers: [registry],
  });
  return {
    recordDeliveryAttempt(channel, outcome) {
      attempts.inc({ channel: nameLabel(channel), outcome });
    },
  };
}
