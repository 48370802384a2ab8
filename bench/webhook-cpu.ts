/*
 * What a webhook costs frontdesk's own pipeline, without HTTP:
 *   npx tsx bench/webhook-cpu.ts [--scenario tool-calls-two] [--store sqlite|postgres] [--redis]
 *                                [--webhooks N] [--in-flight 50] [--rounds 3] [--env K=V ...]
 *                                [--keep-tools create_lead,check_availability|none]
 *
 * The HTTP runs (`npm run bench`) measure what a user sees, but on this shared host the same
 * build swings by a third between runs. This measures one part of them steadily: the webhook
 * processor exactly as the server builds it (`createWebhookPipeline`: authentication, parsing,
 * validation, the tenant, the handlers, the stores: a fresh SQLite file, or a fresh database on the
 * local PostgreSQL server, as `npm run bench` makes them), fed the same bodies the HTTP scenario sends, `--in-flight` at a
 * time like the load generator's connections. Left out: Fastify and Node's HTTP, the loopback
 * socket, the canonical log line and the metrics (the route's work, ~100 µs per request in the
 * bare-Fastify ceiling).
 *
 * Per round, per webhook: CPU of the whole process (user + system, all threads: SQLite's writes
 * are system time, V8 collects on helper threads), CPU of the main thread alone (the one thread a
 * Node server has for JavaScript, so what bounds its requests per second), and the wall clock.
 * Bodies are rendered before each round's clock starts and every answer is checked after it.
 *
 * `--keep-tools` cuts every tool-calls body down to the named tool calls (`none`: an empty list),
 * the rest of the message as it was; each kept call must then answer without an error. Runs with
 * and without a tool give what that tool costs inside the pipeline, garbage and all.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { parseArgs } from "node:util";
import { pino } from "pino";
import { loadConfig } from "../src/config.js";
import { createDeps } from "../src/deps.js";
import { createTenantRepo } from "../src/tenants/tenant-repo.js";
import type { WebhookResponse } from "../src/vapi/process-webhook.js";
import { createWebhookPipeline, type WebhookPipeline } from "../src/webhook-pipeline.js";
import { createRunStore, type RunStore } from "./bench-stores.js";
import { readThreadCpuTimeMs } from "./child-server.js";
import { checkKeptToolResults, keepToolCalls } from "./keep-tools.js";
import { parseEnvPairs } from "./parse-options.js";
import { dialedTenantOf, readExampleTenant } from "./example-database.js";
import { BULK_TENANT_SET } from "./payloads/bulk-tenants.js";
import { TOOL_NAMES } from "./payloads/mid-call-bodies.js";
import { SCENARIOS, type CallState, type Scenario, type ScenarioStep } from "./scenarios.js";

/** The scenarios this can run: frontdesk's, on the example tenant, nothing arranged around them. */
const SUPPORTED = SCENARIOS.filter(
  (scenario) =>
    scenario.target === "frontdesk" &&
    scenario.tenants === "example" &&
    scenario.arrange === undefined,
).map((scenario) => scenario.name);

/** Rendered bodies held per round, at most (the 500 KB reports would otherwise fill memory). */
const MAX_ROUND_BYTES = 200 * 1024 * 1024;

const { values } = parseArgs({
  options: {
    scenario: { type: "string", default: "tool-calls-two" },
    store: { type: "string", default: "sqlite" },
    redis: { type: "boolean", default: false },
    "postgres-url": { type: "string", default: "postgres://postgres@127.0.0.1:5432/postgres" },
    "redis-url": { type: "string", default: "redis://127.0.0.1:6379" },
    webhooks: { type: "string" },
    "in-flight": { type: "string", default: "50" },
    rounds: { type: "string", default: "3" },
    env: { type: "string", multiple: true, default: [] },
    "keep-tools": { type: "string" },
  },
});

const found = SCENARIOS.find((candidate) => candidate.name === values.scenario);
if (found === undefined || !SUPPORTED.includes(found.name)) {
  throw new Error(`--scenario must be one of ${SUPPORTED.join(", ")}`);
}
const scenario: Scenario = found;
const storeKind = values.store;
if (storeKind !== "sqlite" && storeKind !== "postgres") {
  throw new Error("--store must be sqlite or postgres");
}
const inFlight = wholeNumber("in-flight", values["in-flight"]);
const rounds = wholeNumber("rounds", values.rounds);
const extraEnv = parseEnvPairs("env", values.env);
const keptTools = parseKeptTools(values["keep-tools"]);

