import { randomBytes } from "node:crypto";
import { copyFile, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import pg from "pg";

/*
 * The stores a benchmark run's server uses: a fresh SQLite file or a fresh PostgreSQL database
 * on the shared server (created per run, dropped after), and optionally Redis with a key prefix
 * of its own (deleted after). Nothing here touches data it did not create.
 */

export type StoreKind = "sqlite" | "postgres";

export interface StoreSettings {
  /** Maintenance connection to the PostgreSQL server (databases are created through it). */
  postgresAdminUrl: string;
  redisUrl: string;
}

/** What a run's server gets: its DATABASE_URL (and Redis settings) and how to remove it all. */
export interface RunStore {
  kind: StoreKind;
  redis: boolean;
  env: Record<string, string>;
  /** Human-readable location, for failures. */
  label: string;
  drop(): Promise<void>;
}

/** A database filled once (the 10,000-tenant set) that each run gets a fresh copy of. */
export interface StoreTemplate {
  kind: StoreKind;
  /** SQLite file path, or PostgreSQL database name. */
  location: string;
}

const BENCH_DATABASE_PREFIX = "frontdesk_bench_";

function randomName(): string {
  return randomBytes(6).toString("hex");
}

/** `postgres://user@host:port/other` → the same server, database `name`. */
export function postgresUrlFor(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function withAdmin<T>(adminUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function quote(name: string): string {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`unexpected database name ${name}`);
  return `"${name}"`;
}

export async function createPostgresDatabase(adminUrl: string, template?: string): Promise<string> {
  const name = `${BENCH_DATABASE_PREFIX}${randomName()}`;
  await withAdmin(adminUrl, (client) =>
    client.query(
      `CREATE DATABASE ${quote(name)}${template === undefined ? "" : ` TEMPLATE ${quote(template)}`}`,
    ),
  );
  return name;
}

export async function dropPostgresDatabase(adminUrl: string, name: string): Promise<void> {
  await withAdmin(adminUrl, (client) =>
    client.query(`DROP DATABASE IF EXISTS ${quote(name)} WITH (FORCE)`),
  );
}

/** Deletes every key under `prefix` (the run's own namespace). */
export async function deleteRedisPrefix(redisUrl: string, prefix: string): Promise<number> {
  if (prefix.length < 8) throw new Error(`refusing to delete a short Redis prefix "${prefix}"`);
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 2000 });
  redis.on("error", () => undefined);
  let deleted = 0;
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
  return deleted;
}

/**
 * A fresh store for one run: `workDir/frontdesk.db` or a new PostgreSQL database (a copy of
 * `template` when given), plus a Redis prefix of its own when `redis` is set.
 */
export async function createRunStore(options: {
  kind: StoreKind;
  redis: boolean;
  workDir: string;
  settings: StoreSettings;
  template?: StoreTemplate | undefined;
}): Promise<RunStore> {
  const { kind, redis, workDir, settings, template } = options;
  const env: Record<string, string> = {};
  const drops: (() => Promise<unknown>)[] = [];
  let label: string;
  if (kind === "sqlite") {
    const file = join(workDir, "frontdesk.db");
    if (template !== undefined) await copySqlite(template.location, file);
    env.DATABASE_URL = file;
    label = file;
  } else {
    const name = await createPostgresDatabase(settings.postgresAdminUrl, template?.location);
    env.DATABASE_URL = postgresUrlFor(settings.postgresAdminUrl, name);
    label = `PostgreSQL database ${name}`;
    drops.push(() => dropPostgresDatabase(settings.postgresAdminUrl, name));
  }
  if (redis) {
    const prefix = `frontdesk-bench-${randomName()}:`;
    env.REDIS_URL = settings.redisUrl;
    env.REDIS_KEY_PREFIX = prefix;
    label += ` + Redis prefix ${prefix}`;
    drops.push(() => deleteRedisPrefix(settings.redisUrl, prefix));
  }
  return {
    kind,
    redis,
    env,
    label,
    async drop() {
      const results = await Promise.allSettled(drops.map((drop) => drop()));
      const failed = results.find((result) => result.status === "rejected");
      if (failed !== undefined) throw failed.reason;
    },
  };
}

async function copySqlite(from: string, to: string): Promise<void> {
  await copyFile(from, to);
  // The importing CLI closed its connection, which checkpoints the WAL; copy one if it is left.
  for (const suffix of ["-wal", "-shm"]) {
    const exists = await stat(from + suffix).then(
      () => true,
      () => false,
    );
    if (exists) await copyFile(from + suffix, to + suffix);
  }
}

/** An empty template location: a SQLite file in its own temp directory or a new database. */
export async function createTemplateLocation(
  kind: StoreKind,
  settings: StoreSettings,
): Promise<{ template: StoreTemplate; databaseUrl: string; remove(): Promise<void> }> {
  if (kind === "sqlite") {
    const dir = await mkdtemp(join(tmpdir(), "frontdesk-bench-template-"));
    const file = join(dir, "template.db");
    return {
      template: { kind, location: file },
      databaseUrl: file,
      remove: () => rm(dir, { recursive: true, force: true }),
    };
  }
  const name = await createPostgresDatabase(settings.postgresAdminUrl);
  return {
    template: { kind, location: name },
    databaseUrl: postgresUrlFor(settings.postgresAdminUrl, name),
    remove: () => dropPostgresDatabase(settings.postgresAdminUrl, name),
  };
}
