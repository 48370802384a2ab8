import type { Redis } from "ioredis";
import { TenantDocumentSchema } from "./tenant-document.js";
import type { StoredTenant } from "./tenant-repo.js";

/**
 * The shared second cache tier: tenant documents in Redis, so a cold instance (or a new worker)
 * does not hit the database for every number, plus pub/sub so that a change made anywhere
 * reaches every instance within about a second.
 */
export interface SharedTenantCache {
  get(key: string): Promise<StoredTenant | undefined>;
  set(key: string, stored: StoredTenant): Promise<void>;
  /** Drops a tenant's shared entries and tells every instance (including this one) to drop theirs. */
  publishChange(tenantId: string): Promise<void>;
  /**
   * Calls `onChange` for every tenant change published by any instance, and `onResync` after the
   * subscription (re)connects, since changes published while disconnected were missed.
   * Returns an unsubscribe.
   */
  subscribe(onChange: (tenantId: string) => void, onResync: () => void): () => void;
}

export interface RedisTenantCacheOptions {
  redis: Redis;
  /** Namespaces every key and the channel (tests use one prefix per run). */
  keyPrefix: string;
  ttlSeconds: number;
}

export function createRedisTenantCache(options: RedisTenantCacheOptions): SharedTenantCache {
  const { redis, keyPrefix, ttlSeconds } = options;
  const entryKey = (key: string) => `${keyPrefix}tenant:${key}`;
  const indexKey = (tenantId: string) => `${keyPrefix}tenant-keys:${tenantId}`;
  const channel = `${keyPrefix}tenant-changed`;

  return {
    async get(key) {
      const text = await redis.get(entryKey(key));
      if (text === null) return undefined;
      const raw = JSON.parse(text) as { tenant: unknown; version: number; updatedAt: string };
      // A document written by an older release is revalidated (and defaults applied) on read.
      const parsed = TenantDocumentSchema.safeParse(raw.tenant);
      return parsed.success ? { tenant: parsed.data, version: raw.version, updatedAt: raw.updatedAt } : undefined;
    },

    async set(key, stored) {
      await redis
        .multi()
        .set(entryKey(key), JSON.stringify(stored), "EX", ttlSeconds)
        .sadd(indexKey(stored.tenant.id), entryKey(key))
        .expire(indexKey(stored.tenant.id), ttlSeconds * 2)
        .exec();
    },

    async publishChange(tenantId) {
      const keys = await redis.smembers(indexKey(tenantId));
      const pipeline = redis.multi();
      if (keys.length > 0) pipeline.del(...keys);
      pipeline.del(indexKey(tenantId));
      pipeline.publish(channel, tenantId);
      await pipeline.exec();
    },

    subscribe(onChange, onResync) {
      // A connection in subscriber mode can run no other command: use a dedicated one. It queues
      // the SUBSCRIBE until connected and ioredis re-subscribes after every reconnect.
      const subscriber = redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
      subscriber.on("error", () => undefined);
      subscriber.on("message", (received: string, tenantId: string) => {
        if (received === channel) onChange(tenantId);
      });
      subscriber.on("ready", onResync);
      subscriber.subscribe(channel).catch(() => undefined);
      return () => {
        subscriber.disconnect();
      };
    },
  };
}
