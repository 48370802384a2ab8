import { LRUCache } from "lru-cache";
import type { Clock } from "../clock.js";
import type { SharedRead, SharedTenantCache } from "./redis-tenant-cache.js";
import type { TenantChangeSource } from "./tenant-change-feed.js";
import type { Tenant } from "./tenant-document.js";
import { normalizeE164 } from "./tenant-document.js";
import {
  keepDocumentDigestOnly,
  sameDocumentText,
  type HeldTenant,
  type StoredTenant,
  type TenantRepo,
} from "./tenant-repo.js";

/** A tenant plus whatever the protocol layer precomputed for it (the serialized assistant). */
export interface ResolvedTenant<TPrepared = unknown> {
  tenant: Tenant;
  version: number;
  prepared: TPrepared;
}

/** The keys Vapi gives us for the dialed number (protocol reference §1.2). */
export interface DialedNumber {
  vapiPhoneNumberId?: string | undefined;
  number?: string | undefined;
}

/**
 * Where an answer came from: `memory` (fresh), `stale` (last known good, served while a refresh
 * runs or because the refresh missed its deadline), `redis`, `database`, `none` (no key given),
 * `timeout` (nothing known and the deadline passed).
 */
export type CacheTier = "memory" | "stale" | "redis" | "database" | "none" | "timeout";

export interface ResolveResult<TPrepared> {
  resolved: ResolvedTenant<TPrepared> | undefined;
  tier: CacheTier;
}

export interface ResolveOptions {
  /** Epoch ms by which an answer is needed; past it the last known good copy is used. */
  deadlineAt?: number | undefined;
}

export type ResolverEvent =
  | { type: "shared-cache-error"; error: unknown }
  | { type: "change-feed-error"; error: unknown }
  | { type: "refresh-error"; key: string; error: unknown }
  | { type: "stale-served"; key: string; reason: "expired" | "deadline" | "store-error" };

export interface TenantResolver<TPrepared> {
  /** Looks up the tenant owning a dialed number: memory, then Redis, then the database. */
  resolve(dialed: DialedNumber, options?: ResolveOptions): Promise<ResolveResult<TPrepared>>;
  resolveById(tenantId: string, options?: ResolveOptions): Promise<ResolveResult<TPrepared>>;
  /**
   * What `resolve` would answer when memory alone answers it with a fresh tenant, else
   * `undefined` (then call `resolve`). Synchronous, so the cached hot path needs no promise.
   */
  findFresh(dialed: DialedNumber): ResolvedTenant<TPrepared> | undefined;
  /**
   * Marks one tenant's cached copies as outdated (they stay as last known good until a refresh
   * succeeds) and drops every negative entry (a number may now be known).
   */
  invalidate(tenantId: string): void;
  /** Marks everything outdated (after missed invalidations, e.g. a Redis reconnect). */
  invalidateAll(): void;
  /** Invalidates locally and, with Redis, on every instance. */
  publishChange(tenantId: string): Promise<void>;
  /** Starts listening for changes from other processes (Redis pub/sub, or the database feed). */
  start(): void;
  stop(): void;
  readonly size: number;
}

export interface TenantResolverOptions<TPrepared> {
  repo: TenantRepo;
  /** Optional shared tier (Redis). Failures are reported and skipped, never fatal. */
  shared?: SharedTenantCache | undefined;
  /** Another source of changes made by other processes (the database feed, without Redis). */
  changes?: TenantChangeSource | undefined;
  /** Builds the per-tenant precomputed data once per tenant version. */
  prepare: (tenant: Tenant) => TPrepared;
  ttlSeconds: number;
  maxEntries: number;
  /**
   * Bounds the memory the cached tenants take, as estimated by `weigh`. A tenant counts once per
   * cached key, so a tenant reached by several numbers counts more than it takes: the bound is an
   * upper one.
   */
  maxBytes?: number | undefined;
  /** About how many bytes of heap one tenant and its prepared data hold. */
  weigh?: ((stored: StoredTenant, prepared: TPrepared) => number) | undefined;
  clock: Clock;
  onEvent?: (event: ResolverEvent) => void;
}

