import type { Vapi } from "@vapi-ai/server-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Tenant } from "../../../src/tenants/tenant-document.js";
import { assistantRequest, toolCalls, type ToolCallSpec } from "../../fixtures/vapi/builders.js";
import { endOfCallReport } from "../../fixtures/vapi/end-of-call-report.js";
import { canonicalLine, partiesOf } from "../../helpers/call-rows.js";
import { closeAll } from "../../helpers/close-all.js";
import { createTenant, uniqueNumber } from "../../helpers/factories.js";
import {
  isRedisServerInstalled,
  startPrivateRedis,
  type PrivateRedis,
} from "../../helpers/private-redis.js";
import { startTestServer, type TestServer } from "../../helpers/start-server.js";
import { startTcpProxy, type TcpProxy } from "../../helpers/tcp-proxy.js";
import {
  createPostgresTestDatabase,
  isPostgresAvailable,
  POSTGRES_URL,
  uniqueRedisPrefix,
  type TestDatabase,
} from "../../helpers/test-database.js";
import { newWebhookSecret, readJob } from "../jobs/notify-fixtures.js";
import { settle, startReceiver, waitUntil, type Receiver } from "../jobs/receiver.js";

/*
 * "A store that hangs cannot hang the webhook past its budget." A hung store is not a down one:
 * the connection stays open and looks healthy, requests are sent and nothing ever comes back, so
 * nothing fails fast. A real TCP proxy in front of the store is switched to a black hole.
 *
 * tenant-cache.test.ts already covers assistant-request against a PostgreSQL whose table is
 * locked (last known good, then the fallback); this file covers a hanging Redis (cache tier and
 * job queue), tool calls against a hanging PostgreSQL, and (one short test) assistant-request
 * when the pool's connections themselves hang rather than wait on a lock.
 */

const redisInstalled = isRedisServerInstalled();
const postgresUp = await isPostgresAvailable();

const BUDGET_MS = 500;
const TOOL_BUDGET_MS = 1000;
// Scheduling noise of a shared machine running the client and the server in one process.
const MARGIN_MS = 300;
const TOOL_TIMEOUT_ERROR =
  "That took too long to complete. Please offer to take a message instead.";

/** Posts a body and returns the status, the parsed body and how long the answer took. */
async function timedPost<TBody>(server: TestServer, body: unknown) {
  const started = performance.now();
  const response = await server.postWebhook(body);
  const parsed = (await response.json()) as TBody;
  return { response, status: response.status, body: parsed, ms: performance.now() - started };
}

function askAssistant(server: TestServer, tenantOrNumber: Tenant | string) {
  const parties =
    typeof tenantOrNumber === "string" ? { number: tenantOrNumber } : partiesOf(tenantOrNumber);
  return timedPost<Vapi.ServerMessageResponseAssistantRequest>(server, assistantRequest(parties));
}

function runTools(server: TestServer, tenant: Tenant, calls: ToolCallSpec[]) {
  return timedPost<Vapi.ServerMessageResponseToolCalls>(
    server,
    toolCalls(partiesOf(tenant), calls, tenant.id),
  );
}

async function readyz(server: TestServer) {
  const started = performance.now();
  const response = await fetch(`${server.url}/readyz`);
  const body = (await response.json()) as { dependencies: Record<string, { ok: boolean }> };
  return {
    status: response.status,
    dependencies: Object.fromEntries(
      Object.entries(body.dependencies).map(([name, result]) => [name, result.ok]),
    ),
    ms: performance.now() - started,
  };
}

/**
 * Cleanup for a server whose store is behind `proxy`: the proxy is released first, so that
 * closing the server does not wait on commands it holds; then the server, then the proxy.
 */
function closeServerBehind(proxy: TcpProxy | undefined, server: TestServer | undefined) {
  return [async () => proxy?.resume(), () => server?.close(), () => proxy?.close()];
}

