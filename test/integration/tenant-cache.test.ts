import { createServer } from "node:net";
import type { Vapi } from "@vapi-ai/server-sdk";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTenantRepo } from "../../src/tenants/tenant-repo.js";
import { buildTenant, createTenant, uniqueNumber } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/start-server.js";
import {
  availableStores,
  isRedisAvailable,
  POSTGRES_URL,
  REDIS_URL,
  uniqueRedisPrefix,
  waitForTenantChangeSubscribers,
} from "../helpers/test-database.js";
import { assistantRequest } from "../fixtures/vapi/builders.js";

const stores = await availableStores();
const redisUp = await isRedisAvailable();

function canonicalLines(server: TestServer): Record<string, unknown>[] {
  return server.logs.filter((line) => line.msg === "vapi webhook");
}

async function askAssistant(
  server: TestServer,
  number: string | undefined,
  vapiPhoneNumberId?: string,
) {
  const response = await server.postWebhook(assistantRequest({ number, vapiPhoneNumberId }));
  expect(response.status).toBe(200);
  return (await response.json()) as Vapi.ServerMessageResponseAssistantRequest;
}

/** Asks until the assistant carries `name` (undefined: no assistant) or `withinMs` pass; returns the last seen. */
async function untilName(
  server: TestServer,
  number: string | undefined,
  name: string | undefined,
  withinMs = 2000,
) {
  const deadline = Date.now() + withinMs;
  let seen: unknown;
  while (Date.now() < deadline) {
    seen = (await askAssistant(server, number)).assistant?.metadata?.tenantName;
    if (seen === name) return seen;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return seen;
}

/** A TCP port with nothing listening on it (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

describe.each(stores)("tenant lookup chain on %s", (store) => {
  const servers: TestServer[] = [];
  afterEach(async () => {
    while (servers.length > 0) await servers.pop()?.close();
  });

  it("reads the database once, then answers from memory", async () => {
    const server = await startTestServer({ store });
    servers.push(server);
    const tenant = await createTenant(server.deps);
    const phone = tenant.phoneNumbers[0];
    await askAssistant(server, phone?.number, phone?.vapiPhoneNumberId);
    await askAssistant(server, phone?.number, phone?.vapiPhoneNumberId);
    const tiers = canonicalLines(server).map((line) => line.cacheTier);
    expect(tiers).toEqual(["database", "memory"]);
  });

  it("caches unknown numbers briefly and forgets them when a tenant changes", async () => {
    const server = await startTestServer({ store });
    servers.push(server);
    const number = uniqueNumber();
    expect((await askAssistant(server, number)).error).toBeDefined();
    expect((await askAssistant(server, number)).error).toBeDefined();
    expect(canonicalLines(server).map((line) => line.cacheTier)).toEqual(["database", "memory"]);

    // Attaching the number through the repository and publishing the change takes effect at once.
    const tenant = await createTenant(server.deps, { phoneNumbers: [{ number }] });
    await server.deps.resolver.publishChange(tenant.id);
    expect((await askAssistant(server, number)).assistant?.metadata?.tenantId).toBe(tenant.id);
  });

  it("refreshes a changed tenant on the next call in a single instance", async () => {
    const server = await startTestServer({ store });
    servers.push(server);
    const tenant = await createTenant(server.deps);
    const number = tenant.phoneNumbers[0]?.number;
    expect((await askAssistant(server, number)).assistant?.metadata?.tenantName).toBe(tenant.name);
    await server.deps.tenants.upsertMany(
      [{ ...tenant, name: "Renamed Plumbing" }],
      new Date().toISOString(),
    );
    await server.deps.resolver.publishChange(tenant.id);
    expect((await askAssistant(server, number)).assistant?.metadata?.tenantName).toBe(
      "Renamed Plumbing",
    );
  });

  it("serves a tenant deleted and created again under the same id, version and time", async () => {
    const server = await startTestServer({ store });
    servers.push(server);
    const tenant = buildTenant();
    const at = "2026-01-01T00:00:00.000Z";
    await server.deps.tenants.upsertMany([tenant], at);
    const number = tenant.phoneNumbers[0]?.number;
    expect((await askAssistant(server, number)).assistant?.metadata?.tenantName).toBe(tenant.name);
    await server.deps.tenants.delete(tenant.id, at);
    await server.deps.tenants.upsertMany([{ ...tenant, name: "Created Again" }], at);
    await server.deps.resolver.publishChange(tenant.id);
    expect((await askAssistant(server, number)).assistant?.metadata?.tenantName).toBe(
      "Created Again",
    );
  });

  it("keeps answering from memory and the database when Redis is unreachable", async () => {
    const port = await closedPort();
    const server = await startTestServer({
      store,
      env: { REDIS_URL: `redis://127.0.0.1:${port}` },
    });
    servers.push(server);
    const tenant = await createTenant(server.deps);
    const started = performance.now();
    const body = await askAssistant(server, tenant.phoneNumbers[0]?.number);
    expect(body.assistant?.metadata?.tenantId).toBe(tenant.id);
    // Well inside the assistant-request budget even though the Redis tier failed.
    expect(performance.now() - started).toBeLessThan(server.config.assistantRequestBudgetMs);
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(
      ((await ready.json()) as { dependencies: Record<string, { ok: boolean }> }).dependencies.redis
        ?.ok,
    ).toBe(false);
  });

  /** Two servers on one database, as two workers or two instances are. */
  async function startTwo(env: Record<string, string>): Promise<[TestServer, TestServer]> {
    const first = await startTestServer({ store, env });
    servers.push(first);
    const second = await startTestServer({ store, env, database: first.database });
    servers.push(second);
    return [first, second];
  }

  describe("without Redis, two processes on one database", () => {
    const env = { TENANT_CHANGE_POLL_MS: "100" };

    it("hears of another process's edit and deletion through the database", async () => {
      const [first, second] = await startTwo(env);
      // Created with a change time older than the feed's one-minute window: otherwise the second
      // process's poller could read the creation between its two lookups below and drop the copy
      // it had just cached (harmless in production, but the memory hit asserted would not come).
      const tenant = buildTenant();
      await first.deps.tenants.upsertMany(
        [tenant],
        new Date(Date.now() - 5 * 60_000).toISOString(),
      );
      const number = tenant.phoneNumbers[0]?.number;
      expect((await askAssistant(second, number)).assistant?.metadata?.tenantName).toBe(
        tenant.name,
      );
      // A few polls pass before the second lookup; none of them may drop the cached copy.
      await new Promise((resolve) => setTimeout(resolve, 250));
      expect((await askAssistant(second, number)).assistant?.metadata?.tenantName).toBe(
        tenant.name,
      );
      expect(canonicalLines(second).at(-1)?.cacheTier).toBe("memory");

      // The first process edits the tenant as the admin API does; the second only reads.
      const edited = await first.deps.tenants.update(
        { ...tenant, name: "Edited On Worker One" },
        new Date().toISOString(),
      );
      expect(edited.status).toBe("updated");
      await first.deps.resolver.publishChange(tenant.id);
      expect(await untilName(second, number, "Edited On Worker One")).toBe("Edited On Worker One");

      expect(await first.deps.tenants.delete(tenant.id, new Date().toISOString())).toBe(true);
      await first.deps.resolver.publishChange(tenant.id);
      expect(await untilName(second, number, undefined)).toBeUndefined();
      expect((await askAssistant(second, number)).error).toBeDefined();
    });

    it("reloads everything after a bulk import made elsewhere (the CLI)", async () => {
      const server = await startTestServer({ store, env });
      servers.push(server);
      const tenants = Array.from({ length: 60 }, () => buildTenant());
      await server.deps.tenants.upsertMany(tenants, new Date().toISOString());
      const number = tenants[59]?.phoneNumbers[0]?.number;
      expect((await askAssistant(server, number)).assistant?.metadata?.tenantName).toBe(
        tenants[59]?.name,
      );

      // Another process (its own repo, so its own origin) imports 60 changed tenants at once.
      const cli = createTenantRepo(server.deps.db);
      await cli.upsertMany(
        tenants.map((tenant) => ({ ...tenant, name: `${tenant.name} (imported)` })),
        new Date().toISOString(),
      );
      expect(await untilName(server, number, `${tenants[59]?.name ?? ""} (imported)`)).toBe(
        `${tenants[59]?.name ?? ""} (imported)`,
      );
      const rows = await server.deps.db
        .selectFrom("tenant_changes")
        .select(["tenant_id"])
        .execute();
      expect(rows.map((row) => row.tenant_id)).toContain("*");
    });
  });

  describe.runIf(redisUp)("with Redis shared by two instances", () => {
    it("drops the other instance's copy within a second of a change", async () => {
      const prefix = uniqueRedisPrefix();
      const [first, second] = await startTwo({ REDIS_URL, REDIS_KEY_PREFIX: prefix });
      const tenant = await createTenant(first.deps);
      const number = tenant.phoneNumbers[0]?.number;

      // Both subscribers connected (and their resyncs done) before the caches are warmed.
      await waitForTenantChangeSubscribers(prefix, 2);
      expect((await askAssistant(first, number)).assistant?.metadata?.tenantName).toBe(tenant.name);
      expect((await askAssistant(second, number)).assistant?.metadata?.tenantName).toBe(
        tenant.name,
      );
      // The second instance found the tenant in Redis, written there by the first.
      expect(canonicalLines(second).at(-1)?.cacheTier).toBe("redis");
      expect((await askAssistant(second, number)).assistant?.metadata?.tenantName).toBe(
        tenant.name,
      );
      expect(canonicalLines(second).at(-1)?.cacheTier).toBe("memory");

      await first.deps.tenants.upsertMany(
        [{ ...tenant, name: "Changed Elsewhere" }],
        new Date().toISOString(),
      );
      await first.deps.resolver.publishChange(tenant.id);

      expect(await untilName(second, number, "Changed Elsewhere", 1000)).toBe("Changed Elsewhere");
    });
  });
});

