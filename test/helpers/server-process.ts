import { randomUUID } from "node:crypto";
import pg from "pg";
import { loadConfig } from "../../src/config.js";
import { createDeps, type Deps } from "../../src/deps.js";
import { createSqliteTestDatabase, POSTGRES_URL, type TestStore } from "./test-database.js";
import { spawnTsxProcess, type LogLine, type TsxProcess } from "./tsx-process.js";

/*
 * The real server (src/server.ts → startServer(process.env)) in a child process (see
 * tsx-process.ts; `killTsxProcesses` ends it), and a database such a process can be pointed at.
 */

export interface ServerProcess extends TsxProcess {
  pid: number;
  /** `http://127.0.0.1:<port>` once listening. */
  url: string;
  port: number;
}

/** Fastify's line once the server listens (on 127.0.0.1, as `spawnServerProcess` asks). */
export function isListeningLine(line: LogLine): boolean {
  return (
    typeof line.msg === "string" && line.msg.startsWith("Server listening at http://127.0.0.1:")
  );
}

/**
 * Spawns the server on 127.0.0.1, port 0, NODE_ENV=test, LOG_LEVEL=info (each unless `env` says
 * otherwise), with only that environment (plus PATH and HOME). Does not wait: for a server
 * expected to refuse to start; otherwise use `startServerProcess`.
 */
export function spawnServerProcess(env: Record<string, string>): TsxProcess {
  return spawnTsxProcess("src/server.ts", {
    NODE_ENV: "test",
    LOG_LEVEL: "info",
    HOST: "127.0.0.1",
    PORT: "0",
    ...env,
  });
}

/**
 * `spawnServerProcess`, then waits until it listens.
 * @throws if it exits or does not listen within 30 s (with its stderr in the message); it is
 * killed then.
 */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const server = spawnServerProcess(env);
  const listening = await server.waitForLine(isListeningLine).catch((error: unknown) => {
    server.signal("SIGKILL");
    throw error;
  });
  const url = String(listening.msg).replace("Server listening at ", "");
  const pid = server.child.pid;
  if (pid === undefined) throw new Error("server process has no pid");
  return { ...server, pid, url, port: Number(new URL(url).port) };
}

export interface ProcessDatabase {
  store: TestStore;
  /** DATABASE_URL for the server. */
  url: string;
  /**
   * The test's own connection to it, opened (and so migrated) before any server runs: to import
   * tenants as `frontdesk tenants import` would, and to read what the server stored.
   */
  deps: Deps;
  /** Closes `deps`, then drops the database. */
  drop(): Promise<void>;
}

/**
 * A database a server process can use as-is, with the test's own connection to it: a fresh
 * SQLite file, or a fresh PostgreSQL database (see `createEmptyDatabase`).
 */
export async function createProcessDatabase(store: TestStore): Promise<ProcessDatabase> {
  const database = await createEmptyDatabase(store);
  const deps = await createDeps(
    loadConfig({ NODE_ENV: "test", DATABASE_URL: database.url, LOG_LEVEL: "silent" }),
  ).catch(async (error: unknown) => {
    await database.drop();
    throw error;
  });
  return {
    store,
    url: database.url,
    deps,
    drop: async () => {
      await deps.close();
      await database.drop();
    },
  };
}

/**
 * A fresh SQLite file, or a fresh PostgreSQL *database* (a schema cannot be passed through
 * DATABASE_URL, and the server must run exactly as configured in production), dropped with its
 * connections afterwards.
 */
async function createEmptyDatabase(
  store: TestStore,
): Promise<{ url: string; drop(): Promise<void> }> {
  if (store === "sqlite") return createSqliteTestDatabase();
  const name = `fd_${randomUUID().replaceAll("-", "").slice(0, 20)}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`create database "${name}"`);
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin(`drop database if exists "${name}" with (force)`),
  };
}
