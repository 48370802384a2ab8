import { randomBytes, randomUUID } from "node:crypto";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer } from "node:net";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PermanentJobError, type JobHandlers, type JobWorker } from "../../src/jobs/queue.js";
import type { Tenant } from "../../src/tenants/tenant-document.js";
import { assistantRequest, toolCalls } from "../fixtures/vapi/builders.js";
import { callTo } from "../fixtures/vapi/conversation.js";
import { createTenant } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/start-server.js";
import {
  availableStores,
  isRedisAvailable,
  REDIS_URL,
  uniqueRedisPrefix,
  type TestStore,
} from "../helpers/test-database.js";
import { silentLog } from "./jobs/queue-fixtures.js";

const METRICS_TOKEN = "metrics-token-0123456789abcdef";

async function scrape(server: TestServer, headers: Record<string, string> = {}): Promise<string> {
  const response = await fetch(`${server.url}/metrics`, { headers });
  expect(response.status).toBe(200);
  return response.text();
}

/** The value of one series in a Prometheus text page (0 when absent). */
function valueOf(page: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of page.split("\n")) {
    if (line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    const present = (match[2] ?? "").split(",");
    if (wanted.every((pair) => present.includes(pair))) return Number(match[3]);
  }
  return 0;
}

/** How many series of one metric the page has. */
function seriesCount(page: string, name: string): number {
  return page
    .split("\n")
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `)).length;
}

describe("GET /metrics", () => {
  let server: TestServer;
  let tenant: Tenant;
  beforeAll(async () => {
    server = await startTestServer();
    tenant = await createTenant(server.deps);
  });
  afterAll(async () => {
    await server.close();
  });

  it("serves the Prometheus text format with process metrics", async () => {
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const page = await response.text();
    expect(page).toContain("# TYPE frontdesk_webhook_requests_total counter");
    expect(page).toContain("# TYPE frontdesk_webhook_duration_seconds histogram");
    expect(valueOf(page, "process_cpu_user_seconds_total")).toBeGreaterThan(0);
    expect(page).toContain("nodejs_heap_size_total_bytes");
  });

  it("counts webhooks by type, outcome and status class, with their latency", async () => {
    const labels = { message_type: "assistant-request", outcome: "assistant", status_class: "2xx" };
    const before = await scrape(server);
    const response = await server.postWebhook(assistantRequest(callTo(tenant)));
    expect(response.status).toBe(200);
    const after = await scrape(server);

    expect(valueOf(after, "frontdesk_webhook_requests_total", labels)).toBe(
      valueOf(before, "frontdesk_webhook_requests_total", labels) + 1,
    );
    const timing = { message_type: "assistant-request", outcome: "assistant" };
    expect(valueOf(after, "frontdesk_webhook_duration_seconds_count", timing)).toBe(
      valueOf(before, "frontdesk_webhook_duration_seconds_count", timing) + 1,
    );
  });

  it("counts rejected webhooks under their status class", async () => {
    const labels = { message_type: "unknown", outcome: "bad-json", status_class: "4xx" };
    const before = valueOf(await scrape(server), "frontdesk_webhook_requests_total", labels);
    expect((await server.postWebhook("{not json")).status).toBe(400);
    expect(valueOf(await scrape(server), "frontdesk_webhook_requests_total", labels)).toBe(
      before + 1,
    );
  });

  it("counts assistant-requests by cache tier and fallback", async () => {
    const fresh = await createTenant(server.deps);
    const series = (tier: string, fallback: string) => ({ cache_tier: tier, fallback });
    const before = await scrape(server);
    await server.postWebhook(assistantRequest(callTo(fresh)));
    await server.postWebhook(assistantRequest(callTo(fresh)));
    await server.postWebhook(assistantRequest({ number: "+61255599999", callId: randomUUID() }));
    const after = await scrape(server);

    const delta = (tier: string, fallback: string) =>
      valueOf(after, "frontdesk_assistant_requests_total", series(tier, fallback)) -
      valueOf(before, "frontdesk_assistant_requests_total", series(tier, fallback));
    expect(delta("database", "none")).toBe(1);
    expect(delta("memory", "none")).toBe(1);
    expect(delta("database", "unknown-number")).toBe(1);
  });

  it("counts tool invocations by tool and outcome, with their latency", async () => {
    const ok = { tool: "check_availability", outcome: "ok" };
    const failed = { tool: "create_lead", outcome: "error" };
    const before = await scrape(server);
    const response = await server.postWebhook(
      toolCalls(callTo(tenant), [
        { name: "check_availability", args: {} },
        { name: "create_lead", args: JSON.stringify({ notes: "no name given" }) },
      ]),
    );
    expect(response.status).toBe(200);
    const after = await scrape(server);

    expect(valueOf(after, "frontdesk_tool_invocations_total", ok)).toBe(
      valueOf(before, "frontdesk_tool_invocations_total", ok) + 1,
    );
    expect(valueOf(after, "frontdesk_tool_invocations_total", failed)).toBe(
      valueOf(before, "frontdesk_tool_invocations_total", failed) + 1,
    );
    expect(valueOf(after, "frontdesk_tool_duration_seconds_count", ok)).toBe(
      valueOf(before, "frontdesk_tool_duration_seconds_count", ok) + 1,
    );
    const toolResults = {
      message_type: "tool-calls",
      outcome: "tool-results",
      status_class: "2xx",
    };
    expect(valueOf(after, "frontdesk_webhook_requests_total", toolResults)).toBe(
      valueOf(before, "frontdesk_webhook_requests_total", toolResults) + 1,
    );
  });

  it("keeps unknown message types in one series, whatever strings arrive", async () => {
    const unknown = { message_type: "unknown", outcome: "ignored-unknown-type" };
    const before = await scrape(server);
    const invented = Array.from({ length: 25 }, () => `invented-${randomUUID()}`);
    for (const type of invented) {
      expect((await server.postWebhook({ message: { type } })).status).toBe(200);
    }
    const after = await scrape(server);

    expect(valueOf(after, "frontdesk_webhook_requests_total", unknown)).toBe(
      valueOf(before, "frontdesk_webhook_requests_total", unknown) + 25,
    );
    expect(after).not.toContain("invented-");
    // At most the one "unknown" series is new.
    expect(seriesCount(after, "frontdesk_webhook_requests_total")).toBeLessThanOrEqual(
      seriesCount(before, "frontdesk_webhook_requests_total") + 1,
    );
  });

  it("keeps tool names the model invents in one series", async () => {
    const unknown = { tool: "unknown", outcome: "error" };
    const before = await scrape(server);
    const invented = Array.from({ length: 25 }, () => ({
      name: `made_up_${randomUUID().slice(0, 8)}`,
      args: {},
    }));
    const response = await server.postWebhook(toolCalls(callTo(tenant), invented));
    expect(response.status).toBe(200);
    const after = await scrape(server);

    expect(valueOf(after, "frontdesk_tool_invocations_total", unknown)).toBe(
      valueOf(before, "frontdesk_tool_invocations_total", unknown) + 25,
    );
    expect(after).not.toContain("made_up_");
    expect(seriesCount(after, "frontdesk_tool_invocations_total")).toBeLessThanOrEqual(
      seriesCount(before, "frontdesk_tool_invocations_total") + 1,
    );
  });

  it("publishes job queue depth, job runs and delivery attempts reported through deps", async () => {
    const stop = server.deps.metrics.jobs.watchQueueDepth("notifications", () => ({
      waiting: 3,
      active: 1,
    }));
    server.deps.metrics.jobs.recordJobRun("notify.deliver", "failed");
    server.deps.metrics.deliveries.recordDeliveryAttempt("webhook", "retrying");
    const page = await scrape(server);
    expect(
      valueOf(page, "frontdesk_job_queue_depth", { queue: "notifications", state: "waiting" }),
    ).toBe(3);
    expect(
      valueOf(page, "frontdesk_job_queue_depth", { queue: "notifications", state: "active" }),
    ).toBe(1);
    expect(
      valueOf(page, "frontdesk_job_runs_total", { job: "notify.deliver", outcome: "failed" }),
    ).toBe(1);
    expect(
      valueOf(page, "frontdesk_delivery_attempts_total", {
        channel: "webhook",
        outcome: "retrying",
      }),
    ).toBe(1);

    stop();
    expect(await scrape(server)).not.toMatch(/frontdesk_job_queue_depth\{queue="notifications"/);
  });

  it("counts job runs by job name once the workers run them", async () => {
    // The workers schedule one retention.purge as they start; it completes within a poll or two.
    const series = { job: "retention.purge", outcome: "completed" };
    const deadline = Date.now() + 10_000;
    let completed = 0;
    while (completed === 0 && Date.now() < deadline) {
      completed = valueOf(await scrape(server), "frontdesk_job_runs_total", series);
      if (completed === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(completed).toBeGreaterThanOrEqual(1);
  });

  it("counts only its own app's traffic: a second server starts from zero", async () => {
    const other = await startTestServer();
    try {
      const page = await scrape(other);
      expect(
        valueOf(page, "frontdesk_webhook_requests_total", { message_type: "assistant-request" }),
      ).toBe(0);
      expect(
        valueOf(await scrape(server), "frontdesk_webhook_requests_total", {
          message_type: "assistant-request",
        }),
      ).toBeGreaterThan(0);
    } finally {
      await other.close();
    }
  });
});

describe("GET /metrics with METRICS_TOKEN", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { METRICS_TOKEN } });
  });
  afterAll(async () => {
    await server.close();
  });

  it("rejects a scrape without a token with 401 in the standard error shape", async () => {
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer realm="frontdesk-metrics"/);
    expect(await response.json()).toEqual({
      error: {
        code: "UNAUTHORIZED",
        message: expect.any(String),
        requestId: response.headers.get("x-request-id"),
      },
    });
  });

  it("rejects a wrong token and a token sent without Bearer", async () => {
    for (const authorization of [`Bearer ${METRICS_TOKEN}x`, METRICS_TOKEN, "Bearer "]) {
      const response = await fetch(`${server.url}/metrics`, { headers: { authorization } });
      expect(response.status).toBe(401);
    }
  });

  it("serves the page for the right bearer token", async () => {
    const page = await scrape(server, { authorization: `Bearer ${METRICS_TOKEN}` });
    expect(page).toContain("frontdesk_webhook_requests_total");
  });

  it("leaves /healthz and /readyz open", async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });
});

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const address = probe.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return address.port;
}

describe("tenant cache metrics with Redis down", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      env: { REDIS_URL: `redis://127.0.0.1:${await closedPort()}` },
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it("leaves only BullMQ's job queue depth out of the scrape, and logs why, while Redis is down", async () => {
    // A job queued meanwhile goes to the database queue, whose depth is still reported.
    await server.deps.jobs.enqueue(
      "notify.deliver",
      { tenantId: `t-${randomUUID()}`, deliveryId: "redis-down" },
      { jobId: `metrics:redis-down:${randomUUID()}`, delayMs: 3_600_000 },
    );
    const page = await scrape(server);
    expect(page).toContain("# TYPE frontdesk_job_queue_depth gauge");
    expect(page).not.toMatch(/frontdesk_job_queue_depth\{queue="bullmq"/);
    expect(
      valueOf(page, "frontdesk_job_queue_depth", { queue: "database", state: "delayed" }),
    ).toBeGreaterThanOrEqual(1);
    for (const state of ["waiting", "active", "failed"]) {
      expect(page).toContain(`frontdesk_job_queue_depth{queue="database",state="${state}"}`);
    }
    expect(page).toContain("frontdesk_webhook_requests_total");
    expect(
      server.logs.some(
        (line) =>
          line.level === 40 && line.metric === "job-queue-depth" && line.source === "bullmq",
      ),
    ).toBe(true);
    expect(
      server.logs.some((line) => line.metric === "job-queue-depth" && line.source === "database"),
    ).toBe(false);
  });

  it("counts shared-cache errors while webhooks keep being answered", async () => {
    const tenant = await createTenant(server.deps);
    const labels = { event: "shared-cache-error", reason: "none" };
    const before = valueOf(await scrape(server), "frontdesk_tenant_cache_events_total", labels);
    expect((await server.postWebhook(assistantRequest(callTo(tenant)))).status).toBe(200);
    const page = await scrape(server);
    expect(valueOf(page, "frontdesk_tenant_cache_events_total", labels)).toBeGreaterThan(before);
    expect(valueOf(page, "frontdesk_tenant_cache_entries")).toBeGreaterThan(0);
  });
});

