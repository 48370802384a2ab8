import { LRUCache } from "lru-cache";
import type { Tenant } from "./tenant-document.js";
import { normalizeE164 } from "./tenant-document.js";
import type { StoredTenant, TenantRepo } from "./tenant-repo.js";

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

export type CacheTier = "memory" | "database" | "none";

export interface ResolveResult<TPrepared> {
  resolved: ResolvedTenant<TPrepared> | undefined;
  tier: CacheTier;
}

export interface TenantResolver<TPrepared> {
  /** Looks up the tenant owning a dialed number: memory first, then the database. */
  resolve(dialed: DialedNumber): Promise<ResolveResult<TPrepared>>;
  resolveById(tenantId: string): Promise<ResolveResult<TPrepared>>;
  /** Drops cached copies of one tenant and every negative entry (a number may now be known). */
  invalidate(tenantId: string): void;
  clear(): void;
  readonly size: number;
}

export interface TenantResolverOptions<TPrepared> {
  repo: TenantRepo;
  /** Builds the per-tenant precomputed data once per tenant version. */
  prepare: (tenant: Tenant) => TPrepared;
  ttlSeconds: number;
  maxEntries: number;
}

// Unknown numbers are cached too (spam and misconfigured numbers call repeatedly), but briefly,
// so a freshly attached number works within seconds even without an explicit invalidation.
const NEGATIVE_TTL_MS = 5_000;

type Entry<TPrepared> = { resolved: ResolvedTenant<TPrepared> } | { resolved: undefined };

/**
 * Cache-first tenant lookup keyed by Vapi phone-number id and by E.164 number, with negative
 * caching. Precomputed data is shared between all keys of one tenant version.
 */
export function createTenantResolver<TPrepared>(
  options: TenantResolverOptions<TPrepared>,
): TenantResolver<TPrepared> {
  const cache = new LRUCache<string, Entry<TPrepared>>({
    max: options.maxEntries,
    ttl: options.ttlSeconds * 1000,
    // Cache expiry needs no timers; an entry past its TTL is simply refetched.
    ttlAutopurge: false,
    dispose: (entry, key) => {
      negativeKeys.delete(key);
      if (entry.resolved !== undefined) keysByTenant.get(entry.resolved.tenant.id)?.delete(key);
    },
  });
  const keysByTenant = new Map<string, Set<string>>();
  const negativeKeys = new Set<string>();

  function remember(key: string, stored: StoredTenant | undefined): Entry<TPrepared> {
    if (stored === undefined) {
      const entry: Entry<TPrepared> = { resolved: undefined };
      cache.set(key, entry, { ttl: NEGATIVE_TTL_MS });
      negativeKeys.add(key);
      return entry;
    }
    const resolved = shareablePrepared(stored);
    const entry: Entry<TPrepared> = { resolved };
    cache.set(key, entry);
    let keys = keysByTenant.get(stored.tenant.id);
    if (keys === undefined) {
      keys = new Set();
      keysByTenant.set(stored.tenant.id, keys);
    }
    keys.add(key);
    return entry;
  }

  // Two keys of the same tenant version reuse one prepared object instead of rebuilding it.
  const preparedByTenant = new LRUCache<string, ResolvedTenant<TPrepared>>({
    max: options.maxEntries,
  });
  function shareablePrepared(stored: StoredTenant): ResolvedTenant<TPrepared> {
    const existing = preparedByTenant.get(stored.tenant.id);
    if (existing !== undefined && existing.version === stored.version) return existing;
    const resolved = {
      tenant: stored.tenant,
      version: stored.version,
      prepared: options.prepare(stored.tenant),
    };
    preparedByTenant.set(stored.tenant.id, resolved);
    return resolved;
  }

  async function lookup(
    key: string,
    load: () => Promise<StoredTenant | undefined>,
  ): Promise<ResolveResult<TPrepared>> {
    const hit = cache.get(key);
    if (hit !== undefined) return { resolved: hit.resolved, tier: "memory" };
    const entry = remember(key, await load());
    return { resolved: entry.resolved, tier: "database" };
  }

  return {
    async resolve(dialed) {
      if (dialed.vapiPhoneNumberId !== undefined && dialed.vapiPhoneNumberId.length > 0) {
        const id = dialed.vapiPhoneNumberId;
        const byId = await lookup(`pn:${id}`, () => options.repo.findByVapiPhoneNumberId(id));
        if (byId.resolved !== undefined) return byId;
      }
      const e164 = dialed.number === undefined ? undefined : normalizeE164(dialed.number);
      if (e164 !== undefined) {
        return lookup(`num:${e164}`, () => options.repo.findByNumber(e164));
      }
      return { resolved: undefined, tier: "none" };
    },

    resolveById(tenantId) {
      return lookup(`tenant:${tenantId}`, () => options.repo.findById(tenantId));
    },

    invalidate(tenantId) {
      for (const key of keysByTenant.get(tenantId) ?? []) cache.delete(key);
      keysByTenant.delete(tenantId);
      preparedByTenant.delete(tenantId);
      for (const key of negativeKeys) cache.delete(key);
      negativeKeys.clear();
    },

    clear() {
      cache.clear();
      keysByTenant.clear();
      preparedByTenant.clear();
      negativeKeys.clear();
    },

    get size() {
      return cache.size;
    },
  };
}
