import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import type * as Ioredis from "ioredis";
import type { Redis } from "ioredis";
import type { Kysely } from "kysely";
import { systemClock, type Clock } from "./clock.js";
import { createCallRepo, type CallRepo } from "./calls/call-repo.js";
import type { Config } from "./config.js";
import { createDatabase, type DatabaseDialect, type DatabaseHandle } from "./db/kysely.js";
import type { Database } from "./db/schema.js";
import { migrateToLatest } from "./db/migrate.js";
import { createMetrics, type Metrics } from "./metrics/create-metrics.js";
import { createEventRelay, type EventRelay } from "./event-relay.js";
import { createJobQueue } from "./jobs/create-job-queue.js";
import type { JobQueue } from "./jobs/queue.js";
import { createRedisTenantCache } from "./tenants/redis-tenant-cache.js";
import {
  createTenantResolver,
  type ResolverEvent,
  type TenantResolver,
} from "./tenants/resolve-tenant.js";
import { createTenantChangeFeed } from "./tenants/tenant-change-feed.js";
import {
  createTenantRepo,
  documentLengthOf,
  type StoredTenant,
  type TenantRepo,
} from "./tenants/tenant-repo.js";
import { createToolRegistry, type ToolRegistry } from "./tools/registry.js";
import { ALL_TOOLS } from "./tools/all-tools.js";
import { prepareAssistant, type PreparedAssistant } from "./vapi/build-assistant.js";

/** Every I/O client and shared service, built once per process and closed once. */
export interface Deps {
  db: Kysely<Database>;
  dialect: DatabaseDialect;
  redis: Redis | undefined;
  tenants: TenantRepo;
  calls: CallRepo;
  resolver: TenantResolver<PreparedAssistant>;
  registry: ToolRegistry;
  clock: Clock;
  /** Background jobs: BullMQ with REDIS_URL, else the database. Consumed only by started workers. */
  jobs: JobQueue;
  /** Cache events (Redis errors, stale answers) for the app to log and count. */
  resolverEvents: EventRelay<ResolverEvent>;
  /** Storage events for the process to log: background SQLite checkpoints falling back inline. */
  databaseEvents: EventRelay<DatabaseEvent>;
  /** This app's Prometheus registry and typed recorders (never prom-client's global one). */
  metrics: Metrics;
  close(): Promise<void>;
}

export interface CreateDepsOptions {
  clock?: Clock;
  /** PostgreSQL schema (tests give each file its own). */
  postgresSchema?: string;
  /** Run migrations before returning (the server does; CLI commands that only read may not). */
  migrate?: boolean;
}

export type DatabaseEvent = { type: "checkpoint-fallback"; error: unknown };

export async function createDeps(config: Config, options: CreateDepsOptions = {}): Promise<Deps> {
  const databaseEvents = createEventRelay<DatabaseEvent>();
  const handle: DatabaseHandle = createDatabase({
    url: config.databaseUrl,
    ...(options.postgresSchema === undefined ? {} : { postgresSchema: options.postgresSchema }),
    sqliteCheckpoints: config.sqliteCheckpoints,
    onCheckpointFallback: (error) => databaseEvents.emit({ type: "checkpoint-fallback", error }),
  });
  try {
    if (options.migrate ?? true) {
      await migrateToLatest(
        handle,
        options.postgresSchema === undefined ? {} : { postgresSchema: options.postgresSchema },
      );
    }
  } catch (error) {
    await handle.close();
    throw error;
  }

  const redis =
    config.redisUrl === undefined
      ? undefined
      : new (loadIoredis().Redis)(config.redisUrl, {
          // Never queue commands while Redis is down: callers skip Redis and carry on.
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          connectTimeout: 2000,
          lazyConnect: false,
        });
  // Connection errors are reported by readiness checks; unhandled they would crash the process.
  redis?.on("error", () => undefined);

  const clock = options.clock ?? systemClock;
  const jobs = createJobQueue({
    config,
    db: handle.db,
    dialect: handle.dialect,
    clock,
    // While this connection is down, jobs go straight to the database queue (no wait on BullMQ).
    isRedisReachable: () => redis?.status === "ready",
  });
  const resolverEvents = createEventRelay<ResolverEvent>();
  const registry = createToolRegistry(ALL_TOOLS);
  // Names this process in the tenant changes it writes (its own change feed skips them).
  const origin = randomUUID();
  const tenants = createTenantRepo(handle.db, { origin });
  const metrics = createMetrics({
    isKnownTool: (name) => registry.has(name),
    tenantCacheEntries: () => resolver.size,
  });
  resolverEvents.on((event) => metrics.observeResolverEvent(event));
  // Read at every scrape, each part of a fallback queue under its own label (BullMQ and the
  // database); a failed read leaves that series out and is logged by the metrics route.
  const unwatchQueueDepth = (jobs.parts ?? [jobs]).map((part) =>
    metrics.jobs.watchQueueDepth(part.kind, () => part.depth()),
  );
  const resolver = createTenantResolver<PreparedAssistant>({
    repo: tenants,
    prepare: (tenant) =>
      prepareAssistant(tenant, {
        registry,
        defaults: config.defaults,
        publicUrl: config.publicUrl,
      }),
    ttlSeconds: config.tenantCache.ttlSeconds,
    maxEntries: config.tenantCache.maxEntries,
    maxBytes: config.tenantCache.maxBytes,
    weigh: weighCachedTenant,
    clock,
    shared:
      redis === undefined
        ? undefined
        : createRedisTenantCache({
            redis,
            keyPrefix: config.redisKeyPrefix,
            ttlSeconds: config.tenantCache.ttlSeconds,
          }),
    // With Redis, changes travel by pub/sub; without it, every process reads them from the
    // database (other workers, other instances, the CLI).
    changes:
      redis === undefined
        ? createTenantChangeFeed({
            db: handle.db,
            origin,
            clock,
            pollIntervalMs: config.tenantCache.changePollMs,
            onError: (error) => resolverEvents.emit({ type: "change-feed-error", error }),
          })
        : undefined,
    onEvent: (event) => resolverEvents.emit(event),
  });
  resolver.start();

  return {
    db: handle.db,
    dialect: handle.dialect,
    redis,
    tenants,
    calls: createCallRepo(handle.db),
    resolver,
    registry,
    clock,
    jobs,
    resolverEvents,
    databaseEvents,
    metrics,
    async close() {
      resolver.stop();
      for (const unwatch of unwatchQueueDepth) unwatch();
      await jobs.close();
      redis?.disconnect();
      await handle.close();
    },
  };
}

/** The Redis client is loaded only when REDIS_URL is set (it costs memory in every process). */
function loadIoredis(): typeof Ioredis {
  return createRequire(import.meta.url)("ioredis") as typeof Ioredis;
}

/**
 * About what a cached tenant holds on the heap: its parsed document (measured at 1.9 times its
 * JSON text with the example tenant) and its assistant template; of the text itself only a
 * digest is kept. The example tenant: 2.3 KB of text, 4.2 + 6.2 KB measured (12.7 KB while the
 * text was held), 10.8 KB estimated.
 */
function weighCachedTenant(stored: StoredTenant, prepared: PreparedAssistant): number {
  const documentLength = documentLengthOf(stored) ?? JSON.stringify(stored.tenant).length;
  return 2 * documentLength + prepared.textLength;
}
