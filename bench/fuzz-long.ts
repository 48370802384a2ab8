/**
 * The long fuzz run: the generator of test/integration/security/webhook-fuzz.test.ts, for
 * 100,000 requests by default, against the real server in its own process (so its memory is
 * its own), with the server's resident memory sampled as it goes to show that it stays steady.
 *
 *   npx tsx bench/fuzz-long.ts                       # 100,000 requests, 8 at a time
 *   npx tsx bench/fuzz-long.ts --requests 5000 --concurrency 4 --seed 42
 *   npx tsx bench/fuzz-long.ts --store postgres      # a new database on the shared server
 *
 * The server is `src/server.ts` under tsx with NODE_ENV=production, LOG_LEVEL=warn, a fresh
 * store with one tenant (a SQLite file, or with `--store postgres` a database created on
 * `--postgres-url`'s server and dropped after), an HMAC key and BODY_LIMIT_BYTES=1 MiB, on a free
 * 127.0.0.1 port.
 * Every answer is checked against the documented contract (webhook-contract.ts). Exits non-zero
 * when any answer was a 5xx or broke the contract, a request failed, the server logged an error,
 * or it stopped answering.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import fc from "fast-check";
import { loadConfig } from "../src/config.js";
import { createDeps } from "../src/deps.js";
import { buildTenant } from "../test/helpers/factories.js";
import { signHmac } from "../test/helpers/sign.js";
import { assistantRequest } from "../test/fixtures/vapi/builders.js";
import {
  fuzzCaseArbitrary,
  renderFuzzCase,
  type FuzzTarget,
} from "../test/integration/security/fuzz-cases.js";
import { checkWebhookAnswer } from "../test/integration/security/webhook-contract.js";
import { createPostgresDatabase, dropPostgresDatabase, postgresUrlFor } from "./bench-stores.js";
import { findFreePort, startChildServer, type ChildServer } from "./child-server.js";

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const BODY_LIMIT_BYTES = 1024 * 1024;
const HMAC_KEY = "fuzz-long-hmac-key-8e1f4a2c";
// Cases are generated in batches, each from its own seed, so memory stays flat on our side too.
const BATCH = 500;
const SAMPLES = 20;

const { values: args } = parseArgs({
  options: {
    requests: { type: "string", default: "100000" },
    concurrency: { type: "string", default: "8" },
    seed: { type: "string" },
    store: { type: "string", default: "sqlite" },
    "postgres-url": { type: "string", default: "postgres://postgres@127.0.0.1:5432/postgres" },
    help: { type: "boolean", default: false },
  },
});
if (args.help === true) {
  process.stdout.write(
    "Usage: npx tsx bench/fuzz-long.ts [--requests N] [--concurrency N] [--seed N] [--store sqlite|postgres] [--postgres-url URL]\n",
  );
  process.exit(0);
}
if (args.store !== "sqlite" && args.store !== "postgres") {
  process.stderr.write(`--store must be sqlite or postgres, not ${args.store}\n`);
  process.exit(2);
}
const adminUrl = args["postgres-url"];
const total = Number(args.requests);
const concurrency = Number(args.concurrency);
const seed = args.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(args.seed);

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  return match?.[1] === undefined ? Number.NaN : Number(match[1]) / 1024;
}

async function heapUsedMb(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = /^nodejs_heap_size_used_bytes (\d+(?:\.\d+)?)/m.exec(text);
  return match?.[1] === undefined ? Number.NaN : Number(match[1]) / 1024 / 1024;
}

async function seedTenant(databaseUrl: string) {
  const config = loadConfig({
    NODE_ENV: "production",
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: "silent",
    VAPI_HMAC_SECRET: HMAC_KEY,
  });
  const deps = await createDeps(config);
  try {
    const tenant = buildTenant();
    await deps.tenants.upsertMany([tenant], new Date().toISOString());
    return tenant;
  } finally {
    await deps.close();
  }
}

interface Sample {
  done: number;
  rssMb: number;
  heapMb: number;
}

async function main(): Promise<number> {
  const workDir = await mkdtemp(join(tmpdir(), "frontdesk-fuzz-long-"));
  const postgresDatabase =
    args.store === "postgres" ? await createPostgresDatabase(adminUrl) : undefined;
  let server: ChildServer | undefined;
  try {
    const databaseUrl =
      postgresDatabase === undefined
        ? join(workDir, "frontdesk.db")
        : postgresUrlFor(adminUrl, postgresDatabase);
    const tenant = await seedTenant(databaseUrl);
    const phone = tenant.phoneNumbers[0];
    if (phone?.vapiPhoneNumberId === undefined) throw new Error("tenant without a phone id");
    const target: FuzzTarget = {
      tenantId: tenant.id,
      vapiPhoneNumberId: phone.vapiPhoneNumberId,
      number: phone.number,
      hmacSecret: HMAC_KEY,
      day: new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10),
    };
    const port = await findFreePort();
    server = await startChildServer({
      nodeArgs: ["--import", "tsx", join(REPO_ROOT, "src/server.ts")],
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        NODE_ENV: "production",
        HOST: "127.0.0.1",
        PORT: String(port),
        DATABASE_URL: databaseUrl,
        LOG_LEVEL: "warn",
        VAPI_HMAC_SECRET: HMAC_KEY,
        BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES),
      },
      cwd: REPO_ROOT,
      stdoutFile: join(workDir, "server.log"),
      stderrFile: join(workDir, "server.err"),
      port,
    });
    const running = server;
    const url = running.url;

    const statuses = new Map<number, number>();
    const violations: string[] = [];
    let violationCount = 0;
    let requestErrors = 0;
    let done = 0;
    let next = 0;
    const samples: Sample[] = [
      { done: 0, rssMb: rssMb(running.pid), heapMb: await heapUsedMb(url) },
    ];
    const sampleEvery = Math.max(1, Math.floor(total / SAMPLES));
    let batch: ReturnType<typeof renderFuzzCase>[] = [];
    let batchStart = 0;
    const arbitrary = fuzzCaseArbitrary();

    // Workers take the next index; cases of a batch are rendered when the batch is first needed.
    const requestAt = (index: number) => {
      if (index >= batchStart + batch.length || index < batchStart) {
        batchStart = index - (index % BATCH);
        batch = fc
          .sample(arbitrary, { numRuns: BATCH, seed: seed + batchStart / BATCH })
          .map((fuzzCase) => renderFuzzCase(fuzzCase, target, Date.now()));
      }
      return batch[index - batchStart];
    };

    const started = performance.now();
    async function worker() {
      for (let index = next++; index < total; index = next++) {
        const request = requestAt(index);
        if (request === undefined) continue;
        try {
          const response = await fetch(`${url}/vapi/webhook`, {
            method: "POST",
            headers: request.headers,
            body: request.body,
          });
          const answer = {
            status: response.status,
            contentType: response.headers.get("content-type"),
            requestId: response.headers.get("x-request-id"),
            text: await response.text(),
          };
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          const problems = checkWebhookAnswer(request, answer, {
            bodyLimitBytes: BODY_LIMIT_BYTES,
          });
          if (problems.length > 0) {
            violationCount += 1;
            if (violations.length < 5) violations.push(`#${index}: ${problems.join("; ")}`);
          }
        } catch (error) {
          requestErrors += 1;
          if (violations.length < 5) violations.push(`#${index}: request failed: ${String(error)}`);
        }
        done += 1;
        if (done % sampleEvery === 0) {
          samples.push({ done, rssMb: rssMb(running.pid), heapMb: await heapUsedMb(url) });
          process.stderr.write(`\r${done}/${total} requests`);
        }
      }
    }
    await Promise.all(Array.from({ length: concurrency }, () => worker()));
    const seconds = (performance.now() - started) / 1000;
    process.stderr.write("\n");

    const health = await fetch(`${url}/healthz`).then(
      (response) => response.status,
      () => 0,
    );
    const body = JSON.stringify(
      assistantRequest({ vapiPhoneNumberId: target.vapiPhoneNumberId, number: target.number }),
    );
    const control = await fetch(`${url}/vapi/webhook`, {
      method: "POST",
      headers: { "content-type": "application/json", ...signHmac(body, { secret: HMAC_KEY }) },
      body,
    })
      .then(
        async (response) =>
          (await response.json()) as { assistant?: { metadata?: { tenantId?: string } } },
      )
      .catch(() => undefined);
    const stillServing = health === 200 && control?.assistant?.metadata?.tenantId === tenant.id;
    const peakRss = Math.max(...running.peakRssMb().map((process_) => process_.mb));
    await running.stop();
    server = undefined;
    const logLines = (await readFile(join(workDir, "server.log"), "utf8"))
      .split("\n")
      .filter(Boolean);
    const errorLines = logLines.filter((line) => {
      try {
        return ((JSON.parse(line) as { level?: number }).level ?? 0) >= 50;
      } catch {
        return false;
      }
    });

    const warm = samples[Math.min(2, samples.length - 1)] ?? samples[0];
    const last = samples.at(-1);
    const fiveXx = [...statuses].filter(([status]) => status >= 500).reduce((n, [, c]) => n + c, 0);
    const lines = [
      `fuzz-long: ${total} requests on ${args.store}, concurrency ${concurrency}, seed ${seed}, ${seconds.toFixed(1)} s (${(total / seconds).toFixed(0)} req/s)`,
      `statuses: ${[...statuses]
        .sort(([a], [b]) => a - b)
        .map(([status, count]) => `${status}×${count}`)
        .join(" ")}`,
      `5xx: ${fiveXx}; contract violations: ${violationCount}; failed requests: ${requestErrors}; error log lines: ${errorLines.length}; still serving: ${stillServing}`,
      `server RSS MiB: boot ${samples[0]?.rssMb.toFixed(1)}, after ${warm?.done} requests ${warm?.rssMb.toFixed(1)}, end ${last?.rssMb.toFixed(1)}, peak ${peakRss.toFixed(1)}`,
      `server heap used MiB: boot ${samples[0]?.heapMb.toFixed(1)}, after ${warm?.done} ${warm?.heapMb.toFixed(1)}, end ${last?.heapMb.toFixed(1)}`,
      `RSS samples (requests: MiB): ${samples.map((sample) => `${sample.done}: ${sample.rssMb.toFixed(0)}`).join(", ")}`,
      ...violations.map((violation) => `  ${violation}`),
      ...errorLines.slice(0, 5).map((line) => `  error log: ${line.slice(0, 300)}`),
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
    const ok =
      fiveXx === 0 &&
      violationCount === 0 &&
      requestErrors === 0 &&
      errorLines.length === 0 &&
      stillServing;
    return ok ? 0 : 1;
  } finally {
    await server?.stop();
    await rm(workDir, { recursive: true, force: true });
    if (postgresDatabase !== undefined) await dropPostgresDatabase(adminUrl, postgresDatabase);
  }
}

process.exitCode = await main();
