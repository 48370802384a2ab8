import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type * as Ioredis from "ioredis";
import process from "node:process";
import { parseArgs } from "node:util";
import { ConfigError, loadConfig, type Config } from "../config.js";
import { createDatabase } from "../db/kysely.js";
import { migrateToLatest } from "../db/migrate.js";
import { isAppError } from "../errors.js";
import { startCluster } from "../cluster.js";
import { startWorkerProcess } from "../jobs/start-worker-process.js";
import { startServer } from "../main.js";
import { isClientCommand, runClientCommand } from "./client-commands.js";
import { parseTenantFile } from "../tenants/parse-tenant-file.js";
import { createRedisTenantCache } from "../tenants/redis-tenant-cache.js";
import { createTenantRepo } from "../tenants/tenant-repo.js";

const USAGE = `Usage: frontdesk <command> [options]

Commands:
  serve [--workers N]         Start the webhook server; N processes share the port (0 = one per CPU)
  worker                      Run the job workers (notifications, retention) without the server
  migrate                     Bring the database schema up to date
  tenants import FILE...      Upsert tenants from JSON or YAML files (one document or an array)
  tenants list [--json]       List tenants with their phone numbers
  tenants show ID             Print one tenant document as JSON
  tenants export              Print every tenant document as a JSON array
  tenants delete ID           Delete a tenant and its phone numbers
  simulate --number E164 [--url URL] [--scenario booking|emergency|message|faq|all]
                              Play a whole signed Vapi call against a server and check every answer
  replay FILE... [--url URL]  Send captured Vapi payloads and show (and check) the answers
  sign [FILE]                 Print the headers a webhook body needs (for curl)

Configuration comes from the environment (see .env.example), e.g. DATABASE_URL.`;

type Output = { out: (line: string) => void; err: (line: string) => void };

