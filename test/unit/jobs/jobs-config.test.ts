import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../../src/config.js";

describe("job configuration", () => {
  it("runs workers in the web process by default, with 8 attempts from 2 s", () => {
    const config = loadConfig({});
    expect(config.runWorkers).toBe(true);
    expect(config.jobs).toEqual({
      maxAttempts: 8,
      backoffBaseMs: 2000,
      backoffMaxMs: 600_000,
      leaseMs: 30_000,
      pollIntervalMs: 1000,
      concurrency: 4,
    });
    expect(config.notifyTimeoutMs).toBe(10_000);
    expect(config.retentionIntervalSeconds).toBe(3600);
  });

  it("reads every job variable", () => {
    const config = loadConfig({
      RUN_WORKERS: "false",
      JOB_MAX_ATTEMPTS: "3",
      JOB_BACKOFF_BASE_MS: "100",
      JOB_BACKOFF_MAX_MS: "1000",
      JOB_LEASE_MS: "5000",
      JOB_POLL_INTERVAL_MS: "250",
      JOB_CONCURRENCY: "2",
      NOTIFY_TIMEOUT_MS: "3000",
      RETENTION_INTERVAL_SECONDS: "60",
    });
    expect(config).toMatchObject({
      runWorkers: false,
      jobs: {
        maxAttempts: 3,
        backoffBaseMs: 100,
        backoffMaxMs: 1000,
        leaseMs: 5000,
        pollIntervalMs: 250,
        concurrency: 2,
      },
      notifyTimeoutMs: 3000,
      retentionIntervalSeconds: 60,
    });
    expect(loadConfig({ RUN_WORKERS: "" }).runWorkers).toBe(true);
  });

  it("lists every out-of-range job variable at once", () => {
    let problems: readonly string[] = [];
    try {
      loadConfig({ RUN_WORKERS: "sometimes", JOB_MAX_ATTEMPTS: "0", JOB_LEASE_MS: "10" });
    } catch (error) {
      if (error instanceof ConfigError) problems = error.problems;
    }
    expect(problems.map((problem) => problem.split(":")[0]).toSorted()).toEqual([
      "JOB_LEASE_MS",
      "JOB_MAX_ATTEMPTS",
      "RUN_WORKERS",
    ]);
  });
});
