import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, PostgresDialect } from "kysely";
import { createRequire } from "node:module";
import type pg from "pg";
import { statementNameOf } from "./prepared-query.js";
import type { Database } from "./schema.js";
import { startBackgroundCheckpoints, type CheckpointMode } from "./sqlite-checkpointer.js";
import { BUSY_WAIT_MS, FairSqliteDialect } from "./sqlite-dialect.js";

/** SQLite's page cache per connection, in KiB (SQLite's own default). */
const SQLITE_CACHE_KIB = 2000;

export type DatabaseDialect = "sqlite" | "postgres";

export interface DatabaseHandle {
  db: Kysely<Database>;
  dialect: DatabaseDialect;
  close(): Promise<void>;
}

export interface CreateDatabaseOptions {
  /** A file path or `:memory:` for SQLite, a `postgres://` / `postgresql://` URL for PostgreSQL. */
  url: string;
  /** PostgreSQL schema to use (tests give each file its own); created when missing. */
  postgresSchema?: string;
  /** PostgreSQL pool size. Default 10. */
  poolSize?: number;
  /**
   * SQLite files only: `background` checkpoints the WAL on a worker thread instead of inside
   * the COMMIT that fills it (src/db/sqlite-checkpointer.ts). Default `inline`, SQLite's own.
   */
  sqliteCheckpoints?: CheckpointMode;
  /** Told when background checkpoints fail and fall back to inline ones. */
  onCheckpointFallback?: (error: unknown) => void;
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/** Opens the configured database. No query runs until first use. */
export function createDatabase(options: CreateDatabaseOptions): DatabaseHandle {
  if (isPostgresUrl(options.url)) return createPostgres(options);
  return createSqlite(options);
}

function createSqlite(options: CreateDatabaseOptions): DatabaseHandle {
  const file = options.url.replace(/^sqlite:(\/\/)?/i, "");
  const inMemory = file === ":memory:";
  if (!inMemory) mkdirSync(dirname(file), { recursive: true });
  const sqlite = new SQLite(file);
  applySqliteSettings(sqlite);
  const checkpointer =
    options.sqliteCheckpoints === "background" && !inMemory
      ? startBackgroundCheckpoints(sqlite, file, { onFallback: options.onCheckpointFallback })
      : undefined;
  const db = new Kysely<Database>({ dialect: new FairSqliteDialect(sqlite) });
  return {
    db,
    dialect: "sqlite",
    close: async () => {
      // First, so that the main connection is the last one and its close can clean up the WAL.
      await checkpointer?.stop();
      await db.destroy();
    },
  };
}

/** frontdesk's settings for a SQLite connection (also used by bench/storage-floor.ts). */
export function applySqliteSettings(sqlite: SQLite.Database): void {
  // WAL lets readers proceed during writes; NORMAL sync is durable across process crashes
  // (only an OS crash can lose the last transactions), which is SQLite's recommended WAL pairing.
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma(`busy_timeout = ${BUSY_WAIT_MS}`);
  // better-sqlite3 builds SQLite with a 16 MB page cache (SQLite's own default is 2 MB). A
  // scan of the 10,000-tenant table filled all of it within a second of start-up, 16 MB of the
  // process's RSS for pages the OS file cache holds anyway (a miss here is a read() from it).
  sqlite.pragma(`cache_size = -${SQLITE_CACHE_KIB}`);
}

function createPostgres(options: CreateDatabaseOptions): DatabaseHandle {
  const schema = options.postgresSchema;
  // Loaded only for PostgreSQL: the embedded default has no use for the driver's memory.
  const { Pool } = createRequire(import.meta.url)("pg") as typeof pg;
  const pool = new Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    // A stopped or unreachable server must fail fast rather than hang a webhook.
    connectionTimeoutMillis: 3000,
    ...(schema === undefined ? {} : { options: `-c search_path=${quoteIdentifier(schema)}` }),
  });
  // An idle client erroring (server restart) must not crash the process; the pool replaces it.
  pool.on("error", () => undefined);
  // The pool listens for errors only on idle clients. A checked-out client between two queries
  // (inside a transaction) whose server goes away emits "error" with nobody listening, which
  // would crash the process; its next query fails instead, and the pool drops it on release.
  pool.on("connect", (client) => {
    client.on("error", () => undefined);
    useNamedStatements(client);
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: "postgres",
    close: () => db.destroy(),
  };
}

/**
 * Runs the hot queries (those of `prepareQuery`, recognised by their SQL text) as named
 * statements: the server parses and plans each once per connection and afterwards only binds
 * and executes it, and the client sends a shorter message. Kysely passes every query as
 * `query(text, values)`; all other SQL goes through unchanged (unnamed, parsed each time), so
 * the statements a connection keeps stay a small fixed set.
 */
function useNamedStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const named = (config: unknown, values?: unknown, callback?: unknown): unknown => {
    const name =
      typeof config === "string" && Array.isArray(values) ? statementNameOf(config) : undefined;
    return name === undefined
      ? query(config, values, callback)
      : query({ name, text: config, values }, callback);
  };
  client.query = named as typeof client.query;
}

export function quoteIdentifier(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) throw new Error(`unsafe identifier: ${name}`);
  return `"${name}"`;
}
