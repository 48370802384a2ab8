import { describe, expect, it } from "vitest";
import { decodeJobId, encodeJobId } from "../../../src/jobs/bullmq-queue.js";
import { JOB_NAMES, isJobName } from "../../../src/jobs/job-types.js";
import { backoffDelayMs, describeError } from "../../../src/jobs/queue.js";

describe("backoffDelayMs", () => {
  const policy = { maxAttempts: 8, baseDelayMs: 2000, maxDelayMs: 60_000 };

  it("doubles from the base delay after each failed attempt", () => {
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelayMs(attempt, policy))).toEqual([
      2000, 4000, 8000, 16_000, 32_000,
    ]);
  });

  it("never waits longer than the cap, even after very many attempts", () => {
    expect(backoffDelayMs(6, policy)).toBe(60_000);
    expect(backoffDelayMs(1000, policy)).toBe(60_000);
  });

  it("treats an attempt number below 1 as the first", () => {
    expect(backoffDelayMs(0, policy)).toBe(2000);
  });
});

describe("BullMQ job ids", () => {
  it("escapes ':' (reserved by BullMQ) reversibly", () => {
    for (const id of ["call-ended:4f1c-9a", "retention:2026-11-25T10:00:00.000Z", "odd%3A:id%"]) {
      expect(encodeJobId(id)).not.toContain(":");
      expect(decodeJobId(encodeJobId(id))).toBe(id);
    }
  });
});

describe("job names", () => {
  it("knows every job it has a schema for, and nothing else", () => {
    expect(JOB_NAMES.toSorted()).toEqual([
      "notify.call-ended",
      "notify.deliver",
      "notify.lead-created",
      "retention.purge",
    ]);
    expect(isJobName("notify.call-ended")).toBe(true);
    expect(isJobName("toString")).toBe(false);
  });
});

describe("describeError", () => {
  it("keeps the error's name and message on one bounded line", () => {
    expect(describeError(new TypeError("bad"))).toBe("TypeError: bad");
    expect(describeError("plain")).toBe("plain");
    expect(describeError(new Error("x".repeat(5000))).length).toBe(1000);
  });
});
