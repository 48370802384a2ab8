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
  get(key: string): Promise<SharedRead>;
  /**
   * Fills the entry with a copy read from the database after `read` missed. Skipped (resolves
   * `false`) when any tenant change was published since `read`: the copy may predate it.
   */
  set(key: string, stored: StoredTenant, read: SharedRead): Promise<boolean>;
  /** Drops a tenant's shared entries and tells every instance (including this one) to drop theirs. */
  publishChange(tenantId: string): Promise<void>;
  /**
   * Calls `onChange` for every tenant change published by any instance, and `onResync` after the
   * subscription (re)connects, since changes published while disconnected were missed.
   * Returns an unsubscribe.
   */
  subscribe(onChange: (tenantId: string) => void, onResync: () => void): () => void;
}

/** What `get` found, and the change generation it saw (pass it back to `set`). */
export interface SharedRead {
  stored: StoredTenant | undefined;
  generation: string;
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

// A cache fill races tenant changes: an instance reads the database, another commits a change
// and publishes it (dropping the shared entries), then the first one's fill lands and would serve
// the old copy everywhere until its TTL. Every published change bumps one generation counter, and
// a fill is written only if the counter still holds what the miss saw, so a fill that may predate
// a change is dropped. Both sides are scripts, so neither can interleave with the other (the index
// of a tenant's keys is read and cleared in the same step that bumps the counter).
const FILL_IF_UNCHANGED = `
if (redis.call("GET", KEYS[3]) or "0") ~= ARGV[3] then return 0 end
redis.call("SET", KEYS[1], ARGV[1], "EX", ARGV[2])
redis.call("SADD", KEYS[2], KEYS[1])
redis.call("EXPIRE", KEYS[2], tonumber(ARGV[2]) * 2)
return 1`;
const DROP_AND_PUBLISH = `
redis.call("INCR", KEYS[2])
local keys = redis.call("SMEMBERS", KEYS[1])
for i = 1, #keys, 500 do
  redis.call("DEL", unpack(keys, i, math.min(i + 499, #keys)))
end
redis.call("DEL", KEYS[1])
redis.call("PUBLISH", ARGV[1], ARGV[2])
return #keys`;

interface TenantCacheScripts {
  frontdeskFillTenant(
    entryKey: string,
    indexKey: string,
    generationKey: string,
    text: string,
    ttlSeconds: number,
    generation: string,
  ): Promise<number>;
  frontdeskDropTenant(
    indexKey: string,
    generationKey: string,
    channel: string,
    tenantId: string,
  ): Promise<number>;
}

/** The pub/sub channel on which instances sharing `keyPrefix` announce tenant changes. */
export function tenantChangeChannel(keyPrefix: string): string {
  return `${keyPrefix}tenant-changed`;
}

export function createRedisTenantCache(options: RedisTenantCacheOptions): SharedTenantCache {
  const { keyPrefix, ttlSeconds } = options;
  const readTimeoutMs = options.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
  const writeTimeoutMs = options.writeTimeoutMs ?? DEFAULT_WRITE_TIMEOUT_MS;
  const entryKey = (key: string) => `${keyPrefix}tenant:${key}`;
  const indexKey = (tenantId: string) => `${keyPrefix}tenant-keys:${tenantId}`;
  const generationKey = `${keyPrefix}tenant-generation`;
  const channel = tenantChangeChannel(keyPrefix);
  // ioredis sends a defined script by its SHA and loads it again when the server lost it.
  options.redis.defineCommand("frontdeskFillTenant", { numberOfKeys: 3, lua: FILL_IF_UNCHANGED });
  options.redis.defineCommand("frontdeskDropTenant", { numberOfKeys: 2, lua: DROP_AND_PUBLISH });
  const redis = options.redis as Redis & TenantCacheScripts;

  return {
    async get(key) {
      const [text, generation] = await withTimeout(
        redis.mget(entryKey(key), generationKey),
        readTimeoutMs,
      );
      return { stored: text == null ? undefined : parseEntry(text), generation: generation ?? "0" };
    },

    async set(key, stored, read) {
      const written = await withTimeout(
        redis.frontdeskFillTenant(
          entryKey(key),
          indexKey(stored.tenant.id),
          generationKey,
          serialize(stored),
          ttlSeconds,
          read.generation,
        ),
        writeTimeoutMs,
      );
      return written === 1;
    },

    async publishChange(tenantId) {
      await withTimeout(
        redis.frontdeskDropTenant(indexKey(tenantId), generationKey, channel, tenantId),
        writeTimeoutMs,
      );
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

function parseEntry(text: string): StoredTenant | undefined {
  const raw = JSON.parse(text) as { tenant: unknown; version: number; updatedAt: string };
  // A document written by an older release is revalidated (and defaults applied) on read.
  const parsed = TenantDocumentSchema.safeParse(raw.tenant);
  return parsed.success
    ? { tenant: parsed.data, version: raw.version, updatedAt: raw.updatedAt }
    : undefined;
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