describe.runIf(stores.includes("postgres"))(
  "assistant-request deadline with a blocked PostgreSQL",
  () => {
    let server: TestServer;
    let blocker: pg.Client;

    beforeAll(async () => {
      server = await startTestServer({
        store: "postgres",
        env: { ASSISTANT_REQUEST_BUDGET_MS: "300" },
      });
      blocker = new pg.Client({ connectionString: POSTGRES_URL });
      await blocker.connect();
    });
    afterAll(async () => {
      await blocker.query("rollback").catch(() => undefined);
      await blocker.end();
      await server.close();
    });

    it("answers with the last known good assistant, then the fallback for numbers it never saw", async () => {
      const tenant = await createTenant(server.deps);
      const number = tenant.phoneNumbers[0]?.number;
      expect((await askAssistant(server, number)).assistant?.metadata?.tenantId).toBe(tenant.id);
      // The tenant changed (so the cached copy must be refreshed) while the table is locked.
      server.deps.resolver.invalidate(tenant.id);
      const schema = server.database.postgresSchema ?? "";
      await blocker.query("begin");
      await blocker.query(`lock table "${schema}".phone_numbers in access exclusive mode`);

      const started = performance.now();
      const stale = await askAssistant(server, number);
      const staleMs = performance.now() - started;
      expect(stale.assistant?.metadata?.tenantId).toBe(tenant.id);
      expect(canonicalLines(server).at(-1)?.cacheTier).toBe("stale");

      const unknownStarted = performance.now();
      const unknown = await askAssistant(server, uniqueNumber());
      const unknownMs = performance.now() - unknownStarted;
      expect(unknown.error).toBe(server.config.fallback.message);
      expect(canonicalLines(server).at(-1)?.outcome).toBe("fallback-timeout");

      // Both answers came at the deadline, not when the lock was released.
      expect(staleMs).toBeLessThan(2000);
      expect(unknownMs).toBeLessThan(2000);
      await blocker.query("rollback");
    });
  },
);