// Unknown numbers are cached too (spam and misconfigured numbers call repeatedly), but briefly,
// so a freshly attached number works within seconds even if an invalidation was missed.
const NEGATIVE_TTL_MS = 5_000;
// What one key costs besides its tenant (the key string, the entry, the LRU's slots).
const KEY_BYTES = 300;

interface CachedTenant<TPrepared> {
  /** The copy the repo read, kept so that reading the same document again skips parsing it. */
  stored: StoredTenant;
  resolved: ResolvedTenant<TPrepared>;
  keys: Set<string>;
  /** `weigh`'s estimate for this copy (0 without a byte bound). */
  bytes: number;
}

interface Entry<TPrepared> {
  resolved: ResolvedTenant<TPrepared> | undefined;
  fetchedAt: number;
  /** Set by invalidation: the next lookup must try to refresh before using this copy. */
  outdated: boolean;
}

/** What a refresh found, and where. */
interface Refreshed<TPrepared> {
  resolved: ResolvedTenant<TPrepared> | undefined;
  tier: "redis" | "database";
}

class DeadlineReached extends Error {}

/**
 * Cache-first tenant lookup keyed by Vapi phone-number id and by E.164 number.
 * - Fresh entries answer from memory.
 * - Entries past their TTL answer at once with the last known good copy and refresh in the
 *   background (stale-while-revalidate).
 * - Invalidated or missing entries are refreshed (Redis, then database) until the deadline; past
 *   it, the last known good copy answers if there is one.
 * - Store failures fall back to the last known good copy.
 */
