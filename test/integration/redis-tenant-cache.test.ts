import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { createRedisTenantCache } from "../../src/tenants/redis-tenant-cache.js";
import { createTenantResolver } from "../../src/tenants/resolve-tenant.js";
import type { Tenant } from "../../src/tenants/tenant-document.js";
import { createDatabase } from "../../src/db/kysely.js";
import { migrateToLatest } from "../../src/db/migrate.js";
import {
  createTenantRepo,
  documentLengthOf,
  documentTextOf,
  type StoredTenant,
  type TenantRepo,
} from "../../src/tenants/tenant-repo.js";
import { buildTenant } from "../helpers/factories.js";
import { waitUntil } from "./jobs/receiver.js";
import {
  createTestDatabase,
  isRedisAvailable,
  REDIS_URL,
  uniqueRedisPrefix,
  waitForTenantChangeSubscribers,
} from "../helpers/test-database.js";

const redisUp = await isRedisAvailable();

function stored(tenant: Tenant, version: number): StoredTenant {
  return { tenant, version, updatedAt: `2026-12-06T00:00:0${version}Z` };
}

/**
 * A repo over one number whose reads can be held open, so a test can let a change land between a
 * read of the database and the cache fill that follows it.
 */
function heldRepo(number: string, initial: StoredTenant) {
  let current = initial;
  let gate: Promise<void> | undefined;
  let reads = 0;
  const repo = {
    findByNumber: async (e164: string) => {
      const seen = e164 === number ? current : undefined;
      reads += 1;
      await gate;
      return seen;
    },
    findByVapiPhoneNumberId: () => Promise.resolve(undefined),
    findById: () => Promise.resolve(undefined),
  } as unknown as TenantRepo;
  return {
    repo,
    change: (next: StoredTenant) => {
      current = next;
    },
    hold: () => {
      let release = () => undefined as void;
      gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      return () => {
        gate = undefined;
        release();
      };
    },
    reads: () => reads,
  };
}

