import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { tenantChangeChannel } from "../../src/tenants/redis-tenant-cache.js";

export type TestStore = "sqlite" | "postgres";

export const POSTGRES_URL =
  process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

export interface TestDatabase {
  url: string;
  /** PostgreSQL schema owned by this test file (undefined for SQLite). */
  postgresSchema: string | undefined;
  drop(): Promise<void>;
}

/** A fresh SQLite file in its own temp folder. */
export function createSqliteTestDatabase(): TestDatabase {
  const dir = mkdtempSync(join(tmpdir(), "frontdesk-test-"));
  return {
    url: join(dir, "frontdesk.db"),
    postgresSchema: undefined,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A fresh PostgreSQL schema on the shared test server, dropped afterwards. */
export function createPostgresTestDatabase(): TestDatabase {
  const schema = `t_${randomUUID().replaceAll("-", "").slice(0, 20)}`;
  return {
    url: POSTGRES_URL,
    postgresSchema: schema,
    drop: async () => {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      try {
        await client.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await client.end();
      }
    },
  };
}

/**
 * Whether PostgreSQL answers. Under CI=true a missing server is a failure, not a skip
 * (DEVELOPERS.md); elsewhere tests may skip with a loud note.
 */
export async function isPostgresAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch (error) {
    if (process.env.CI === "true") {
      throw new Error(
        `PostgreSQL is required under CI=true but is not reachable at ${POSTGRES_URL}`,
        { cause: error },
      );
    }
    process.stderr.write(
      `\n*** PostgreSQL not reachable at ${POSTGRES_URL}: PostgreSQL tests are SKIPPED ***\n\n`,
    );
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The stores a dual-store suite runs against: SQLite always, PostgreSQL when reachable. */
export async function availableStores(): Promise<TestStore[]> {
  return (await isPostgresAvailable()) ? ["sqlite", "postgres"] : ["sqlite"];
}

export function createTestDatabase(store: TestStore): TestDatabase {
  return store === "postgres" ? createPostgresTestDatabase() : createSqliteTestDatabase();
}

/** Whether Redis answers; under CI=true a missing Redis is a failure, not a skip. */
export async function isRedisAvailable(): Promise<boolean> {
  const { Redis } = await import("ioredis");
  const client = new Redis(REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
  });
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch (error) {
    if (process.env.CI === "true") {
      throw new Error(`Redis is required under CI=true but is not reachable at ${REDIS_URL}`, {
        cause: error,
      });
    }
    process.stderr.write(
      `\n*** Redis not reachable at ${REDIS_URL}: Redis tests are SKIPPED ***\n\n`,
    );
    return false;
  } finally {
    client.disconnect();
  }
}

/**
 * Waits until `count` connections listen for tenant changes under `prefix` (Redis's PUBSUB
 * NUMSUB). An instance subscribes in the background after it starts, and the resync it does
 * once connected drops what it had cached: a test that warms a cache before then may see the
 * copy vanish, and a change published before then is not heard. A fixed pause was not enough
 * on a loaded CI machine.
 */
export async function waitForTenantChangeSubscribers(
  prefix: string,
  count: number,
  { url = REDIS_URL, withinMs = 10_000 }: { url?: string; withinMs?: number } = {},
): Promise<void> {
  const { Redis } = await import("ioredis");
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  client.on("error", () => undefined);
  const channel = tenantChangeChannel(prefix);
  try {
    const deadline = Date.now() + withinMs;
    for (;;) {
      const reply = (await client.pubsub("NUMSUB", channel)) as [string, number];
      if (Number(reply[1]) >= count) return;
      if (Date.now() >= deadline) {
        throw new Error(
          `${String(reply[1])} of ${count} subscribers on ${channel} after ${withinMs} ms`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    client.disconnect();
  }
}

/** A key prefix no other test run uses, for REDIS_KEY_PREFIX. */
export function uniqueRedisPrefix(): string {
  return `fdtest:${randomUUID().slice(0, 12)}:`;
}