/** `--keep-tools`: undefined sends the bodies as they are; `none` keeps no tool call. */
function parseKeptTools(raw: string | undefined): ReadonlySet<string> | undefined {
  if (raw === undefined) return undefined;
  const names = raw === "none" ? [] : raw.split(",").map((name) => name.trim());
  const unknown = names.filter((name) => !(TOOL_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new Error(
      `--keep-tools takes none or some of ${TOOL_NAMES.join(",")}, not ${unknown.join(",")}`,
    );
  }
  return new Set(names);
}

function wholeNumber(name: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a whole number`);
  return value;
}

const tenant = await readExampleTenant();
const secrets = {
  secret: randomBytes(24).toString("base64url"),
  hmacSecret: randomBytes(32).toString("hex"),
};
const prepared = scenario.prepare({
  tenant: dialedTenantOf(tenant),
  secrets,
  runSeconds: 3600,
  workers: 1,
  bulk: BULK_TENANT_SET,
});
if (keptTools !== undefined && !prepared.steps.some((step) => step.label === "tool-calls")) {
  throw new Error(`--keep-tools needs a scenario with tool-calls; ${scenario.name} has none`);
}
const headers = Object.fromEntries(
  Object.entries(prepared.headers).map(([name, value]) => [name.toLowerCase(), value]),
);

interface Sent {
  step: ScenarioStep;
  body: Buffer;
  expected: readonly string[] | undefined;
  /** Cut down by `--keep-tools`, so checked by checkKeptToolResults. */
  cut: boolean;
}

/**
 * One lane per connection, each sending the scenario's steps in order as autocannon does. Bodies
 * are rendered step by step across the lanes, so ids are handed out in the order the lanes send
 * them, as in the HTTP run. Rendering a lane's whole share first gave the webhooks in flight ids
 * far apart: each group commit then dirtied a page per lane in every index keyed by call id
 * (3.3 WAL frames per webhook instead of 0.9), SQLite work the HTTP run does not do.
 */
function renderRound(lanes: CallState[], perLane: number): Sent[][] {
  const rendered: Sent[][] = lanes.map(() => []);
  for (let index = 0; index < perLane; index += 1) {
    const step = prepared.steps[index % prepared.steps.length];
    if (step === undefined) throw new Error("the scenario has no steps");
    lanes.forEach((call, lane) => {
      const next = step.next(call);
      const kept =
        keptTools !== undefined && step.label === "tool-calls"
          ? keepToolCalls(next.body, keptTools)
          : undefined;
      rendered[lane]?.push({
        step,
        body: Buffer.from(kept?.body ?? next.body),
        expected: kept?.expected ?? next.expected,
        cut: kept !== undefined,
      });
    });
  }
  return rendered;
}

function mainThreadCpuMs(): number {
  return readThreadCpuTimeMs(process.pid, process.pid);
}

async function measure(store: RunStore): Promise<void> {
  const config = loadConfig({
    NODE_ENV: "production",
    ...store.env,
    LOG_LEVEL: "info",
    VAPI_SECRET: secrets.secret,
    VAPI_HMAC_SECRET: secrets.hmacSecret,
    ...scenario.serverEnv,
    ...extraEnv,
  });
  const deps = await createDeps(config);
  let pipeline: WebhookPipeline | undefined;
  try {
    await createTenantRepo(deps.db).upsertMany([tenant], new Date().toISOString());
    pipeline = createWebhookPipeline(config, deps);
    const processWebhook = pipeline.process;
    const log = pino(
      { level: config.logLevel },
      new Writable({
        write(_chunk, _encoding, done) {
          done();
        },
      }),
    );
    let requestNumber = 0;
    const runLane = async (sent: Sent[], answers: WebhookResponse[]) => {
      for (const request of sent) {
        requestNumber += 1;
        const answer = await processWebhook({
          rawBody: request.body,
          headers,
          requestId: `bench-${requestNumber}`,
          log,
        });
        answers.push(answer);
      }
    };

    const sample = renderRound([{}], prepared.steps.length)[0] ?? [];
    const bytesPerWebhook =
      sample.reduce((sum, sent) => sum + sent.body.length, 0) / Math.max(1, sample.length);
    const webhooks =
      values.webhooks === undefined
        ? Math.min(20_000, Math.floor(MAX_ROUND_BYTES / bytesPerWebhook))
        : wholeNumber("webhooks", values.webhooks);
    const perLane = Math.max(1, Math.round(webhooks / inFlight));
    const lanes: CallState[] = Array.from({ length: inFlight }, () => ({}));
    console.log(
      `${scenario.name}: ${(inFlight * perLane).toLocaleString("en-US")} webhooks per round of ` +
        `~${Math.round(bytesPerWebhook / 1024)} KB, ${inFlight} in flight, a warm-up round and ${rounds} measured; ` +
        store.label,
    );

    for (let round = 0; round <= rounds; round += 1) {
      const sent = renderRound(lanes, perLane);
      const answers = sent.map(() => [] as WebhookResponse[]);
      const cpuBefore = process.cpuUsage();
      const mainBefore = mainThreadCpuMs();
      const wallBefore = performance.now();
      await Promise.all(sent.map((lane, index) => runLane(lane, answers[index] ?? [])));
      const wallMs = performance.now() - wallBefore;
      const mainMs = mainThreadCpuMs() - mainBefore;
      const cpu = process.cpuUsage(cpuBefore);

      let count = 0;
      for (const [index, lane] of sent.entries()) {
        for (const [position, request] of lane.entries()) {
          const answer = answers[index]?.[position];
          const verdict =
            answer === undefined
              ? { ok: false as const, problem: "no answer" }
              : request.cut
                ? checkKeptToolResults(answer.statusCode, answer.body, request.expected ?? [])
                : request.step.check(answer.statusCode, answer.body, request.expected);
          if (!verdict.ok) throw new Error(`${request.step.label}: ${verdict.problem}`);
          count += 1;
        }
      }
      const perWebhook = (ms: number) => ((ms * 1000) / count).toFixed(0);
      console.log(
        `${round === 0 ? "warm-up" : `round ${round}`}: ${perWebhook((cpu.user + cpu.system) / 1000)} µs CPU ` +
          `(main thread ${mainMs > 0 ? perWebhook(mainMs) : "n/a"}), ${perWebhook(wallMs)} µs wall per webhook`,
      );
    }
  } finally {
    await pipeline?.close();
    await deps.close();
  }
}

const directory = await mkdtemp(join(tmpdir(), "frontdesk-webhook-cpu-"));
try {
  const store = await createRunStore({
    kind: storeKind,
    redis: values.redis,
    workDir: directory,
    settings: { postgresAdminUrl: values["postgres-url"], redisUrl: values["redis-url"] },
  });
  try {
    await measure(store);
  } finally {
    await store.drop();
  }
} finally {
  await rm(directory, { recursive: true, force: true });
}