describe.runIf(redisUp)("Redis tenant cache", () => {
  const clients: Redis[] = [];
  const connect = () => {
    const client = new Redis(REDIS_URL);
    clients.push(client);
    return client;
  };
  afterAll(() => {
    for (const client of clients) client.disconnect();
  });

  it("fills a missed entry and drops it when the tenant changes", async () => {
    const cache = createRedisTenantCache({
      redis: connect(),
      keyPrefix: uniqueRedisPrefix(),
      ttlSeconds: 60,
    });
    const tenant = buildTenant();
    const miss = await cache.get("num:+61255501001");
    expect(miss.stored).toBeUndefined();
    expect(await cache.set("num:+61255501001", stored(tenant, 1), miss)).toBe(true);
    const hit = await cache.get("num:+61255501001");
    expect(hit.stored?.tenant.id).toBe(tenant.id);
    expect(hit.stored?.version).toBe(1);

    await cache.publishChange(tenant.id);
    expect((await cache.get("num:+61255501001")).stored).toBeUndefined();
  });

  it("drops a fill whose miss came before a published change", async () => {
    const prefix = uniqueRedisPrefix();
    const filler = createRedisTenantCache({ redis: connect(), keyPrefix: prefix, ttlSeconds: 60 });
    const editor = createRedisTenantCache({ redis: connect(), keyPrefix: prefix, ttlSeconds: 60 });
    const tenant = buildTenant();
    const miss = await filler.get("num:+61255501002");
    // Another instance commits an edit and publishes it while this one reads the old copy.
    await editor.publishChange(tenant.id);
    expect(await filler.set("num:+61255501002", stored(tenant, 1), miss)).toBe(false);
    expect((await filler.get("num:+61255501002")).stored).toBeUndefined();
    // A miss after the change fills normally.
    const later = await filler.get("num:+61255501002");
    expect(
      await filler.set("num:+61255501002", stored({ ...tenant, name: "Edited" }, 2), later),
    ).toBe(true);
    expect((await editor.get("num:+61255501002")).stored?.tenant.name).toBe("Edited");
  });

  it("drops every key of a tenant with many numbers in one change", async () => {
    const cache = createRedisTenantCache({
      redis: connect(),
      keyPrefix: uniqueRedisPrefix(),
      ttlSeconds: 60,
    });
    const tenant = buildTenant();
    const keys = Array.from(
      { length: 1_200 },
      (_, index) => `num:+6125560${String(index).padStart(4, "0")}`,
    );
    for (const key of keys) await cache.set(key, stored(tenant, 1), await cache.get(key));
    expect((await cache.get(keys[1_199] ?? "")).stored?.tenant.id).toBe(tenant.id);
    await cache.publishChange(tenant.id);
    const left = await Promise.all(keys.map(async (key) => (await cache.get(key)).stored));
    expect(left.filter((entry) => entry !== undefined)).toHaveLength(0);
  });

  it("never leaves an instance's pre-change read in Redis for the others", async () => {
    const prefix = uniqueRedisPrefix();
    const number = "+61255501003";
    const original = buildTenant({ name: "Before The Edit" });
    const edited = { ...original, name: "After The Edit" };
    const database = heldRepo(number, stored(original, 1));
    const resolverFor = (redis: Redis) =>
      createTenantResolver<string>({
        repo: database.repo,
        shared: createRedisTenantCache({ redis, keyPrefix: prefix, ttlSeconds: 60 }),
        prepare: (tenant) => tenant.name,
        ttlSeconds: 300,
        maxEntries: 100,
        clock: { now: () => Date.now() },
      });
    const slow = resolverFor(connect());
    const editor = resolverFor(connect());
    slow.start();
    // The subscriber connected, as an instance's would be long before a change.
    await waitForTenantChangeSubscribers(prefix, 1);

    // The slow instance misses Redis and reads the database, which still holds the old copy...
    const release = database.hold();
    const pending = slow.resolve({ number });
    while (database.reads() === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    // ...while the edit is committed and published...
    database.change(stored(edited, 2));
    await editor.publishChange(original.id);
    // ...and only then does its read return.
    release();
    expect((await pending).resolved?.prepared).toBe("Before The Edit");
    await new Promise((resolve) => setTimeout(resolve, 50)); // the fill is not awaited by resolve

    // A third instance must not find the old copy in Redis.
    const third = resolverFor(connect());
    const answer = await third.resolve({ number });
    expect(answer.resolved?.prepared).toBe("After The Edit");
    expect(answer.tier).toBe("database");
    // And the slow instance itself does not keep serving its pre-change copy from memory.
    expect(slow.findFresh({ number })).toBeUndefined();
    expect((await slow.resolve({ number })).resolved?.prepared).toBe("After The Edit");
    slow.stop();
  });

  it("fills Redis with the document text as read, then keeps only its digest in memory", async () => {
    const database = createTestDatabase("sqlite");
    const handle = createDatabase({ url: database.url });
    try {
      await migrateToLatest(handle);
      const repo = createTenantRepo(handle.db);
      const tenant = buildTenant({ name: "Digest Plumbing" });
      await repo.upsertMany([tenant], "2026-12-06T00:00:00.000Z");
      const redis = connect();
      const prefix = uniqueRedisPrefix();
      const weighed: StoredTenant[] = [];
      const resolver = createTenantResolver<string>({
        repo,
        shared: createRedisTenantCache({ redis, keyPrefix: prefix, ttlSeconds: 60 }),
        prepare: (held) => held.name,
        ttlSeconds: 300,
        maxEntries: 100,
        maxBytes: 1_000_000,
        weigh: (held, prepared) => {
          weighed.push(held);
          return 2 * (documentLengthOf(held) ?? 0) + prepared.length;
        },
        clock: { now: () => Date.now() },
      });
      const number = tenant.phoneNumbers[0]?.number;

      const answer = await resolver.resolve({ number });
      expect(answer.resolved?.prepared).toBe("Digest Plumbing");
      expect(answer.tier).toBe("database");
      const held = weighed[0];
      if (held === undefined) throw new Error("the resolver never weighed the tenant");
      expect(documentTextOf(held)).toBeUndefined();
      expect(documentLengthOf(held)).toBeGreaterThan(100);

      // The fill (not awaited by resolve) carried the whole document.
      let entry: string | null = null;
      await waitUntil(
        async () => (entry = await redis.get(`${prefix}tenant:num:${number ?? ""}`)) !== null,
        1000,
        "the Redis fill",
      );
      expect(entry).not.toBeNull();
      expect((JSON.parse(entry ?? "{}") as { tenant?: { name?: string } }).tenant?.name).toBe(
        "Digest Plumbing",
      );

      // A later refresh that reads the same document keeps the held copy (no new parse or weigh).
      resolver.invalidate(tenant.id);
      await redis.del(`${prefix}tenant:num:${number ?? ""}`);
      const again = await resolver.resolve({ number });
      expect(again.tier).toBe("database");
      expect(again.resolved?.prepared).toBe("Digest Plumbing");
      expect(weighed).toHaveLength(1);
    } finally {
      await handle.close();
      await database.drop();
    }
  });
});