const LEAD: ToolCallSpec = {
  name: "create_lead",
  args: { name: "Daniel Nguyen", suburb: "Marrickville" },
};

describe.runIf(redisInstalled)("a hanging Redis (black-holed connection)", () => {
  let redis: PrivateRedis;
  let proxy: TcpProxy;
  let receiver: Receiver;
  let server: TestServer;
  /** Seen by the server before the hang: in its memory tier. */
  let warm: Tenant;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    proxy = await startTcpProxy({ host: "127.0.0.1", port: redis.port });
    receiver = await startReceiver(() => 200);
    server = await startTestServer({
      env: {
        REDIS_URL: `redis://${proxy.address}`,
        REDIS_KEY_PREFIX: uniqueRedisPrefix(),
        ASSISTANT_REQUEST_BUDGET_MS: String(BUDGET_MS),
        TOOL_CALL_BUDGET_MS: String(TOOL_BUDGET_MS),
        JOB_POLL_INTERVAL_MS: "100",
        LOG_LEVEL: "info",
      },
    });
    warm = await createTenant(server.deps);
    const first = await askAssistant(server, warm);
    expect(first.body.assistant?.metadata?.tenantId).toBe(warm.id);
    await waitUntil(async () => (await readyz(server)).status === 200, 5000, "Redis connected");
    proxy.blackhole();
  });

  afterAll(() =>
    closeAll([...closeServerBehind(proxy, server), () => receiver?.close(), () => redis?.close()]),
  );

  it("answers assistant-request within budget with the tenant's own assistant", async () => {
    // A tenant changed while Redis hangs: its refresh cannot wait on Redis.
    server.deps.resolver.invalidate(warm.id);
    const changed = await askAssistant(server, warm);
    expect(changed.status).toBe(200);
    expect(changed.body.assistant?.metadata?.tenantId).toBe(warm.id);
    expect(changed.ms).toBeLessThan(BUDGET_MS + MARGIN_MS);

    // A tenant this instance never saw: the Redis read gives up and the database answers, so
    // the caller gets the real assistant rather than the fallback.
    const cold = await createTenant(server.deps);
    const first = await askAssistant(server, cold);
    expect(first.status).toBe(200);
    expect(first.body.assistant?.metadata?.tenantId).toBe(cold.id);
    expect(canonicalLine(server, first.response)?.cacheTier).toBe("database");
    expect(first.ms).toBeLessThan(BUDGET_MS + MARGIN_MS);

    const unknown = await askAssistant(server, uniqueNumber());
    expect(unknown.status).toBe(200);
    expect(unknown.body.error).toBe(server.config.fallback.message);
    expect(unknown.ms).toBeLessThan(BUDGET_MS + MARGIN_MS);
  });

  it("reports Redis down on /readyz within the check's own timeout", async () => {
    const ready = await readyz(server);
    expect(ready).toMatchObject({ status: 503, dependencies: { database: true, redis: false } });
    // The health route gives each dependency 1.5 s.
    expect(ready.ms).toBeLessThan(1500 + MARGIN_MS);
  });

  it("runs tool calls for a tenant this instance never saw within the tool budget", async () => {
    // Tool calls have no dispatch deadline of their own: only the bounded Redis read keeps the
    // tenant lookup from waiting on the hung connection for ever.
    const cold = await createTenant(server.deps, {
      notify: { webhookUrl: receiver.url, secret: newWebhookSecret() },
    });
    const result = await runTools(server, cold, [
      LEAD,
      { name: "answer_question", args: { question: "What is your call-out fee?" } },
    ]);
    expect(result.status).toBe(200);
    expect(result.body.results?.map((entry) => entry.error)).toEqual([undefined, undefined]);
    expect(result.body.results?.[0]?.result).toMatch(/^Lead saved for Daniel Nguyen/);
    expect(result.body.results?.[1]?.result).toContain("$99");
    expect(result.ms).toBeLessThan(TOOL_BUDGET_MS + MARGIN_MS);
    // Its lead.created notification is queued with the lead (database queue) and delivered.
    await receiver.waitForRequests(1);
    expect(JSON.parse(receiver.requests[0]?.body ?? "{}")).toMatchObject({
      type: "lead.created",
      data: { tenantId: cold.id },
    });
  });

  it("acknowledges an end-of-call report promptly and queues its notification in the database", async () => {
    const tenant = await createTenant(server.deps, {
      notify: { webhookUrl: receiver.url, secret: newWebhookSecret() },
    });
    const parties = partiesOf(tenant);
    const before = receiver.requests.length;
    const started = performance.now();
    const response = await server.postWebhook(endOfCallReport(parties));
    const ms = performance.now() - started;
    expect(response.status).toBe(200);
    expect(canonicalLine(server, response)).toMatchObject({ notification: "queued" });
    // BullMQ's add hangs: the queue gives it up to 500 ms, then writes the job to the database.
    expect(ms).toBeLessThan(500 + BUDGET_MS + MARGIN_MS);
    await receiver.waitForRequests(before + 1);
    expect(JSON.parse(receiver.requests.at(-1)?.body ?? "{}")).toMatchObject({
      type: "call.ended",
      data: { callId: parties.callId },
    });
    // It ran from the database queue: BullMQ never got it.
    await waitUntil(
      async () => (await readJob(server, `call-ended:${parties.callId}`))?.status === "succeeded",
      5000,
      "the database job to be marked succeeded",
    );
  });

  it("is ready again and uses Redis once it answers", async () => {
    proxy.resume();
    await waitUntil(async () => (await readyz(server)).status === 200, 5000, "ready again");
    const tenant = await createTenant(server.deps);
    const first = await askAssistant(server, tenant);
    expect(first.body.assistant?.metadata?.tenantId).toBe(tenant.id);
    // The database answered and filled Redis; a fresh lookup past memory now finds it there.
    await waitUntil(
      async () => {
        server.deps.resolver.invalidate(tenant.id);
        const again = await askAssistant(server, tenant);
        return canonicalLine(server, again.response)?.cacheTier === "redis";
      },
      5000,
      "a lookup answered by Redis",
    );
  });
});

