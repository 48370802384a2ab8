import { Writable } from "node:stream";
import { buildApp } from "../../src/app.js";
import type { Clock } from "../../src/clock.js";
import { loadConfig, type Config } from "../../src/config.js";
import { createDeps, type Deps } from "../../src/deps.js";
import { createTestDatabase, type TestDatabase, type TestStore } from "./test-database.js";

export interface StartServerOptions {
  /** Environment overrides on top of the test defaults (strings, as in a real environment). */
  env?: Record<string, string | undefined>;
  store?: TestStore;
  clock?: Clock;
  /** Share another server's database (several instances); the owner drops it, not this server. */
  database?: TestDatabase;
}

export interface TestServer {
  url: string;
  config: Config;
  deps: Deps;
  database: TestDatabase;
  /** Every log line the server wrote, parsed. */
  logs: Record<string, unknown>[];
  /** POSTs a JSON string or object to /vapi/webhook with extra headers. */
  postWebhook(body: unknown, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

/**
 * Starts the real app (real config parsing, real deps, a fresh database) on 127.0.0.1:0.
 * Register `close` in an afterAll/afterEach hook.
 */
export async function startTestServer(options: StartServerOptions = {}): Promise<TestServer> {
  const ownsDatabase = options.database === undefined;
  const database = options.database ?? createTestDatabase(options.store ?? "sqlite");
  const config = loadConfig({
    NODE_ENV: "test",
    LOG_LEVEL: "debug",
    DATABASE_URL: database.url,
    HOST: "127.0.0.1",
    PORT: "0",
    ...options.env,
  });
  const deps = await createDeps(config, {
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(database.postgresSchema === undefined ? {} : { postgresSchema: database.postgresSchema }),
  });
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (line.trim() !== "") logs.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  const app = await buildApp({ config, deps, logStream: sink });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error("server has no TCP address");
  const url = `http://127.0.0.1:${address.port}`;

  return {
    url,
    config,
    deps,
    database,
    logs,
    postWebhook: (body, headers = {}) =>
      fetch(`${url}/vapi/webhook`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: typeof body === "string" || Buffer.isBuffer(body) ? body : JSON.stringify(body),
      }),
    async close() {
      await app.close();
      await deps.close();
      if (ownsDatabase) await database.drop();
    },
  };
}