export function createTenantResolver<TPrepared>(
  options: TenantResolverOptions<TPrepared>,
): TenantResolver<TPrepared> {
  const ttlMs = options.ttlSeconds * 1000;
  const emit = options.onEvent ?? (() => undefined);
  // Per cached tenant: its resolved copy (the keys of one tenant version share one prepared
  // object instead of rebuilding it) and the keys that point at it. Dropped with its last key,
  // so it holds no more tenants than the key cache does.
  const tenants = new Map<string, CachedTenant<TPrepared>>();
  // The keys of negative entries, so an invalidation drops them without walking the whole cache.
  const negativeKeys = new Set<string>();
  const forget = (key: string, entry: Entry<TPrepared>) => {
    if (entry.resolved === undefined) {
      negativeKeys.delete(key);
      return;
    }
    const id = entry.resolved.tenant.id;
    const cached = tenants.get(id);
    if (cached === undefined || !cached.keys.delete(key) || cached.keys.size > 0) return;
    tenants.delete(id);
  };
  const weigh = options.maxBytes === undefined ? undefined : options.weigh;
  const cache = new LRUCache<string, Entry<TPrepared>>({
    max: options.maxEntries,
    ...(options.maxBytes === undefined
      ? {}
      : {
          maxSize: options.maxBytes,
          sizeCalculation: (entry: Entry<TPrepared>) =>
            KEY_BYTES +
            (entry.resolved === undefined
              ? 0
              : (tenants.get(entry.resolved.tenant.id)?.bytes ?? 0)),
        }),
    dispose: (entry, key, reason) => {
      // A replaced entry keeps its key (store() moves it if the tenant changed).
      if (reason !== "set") forget(key, entry);
    },
  });
  // The repo returns the stored copy held here instead of parsing the same document again.
  const held: HeldTenant = (tenantId) => tenants.get(tenantId)?.stored;
  const inFlight = new Map<string, Promise<Refreshed<TPrepared>>>();
  // Bumped by every invalidation; a refresh compares it before and after its read.
  let generation = 0;
  let unsubscribes: (() => void)[] | undefined;

  function toResolved(stored: StoredTenant): ResolvedTenant<TPrepared> {
    const existing = tenants.get(stored.tenant.id);
    if (existing !== undefined && sameCopy(existing.stored, stored)) return existing.resolved;
    const resolved = {
      tenant: stored.tenant,
      version: stored.version,
      prepared: options.prepare(stored.tenant),
    };
    const bytes =
      weigh === undefined ? 0 : Math.max(0, Math.round(weigh(stored, resolved.prepared)));
    // The Redis fill took its copy of the text already (fetchFromStores); held, it would be ~3 KB
    // of every cached tenant for nothing but recognising the same document again.
    keepDocumentDigestOnly(stored);
    if (existing === undefined)
      tenants.set(stored.tenant.id, { stored, resolved, keys: new Set(), bytes });
    else {
      existing.stored = stored;
      existing.resolved = resolved;
      existing.bytes = bytes;
    }
    return resolved;
  }

  function store(
    key: string,
    stored: StoredTenant | undefined,
    outdated: boolean,
  ): Entry<TPrepared> {
    const entry: Entry<TPrepared> = {
      resolved: stored === undefined ? undefined : toResolved(stored),
      fetchedAt: options.clock.now(),
      outdated,
    };
    const previous = cache.peek(key, { allowStale: true });
    if (previous !== undefined && previous.resolved?.tenant.id !== entry.resolved?.tenant.id) {
      forget(key, previous);
    }
    if (entry.resolved !== undefined) tenants.get(entry.resolved.tenant.id)?.keys.add(key);
    cache.set(key, entry);
    if (entry.resolved === undefined) negativeKeys.add(key);
    else negativeKeys.delete(key);
    return entry;
  }

  async function fetchFromStores(
    key: string,
    load: () => Promise<StoredTenant | undefined>,
  ): Promise<{ stored: StoredTenant | undefined; tier: "redis" | "database" }> {
    let read: SharedRead | undefined;
    if (options.shared !== undefined) {
      try {
        read = await options.shared.get(key);
        if (read.stored !== undefined) return { stored: read.stored, tier: "redis" };
      } catch (error) {
        emit({ type: "shared-cache-error", error });
      }
    }
    const stored = await load();
    // Without a read that saw the change generation, a fill could not tell whether it predates a
    // change; Redis just failed anyway, so the next miss fills it.
    if (stored !== undefined && options.shared !== undefined && read !== undefined) {
      options.shared
        .set(key, stored, read)
        .catch((error: unknown) => emit({ type: "shared-cache-error", error }));
    }
    return { stored, tier: "database" };
  }

  /**
   * One refresh per key at a time; concurrent callers share it. A refresh that an invalidation
   * overtook may have read the copy from before the change: it answers its callers, but its entry
   * is stored outdated so the next lookup reads again. Callers arriving after the invalidation
   * start a refresh of their own.
   */
  function refresh(
    key: string,
    load: () => Promise<StoredTenant | undefined>,
  ): Promise<Refreshed<TPrepared>> {
    let pending = inFlight.get(key);
    if (pending === undefined) {
      const startedIn = generation;
      const started: Promise<Refreshed<TPrepared>> = fetchFromStores(key, load)
        .then(({ stored, tier }) => ({
          resolved: store(key, stored, generation !== startedIn).resolved,
          tier,
        }))
        .finally(() => {
          if (inFlight.get(key) === started) inFlight.delete(key);
        });
      inFlight.set(key, started);
      pending = started;
    }
    return pending;
  }

  function isFresh(entry: Entry<TPrepared>, now: number): boolean {
    if (entry.outdated) return false;
    const ttl = entry.resolved === undefined ? NEGATIVE_TTL_MS : ttlMs;
    return now - entry.fetchedAt < ttl;
  }

  async function lookup(
    key: string,
    load: () => Promise<StoredTenant | undefined>,
    resolveOptions: ResolveOptions,
  ): Promise<ResolveResult<TPrepared>> {
    const now = options.clock.now();
    const cached = cache.get(key);
    if (cached !== undefined && isFresh(cached, now))
      return { resolved: cached.resolved, tier: "memory" };

    // Past its TTL but not invalidated: answer now, refresh behind the caller's back.
    if (cached?.resolved !== undefined && !cached.outdated) {
      refresh(key, load).catch((error: unknown) => emit({ type: "refresh-error", key, error }));
      emit({ type: "stale-served", key, reason: "expired" });
      return { resolved: cached.resolved, tier: "stale" };
    }

    const lastKnownGood = cached?.resolved;
    try {
      return await withDeadline(refresh(key, load), resolveOptions.deadlineAt, options.clock);
    } catch (error) {
      const reason = error instanceof DeadlineReached ? "deadline" : "store-error";
      if (reason === "store-error") emit({ type: "refresh-error", key, error });
      if (lastKnownGood !== undefined) {
        emit({ type: "stale-served", key, reason });
        return { resolved: lastKnownGood, tier: "stale" };
      }
      if (reason === "deadline") return { resolved: undefined, tier: "timeout" };
      throw error;
    }
  }

  function findFreshEntry(key: string): Entry<TPrepared> | undefined {
    const cached = cache.get(key);
    return cached !== undefined && isFresh(cached, options.clock.now()) ? cached : undefined;
  }

  function invalidate(tenantId: string): void {
    generation += 1;
    inFlight.clear();
    for (const key of tenants.get(tenantId)?.keys ?? []) {
      const entry = cache.peek(key);
      if (entry !== undefined) entry.outdated = true;
    }
    // Negative entries might now be this tenant's numbers.
    for (const key of [...negativeKeys]) cache.delete(key);
  }

  function invalidateAll(): void {
    generation += 1;
    inFlight.clear();
    for (const [key, entry] of cache.entries()) {
      if (entry.resolved === undefined) cache.delete(key);
      else entry.outdated = true;
    }
  }

  return {
    async resolve(dialed, resolveOptions = {}) {
      const id = dialed.vapiPhoneNumberId;
      if (id !== undefined && id.length > 0) {
        const byId = await lookup(
          `pn:${id}`,
          () => options.repo.findByVapiPhoneNumberId(id, held),
          resolveOptions,
        );
        if (byId.resolved !== undefined || byId.tier === "timeout") return byId;
      }
      const e164 = dialed.number === undefined ? undefined : normalizeE164(dialed.number);
      if (e164 !== undefined) {
        return lookup(`num:${e164}`, () => options.repo.findByNumber(e164, held), resolveOptions);
      }
      return { resolved: undefined, tier: "none" };
    },

    // Mirrors `resolve` for the case where it would answer from memory with a tenant.
    findFresh(dialed) {
      const id = dialed.vapiPhoneNumberId;
      if (id !== undefined && id.length > 0) {
        const byId = findFreshEntry(`pn:${id}`);
        if (byId === undefined) return undefined;
        if (byId.resolved !== undefined) return byId.resolved;
      }
      const e164 = dialed.number === undefined ? undefined : normalizeE164(dialed.number);
      return e164 === undefined ? undefined : findFreshEntry(`num:${e164}`)?.resolved;
    },

    resolveById(tenantId, resolveOptions = {}) {
      return lookup(
        `tenant:${tenantId}`,
        () => options.repo.findById(tenantId, held),
        resolveOptions,
      );
    },

    invalidate,

    invalidateAll,

    async publishChange(tenantId) {
      invalidate(tenantId);
      await options.shared?.publishChange(tenantId);
    },

    start() {
      if (unsubscribes !== undefined) return;
      const sources = [options.shared, options.changes].filter((source) => source !== undefined);
      unsubscribes = sources.map((source) =>
        source.subscribe((tenantId) => invalidate(tenantId), invalidateAll),
      );
    },

    stop() {
      for (const unsubscribe of unsubscribes ?? []) unsubscribe();
      unsubscribes = undefined;
    },

    get size() {
      return cache.size;
    },
  };
}

/**
 * Whether two copies hold the same tenant document: the same version and time, and the same
 * text when both were read from the database (a tenant deleted and created again can repeat
 * both). A copy from Redis carries no text; its version and time decide.
 */
function sameCopy(a: StoredTenant, b: StoredTenant): boolean {
  if (a === b) return true;
  if (a.version !== b.version || a.updatedAt !== b.updatedAt) return false;
  return sameDocumentText(a, b) ?? true;
}

async function withDeadline<T>(
  work: Promise<T>,
  deadlineAt: number | undefined,
  clock: Clock,
): Promise<T> {
  if (deadlineAt === undefined) return work;
  const remaining = deadlineAt - clock.now();
  if (remaining <= 0) {
    work.catch(() => undefined);
    throw new DeadlineReached();
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new DeadlineReached()), remaining);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    work.catch(() => undefined);
  }
}