describe.runIf(postgresUp)("a hanging PostgreSQL (black-holed connection)", () => {
  let proxy: TcpProxy;
  let database: TestDatabase;
  let server: TestServer;
  let tenant: Tenant;
  let timedOutLeadCall: string | undefined;

  beforeAll(async () => {
    const direct = new URL(POSTGRES_URL);
    proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    const proxied = new URL(POSTGRES_URL);
    proxied.host = proxy.address;
    // The schema is created and dropped over a direct connection; the server goes through the proxy.
    database = { ...createPostgresTestDatabase(), url: proxied.toString() };
    server = await startTestServer({
      database,
      env: {
        ASSISTANT_REQUEST_BUDGET_MS: String(BUDGET_MS),
        TOOL_CALL_BUDGET_MS: String(TOOL_BUDGET_MS),
        LOG_LEVEL: "info",
      },
    });
    tenant = await createTenant(server.deps);
    // In memory before the hang, as it is during a call (assistant-request came first).
    expect((await askAssistant(server, tenant)).body.assistant?.metadata?.tenantId).toBe(tenant.id);
    proxy.blackhole();
  });

  afterAll(() => closeAll([...closeServerBehind(proxy, server), () => database?.drop()]));

  it("turns each tool call that needs the store into a speakable error within the tool budget", async () => {
    const parties = partiesOf(tenant);
    timedOutLeadCall = parties.callId;
    const result = await timedPost<Vapi.ServerMessageResponseToolCalls>(
      server,
      toolCalls(
        parties,
        [
          LEAD,
          { name: "check_availability", args: {} },
          {
            name: "take_message",
            args: { message: "Please call back about the leak", name: "Ola" },
          },
          { name: "answer_question", args: { question: "Which areas do you service?" } },
        ],
        tenant.id,
      ),
    );
    expect(result.status).toBe(200);
    const [lead, availability, message, faq] = result.body.results ?? [];
    for (const entry of [lead, availability, message]) {
      expect(entry?.error).toBe(TOOL_TIMEOUT_ERROR);
      expect(entry?.result).toBeUndefined();
    }
    // A tool that needs only the tenant document still answers.
    expect(faq?.result).toContain("Inner West");
    // Budgets run side by side: the whole message takes one budget, not one per call.
    expect(result.ms).toBeGreaterThanOrEqual(TOOL_BUDGET_MS - 50);
    expect(result.ms).toBeLessThan(TOOL_BUDGET_MS + MARGIN_MS);
  });

  it("answers assistant-request within budget: last known good, then the fallback", async () => {
    server.deps.resolver.invalidate(tenant.id);
    const known = await askAssistant(server, tenant);
    expect(known.body.assistant?.metadata?.tenantId).toBe(tenant.id);
    expect(canonicalLine(server, known.response)?.cacheTier).toBe("stale");
    expect(known.ms).toBeLessThan(BUDGET_MS + MARGIN_MS);

    const unknown = await askAssistant(server, uniqueNumber());
    expect(unknown.body.error).toBe(server.config.fallback.message);
    expect(canonicalLine(server, unknown.response)?.outcome).toBe("fallback-timeout");
    expect(unknown.ms).toBeLessThan(BUDGET_MS + MARGIN_MS);
  });

  // A tool-calls message for a tenant that is not in this instance's memory (another instance
  // answered the assistant-request, or the entry was invalidated) waits on the tenant lookup
  // first; the whole message has a budget (tool budget + the assistant-request budget for the
  // lookup), whose failure answer is a speakable error per call.
  it("answers tool calls for a tenant not in memory within a bounded time", async () => {
    server.deps.resolver.invalidate(tenant.id);
    // Not aborted: the request stays in flight and completes once the next test resumes the
    // proxy (an aborted fetch would leave the server a half-closed connection to wait on).
    const pending = runTools(server, tenant, [LEAD]);
    pending.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<"no answer">((resolve) => {
      timer = setTimeout(() => resolve("no answer"), TOOL_BUDGET_MS + MARGIN_MS + 1000);
    });
    const outcome = await Promise.race([pending, gaveUp]);
    clearTimeout(timer);
    if (outcome === "no answer") throw new Error("no answer within the tool-calls budget");
    expect(outcome.status).toBe(200);
    expect(outcome.ms).toBeLessThan(TOOL_BUDGET_MS + BUDGET_MS + MARGIN_MS);
    expect(outcome.body.results).toHaveLength(1);
    const entry = outcome.body.results?.[0];
    expect(entry?.error).toMatch(/^[^\n]{10,}$/);
    expect(entry?.result).toBeUndefined();
  });

  it("works again once PostgreSQL answers, without keeping what timed-out tools started", async () => {
    proxy.resume();
    const parties = partiesOf(tenant);
    const retried = await timedPost<Vapi.ServerMessageResponseToolCalls>(
      server,
      toolCalls(parties, [LEAD], tenant.id),
    );
    expect(retried.status).toBe(200);
    expect(retried.body.results?.[0]?.result).toMatch(/^Lead saved for Daniel Nguyen/);
    const leadCalls = async () =>
      (
        await server.deps.db
          .selectFrom("leads")
          .select("call_id")
          .where("tenant_id", "=", tenant.id)
          .execute()
      ).map((row) => row.call_id);
    expect(await leadCalls()).toContain(parties.callId);
    // The lead of the call whose create_lead timed out was rolled back (its caller was told it
    // failed), even though its statements reached PostgreSQL after the proxy resumed.
    expect(timedOutLeadCall).toBeDefined();
    // Its held statements reach PostgreSQL right after the resume; give them time to finish.
    await settle(500);
    expect(await leadCalls()).not.toContain(timedOutLeadCall);
  });
});
