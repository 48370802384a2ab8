import type { Redis } from "ioredis";
import { withTimeout } from "../with-timeout.js";
import { TenantDocumentSchema } from "./tenant-document.js";
import { documentTextOf, type StoredTenant } from "./tenant-repo.js";

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
  /** A read slower than this counts as a miss (the database answers instead). Default 250. */
  readTimeoutMs?: number;
  /** Writes and change notifications give up (reject) after this. Default 2000. */
  writeTimeoutMs?: number;
}

// A healthy Redis answers in about a millisecond. One that hangs (a black-holed connection still
// looks connected, so commands are sent and never answered) must not hold up a lookup that has no
// deadline of its own (tool calls, status updates): past this the database is the faster tier.
const DEFAULT_READ_TIMEOUT_MS = 250;
// Writes are off the request path (cache fill) or an admin action (change notification): looser,
// but bounded, so that an admin request never hangs on Redis either.
const DEFAULT_WRITE_TIMEOUT_MS = 2000;

export function createRedisTenantCache(options: RedisTenantCacheOptions): SharedTenantCache {
  const { redis, keyPrefix, ttlSeconds } = options;
  const readTimeoutMs = options.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
  const writeTimeoutMs = options.writeTimeoutMs ?? DEFAULT_WRITE_TIMEOUT_MS;
  const entryKey = (key: string) => `${keyPrefix}tenant:${key}`;
  const indexKey = (tenantId: string) => `${keyPrefix}tenant-keys:${tenantId}`;
  const channel = `${keyPrefix}tenant-changed`;

  return {
    async get(key) {
      const text = await withTimeout(redis.get(entryKey(key)), readTimeoutMs);
      if (text === null) return undefined;
      const raw = JSON.parse(text) as { tenant: unknown; version: number; updatedAt: string };
      // A document written by an older release is revalidated (and defaults applied) on read.
      const parsed = TenantDocumentSchema.safeParse(raw.tenant);
      return parsed.success ? { tenant: parsed.data, version: raw.version, updatedAt: raw.updatedAt } : undefined;
    },

    async set(key, stored) {
      await withTimeout(
        redis
          .multi()
          .set(entryKey(key), serialize(stored), "EX", ttlSeconds)
          .sadd(indexKey(stored.tenant.id), entryKey(key))
          .expire(indexKey(stored.tenant.id), ttlSeconds * 2)
          .exec(),
        writeTimeoutMs,
      );
    },

    async publishChange(tenantId) {
      const publish = async () => {
        const keys = await redis.smembers(indexKey(tenantId));
        const pipeline = redis.multi();
        if (keys.length > 0) pipeline.del(...keys);
        pipeline.del(indexKey(tenantId));
        pipeline.publish(channel, tenantId);
        await pipeline.exec();
      };
      await withTimeout(publish(), writeTimeoutMs);
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

/**
 * The entry `get` reads. A copy read from the database carries its document text, which goes in
 * as it is instead of being serialized again (`get` validates it and applies defaults anyway).
 */
function serialize(stored: StoredTenant): string {
  const document = documentTextOf(stored);
  if (document === undefined) return JSON.stringify(stored);
  return `{"tenant":${document},"version":${stored.version},"updatedAt":${JSON.stringify(stored.updatedAt)}}`;
}