/** Runs one CLI command; returns the process exit code. Exported for tests. */
export async function runCli(
  argv: string[],
  env: Record<string, string | undefined>,
  io: Output,
): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    io.out(USAGE);
    return command === undefined ? 1 : 0;
  }
  if (command === "worker") {
    await startWorkerProcess(env);
    return -1; // keeps running until SIGTERM/SIGINT
  }
  if (command === "serve") {
    const { values } = parseArgs({ args: rest, options: { workers: { type: "string" } } });
    if (values.workers === undefined) {
      await startServer(env);
    } else {
      const workers = Number(values.workers);
      if (!Number.isInteger(workers) || workers < 0 || workers > 64) {
        io.err("--workers must be a whole number from 0 (one per CPU) to 64");
        return 1;
      }
      await startCluster(workers, env);
    }
    return -1; // keeps running
  }
  let config: Config;
  try {
    config = loadConfig({
      ...env,
      NODE_ENV: env.NODE_ENV === "production" ? "production" : "development",
      VAPI_ALLOW_UNAUTHENTICATED: "true",
    });
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(error.message);
      return 1;
    }
    throw error;
  }
  // These talk to a running server over HTTP and only need the webhook credentials.
  if (isClientCommand(command)) return runClientCommand(command, rest, config, io);
  const handle = createDatabase({ url: config.databaseUrl });
  try {
    await migrateToLatest(handle);
    const repo = createTenantRepo(handle.db);
    if (command === "migrate") {
      io.out(
        `database at ${handle.dialect === "sqlite" ? config.databaseUrl : "PostgreSQL"} is up to date`,
      );
      return 0;
    }
    if (command === "tenants") {
      const notifier = createChangeNotifier(config, io);
      try {
        return await tenantsCommand(rest, repo, io, notifier.notify);
      } finally {
        notifier.close();
      }
    }
    io.err(`unknown command "${command}"\n\n${USAGE}`);
    return 1;
  } catch (error) {
    if (isAppError(error)) {
      io.err(`error: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    await handle.close();
  }
}

/**
 * Tells running servers about tenant changes through Redis (they drop their cached copies within
 * about a second). Without Redis they pick changes up when their cache entries expire.
 */
function createChangeNotifier(config: Config, io: Output) {
  if (config.redisUrl === undefined) {
    return { notify: async (_ids: string[]) => undefined, close: () => undefined };
  }
  // Loaded here only: `frontdesk serve` runs through this file and should not pay for it.
  const { Redis } = createRequire(import.meta.url)("ioredis") as typeof Ioredis;
  const redis = new Redis(config.redisUrl, { connectTimeout: 2000, maxRetriesPerRequest: 1 });
  redis.on("error", () => undefined);
  const cache = createRedisTenantCache({
    redis,
    keyPrefix: config.redisKeyPrefix,
    ttlSeconds: config.tenantCache.ttlSeconds,
  });
  return {
    notify: async (ids: string[]) => {
      try {
        for (const id of ids) await cache.publishChange(id);
      } catch (error) {
        io.err(
          `warning: could not notify running servers through Redis (${error instanceof Error ? error.message : "unknown error"}); they will see the change within TENANT_CACHE_TTL_SECONDS`,
        );
      }
    },
    close: () => redis.disconnect(),
  };
}

async function tenantsCommand(
  args: string[],
  repo: ReturnType<typeof createTenantRepo>,
  io: Output,
  notify: (tenantIds: string[]) => Promise<void>,
): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { json: { type: "boolean" } },
  });
  switch (sub) {
    case "import": {
      if (positionals.length === 0) {
        io.err("usage: frontdesk tenants import FILE...");
        return 1;
      }
      const all = [];
      let failed = false;
      const seenIn = new Map<string, string>();
      for (const file of positionals) {
        let text: string;
        try {
          text = await readFile(file, "utf8");
        } catch (error) {
          // A typo in a path is an operator mistake, not a crash with a stack trace.
          failed = true;
          io.err(
            `${file}: cannot be read: ${error instanceof Error ? error.message : String(error)}`,
          );
          continue;
        }
        const parsed = parseTenantFile(text, file);
        if (!parsed.ok) {
          failed = true;
          for (const issue of parsed.issues) io.err(`${file}: ${issue.path}: ${issue.message}`);
        } else {
          for (const tenant of parsed.tenants) {
            const earlier = seenIn.get(tenant.id);
            if (earlier !== undefined) {
              failed = true;
              io.err(`${file}: tenant "${tenant.id}" is also defined in ${earlier}`);
            }
            seenIn.set(tenant.id, file);
          }
          all.push(...parsed.tenants);
        }
      }
      if (failed) {
        io.err("nothing was imported");
        return 1;
      }
      const started = performance.now();
      const { created, updated } = await repo.upsertMany(all, new Date().toISOString());
      await notify(all.map((tenant) => tenant.id));
      io.out(
        `imported ${all.length} tenant(s): ${created} created, ${updated} updated in ${Math.round(performance.now() - started)} ms`,
      );
      return 0;
    }
    case "list": {
      const rows = [];
      let after: string | undefined;
      for (;;) {
        const page = await repo.list({ limit: 500, after });
        rows.push(...page);
        if (page.length < 500) break;
        after = page[page.length - 1]?.id;
      }
      if (values.json === true) io.out(JSON.stringify(rows, null, 2));
      else if (rows.length === 0) io.out("no tenants");
      else
        for (const row of rows)
          io.out(`${row.id}\t${row.name}\t${row.timezone}\t${row.phoneNumbers.join(",")}`);
      return 0;
    }
    case "show": {
      const id = positionals[0];
      const found = id === undefined ? undefined : await repo.findById(id);
      if (found === undefined) {
        io.err(`no tenant "${id ?? ""}"`);
        return 1;
      }
      io.out(JSON.stringify(found.tenant, null, 2));
      return 0;
    }
    case "export": {
      const documents = [];
      let after: string | undefined;
      for (;;) {
        const page = await repo.list({ limit: 500, after });
        for (const row of page) {
          const found = await repo.findById(row.id);
          if (found !== undefined) documents.push(found.tenant);
        }
        if (page.length < 500) break;
        after = page[page.length - 1]?.id;
      }
      io.out(JSON.stringify(documents, null, 2));
      return 0;
    }
    case "delete": {
      const id = positionals[0];
      if (id === undefined) {
        io.err("usage: frontdesk tenants delete ID");
        return 1;
      }
      const deleted = await repo.delete(id, new Date().toISOString());
      if (deleted) await notify([id]);
      io.out(deleted ? `deleted ${id}` : `no tenant "${id}"`);
      return deleted ? 0 : 1;
    }
    default:
      io.err(`unknown tenants command "${sub ?? ""}"\n\n${USAGE}`);
      return 1;
  }
}

const isEntry =
  process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isEntry || process.argv[1]?.endsWith("bin/frontdesk.js")) {
  const code = await runCli(process.argv.slice(2), process.env, {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
  if (code >= 0) process.exitCode = code;
}