/** A local webhook receiver answering every request with `status`. */
async function startReceiver(status: number): Promise<{ url: string; server: Server }> {
  const server = createHttpServer((request, response) => {
    request.resume();
    request.on("end", () => response.writeHead(status).end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no address");
  return { url: `http://127.0.0.1:${address.port}/hooks`, server };
}

describe("job and delivery metrics from real notifications", () => {
  let server: TestServer;
  const receivers: Server[] = [];
  beforeAll(async () => {
    server = await startTestServer({
      env: { JOB_MAX_ATTEMPTS: "2", JOB_BACKOFF_BASE_MS: "20", JOB_POLL_INTERVAL_MS: "20" },
    });
  });
  afterAll(async () => {
    await server.close();
    for (const receiver of receivers) {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });

  async function leadFor(status: number): Promise<void> {
    const receiver = await startReceiver(status);
    receivers.push(receiver.server);
    const tenant = await createTenant(server.deps, {
      notify: { webhookUrl: receiver.url, secret: `whsec_${randomBytes(32).toString("base64")}` },
    });
    const response = await server.postWebhook(
      toolCalls(callTo(tenant), [{ name: "create_lead", args: { name: "Alex" } }]),
    );
    expect(response.status).toBe(200);
  }

  async function waitFor(name: string, labels: Record<string, string>): Promise<number> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const value = valueOf(await scrape(server), name, labels);
      if (value > 0 || Date.now() > deadline) return value;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it("counts a delivered webhook and the job run that delivered it", async () => {
    await leadFor(204);
    expect(
      await waitFor("frontdesk_delivery_attempts_total", {
        channel: "webhook",
        outcome: "delivered",
      }),
    ).toBe(1);
    expect(
      await waitFor("frontdesk_job_runs_total", {
        job: "notify.lead-created",
        outcome: "completed",
      }),
    ).toBeGreaterThanOrEqual(1);
  });

  it("counts a failing receiver's attempts as retrying, then failed", async () => {
    await leadFor(503);
    expect(
      await waitFor("frontdesk_delivery_attempts_total", { channel: "webhook", outcome: "failed" }),
    ).toBe(1);
    // The job run is counted when the handler throws, just after the attempt is recorded.
    expect(
      await waitFor("frontdesk_job_runs_total", { job: "notify.lead-created", outcome: "failed" }),
    ).toBe(1);
    const page = await scrape(server);
    expect(
      valueOf(page, "frontdesk_delivery_attempts_total", {
        channel: "webhook",
        outcome: "retrying",
      }),
    ).toBe(1);
    expect(
      valueOf(page, "frontdesk_job_runs_total", {
        job: "notify.lead-created",
        outcome: "retrying",
      }),
    ).toBe(1);
  });
});

interface QueueMode {
  store: TestStore;
  queue: "database" | "bullmq";
}

const queueModes: QueueMode[] = [
  ...(await availableStores()).map((store): QueueMode => ({ store, queue: "database" })),
  // The queue is independent of the SQL store: BullMQ runs once, on SQLite.
  ...((await isRedisAvailable()) ? [{ store: "sqlite", queue: "bullmq" } satisfies QueueMode] : []),
];

describe.each(queueModes)("job queue depth ($queue queue on $store)", (mode) => {
  let server: TestServer;
  const redisPrefix = uniqueRedisPrefix();
  const depthOf = (page: string, state: string) =>
    valueOf(page, "frontdesk_job_queue_depth", { queue: mode.queue, state });

  beforeAll(async () => {
    server = await startTestServer({
      store: mode.store,
      env: {
        // Nothing consumes until the test starts its own worker.
        RUN_WORKERS: "false",
        JOB_CONCURRENCY: "4",
        JOB_POLL_INTERVAL_MS: "20",
        ...(mode.queue === "bullmq" ? { REDIS_URL, REDIS_KEY_PREFIX: redisPrefix } : {}),
      },
    });
  });
  afterAll(async () => {
    await server.close();
    if (mode.queue === "bullmq") {
      const redis = new Redis(REDIS_URL);
      try {
        const keys = await redis.keys(`${redisPrefix}*`);
        if (keys.length > 0) await redis.del(...keys);
      } finally {
        redis.disconnect();
      }
    }
  });

  it("reports waiting, delayed, active and failed jobs at each scrape", async () => {
    const tenantId = `t-${randomUUID()}`;
    const jobs = server.deps.jobs;
    expect(jobs.kind).toBe(mode.queue);
    const empty = await scrape(server);
    for (const state of ["waiting", "active", "delayed", "failed"]) {
      expect(empty).toContain(
        `frontdesk_job_queue_depth{queue="${mode.queue}",state="${state}"} 0`,
      );
    }

    if (mode.queue === "bullmq") {
      // Jobs go to BullMQ once the Redis connection is ready (the database queue stands in before).
      const deadline = Date.now() + 5000;
      while (server.deps.redis?.status !== "ready" && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    // Two due now, three for later; enqueueing a known id again adds nothing.
    await jobs.enqueue("notify.call-ended", { tenantId, callId: "c1" }, { jobId: "depth:due:1" });
    await jobs.enqueue("notify.deliver", { tenantId, deliveryId: "d1" }, { jobId: "depth:due:2" });
    await jobs.enqueue("notify.deliver", { tenantId, deliveryId: "d1" }, { jobId: "depth:due:2" });
    for (const n of [1, 2, 3]) {
      await jobs.enqueue(
        "notify.call-ended",
        { tenantId, callId: `later-${n}` },
        { jobId: `depth:later:${n}`, delayMs: 3_600_000 },
      );
    }
    const inDatabase = await server.deps.db
      .selectFrom("jobs")
      .select("id")
      .where("id", "like", "depth:%")
      .execute();
    expect(inDatabase).toHaveLength(mode.queue === "database" ? 5 : 0);
    const queued = await scrape(server);
    if (mode.queue === "bullmq") {
      // The database queue behind BullMQ (its fallback) reports on its own, here empty.
      for (const state of ["waiting", "active", "delayed", "failed"]) {
        expect(queued).toContain(`frontdesk_job_queue_depth{queue="database",state="${state}"} 0`);
      }
    }
    expect(depthOf(queued, "waiting")).toBe(2);
    expect(depthOf(queued, "delayed")).toBe(3);
    expect(depthOf(queued, "active")).toBe(0);
    expect(depthOf(queued, "failed")).toBe(0);

    // A worker takes both due jobs: one stays running until released, the other gives up at once.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const unexpected = () => Promise.reject(new Error("not part of this test"));
    const handlers: JobHandlers = {
      "notify.call-ended": () => held,
      "notify.deliver": () => Promise.reject(new PermanentJobError("nothing to deliver")),
      "notify.lead-created": unexpected,
      "retention.purge": unexpected,
    };
    const worker: JobWorker = jobs.startWorker({ handlers, log: silentLog });
    try {
      const deadline = Date.now() + 10_000;
      let page = await scrape(server);
      while (
        (depthOf(page, "active") !== 1 || depthOf(page, "failed") !== 1) &&
        Date.now() < deadline
      ) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        page = await scrape(server);
      }
      expect(depthOf(page, "waiting")).toBe(0);
      expect(depthOf(page, "active")).toBe(1);
      expect(depthOf(page, "delayed")).toBe(3);
      expect(depthOf(page, "failed")).toBe(1);
    } finally {
      release();
      await worker.stop({ graceMs: 2000 });
    }
    const settled = await scrape(server);
    expect(depthOf(settled, "active")).toBe(0);
    expect(depthOf(settled, "delayed")).toBe(3);
  });
});
