import { parseArgs } from "node:util";
import type { StoreKind } from "./bench-stores.js";
import { SCENARIO_NAMES, type ScenarioName } from "./scenarios.js";

export type RedisChoice = "auto" | "yes" | "no";

export interface BenchOptions {
  scenarios: ScenarioName[];
  durationSeconds: number;
  warmupSeconds: number;
  /** Overrides every scenario's own connection count when set. */
  connections: number | undefined;
  /** Open loop: requests per second on a schedule instead of autocannon's closed loop. */
  rate: number | undefined;
  /** LOG_LEVEL values to run each frontdesk scenario at. */
  logLevels: string[];
  /** Stores to run each frontdesk scenario on. */
  stores: StoreKind[];
  /** Redis for the tenant cache tier and jobs: "auto" means with PostgreSQL only. */
  redis: RedisChoice;
  /** Server process counts: 1 is `frontdesk serve`, N > 1 is `serve --workers N`. */
  workers: number[];
  postgresAdminUrl: string;
  redisUrl: string;
  build: boolean;
  profile: boolean;
  /** Preload stall-recorder.ts into frontdesk servers and report what held their event loop up. */
  stalls: boolean;
  /** Where to write the Markdown report; undefined picks the default (see run.ts). */
  out: string | undefined;
  /** Besides the first 20 responses, check one in this many. */
  checkEvery: number;
  /** Wait up to this long before each run for other processes to leave the CPU alone. */
  quietWaitSeconds: number;
  /** Extra environment for the frontdesk servers (after the scenario's own). */
  serverEnv: Record<string, string>;
  help: boolean;
  /** True when nothing narrows or changes the standard run (so it may update latest.md). */
  isStandardRun: boolean;
}

export const USAGE = `Usage: npm run bench -- [options]

Builds frontdesk (npm run build), then for each scenario, store and worker count starts the
compiled server (\`frontdesk serve [--workers N]\`) on a free 127.0.0.1 port with a fresh
database, imports the tenants with the compiled CLI, and runs the load generator (autocannon in
a process of its own): one checked request per message kind, warm-up, measured run.

Options:
  --scenario NAME      Run only this scenario (repeatable or comma-separated). One of:
                       ${SCENARIO_NAMES.join(", ")}
  --store LIST         sqlite, postgres or both (default sqlite,postgres). PostgreSQL: a fresh
                       database per run on --postgres-url's server, dropped after
  --redis MODE         auto (default: Redis with postgres, none with sqlite), yes or no. A
                       fresh key prefix per run on --redis-url, deleted after
  --workers LIST       Server processes: 1 = \`serve\`, N = \`serve --workers N\` (default 1,2)
  --duration SECONDS   Measured time per run (default 8, at most 300)
  --warmup SECONDS     Unmeasured warm-up per run (default 2)
  --connections N      Concurrent connections for every scenario (default: per scenario,
                       50, or 10 for end-of-call-500kb and assistant-request-cold)
  --rate N             Open loop: send N requests per second on a schedule, whatever the server
                       is doing, and time each from when it was due (default: closed loop,
                       each connection sends its next request when its last is answered).
                       --connections is then the most sockets open at once (default 64).
                       One-step scenarios only (not mixed-call)
  --log-level LIST     LOG_LEVEL values for the frontdesk runs (default info)
  --check-every N      Check the body of one response in N, besides the first 20 (default 200)
  --quiet-wait SECONDS Before each run, wait up to this long for the machine to be idle
                       (other processes share the cores; default 30, 0 to not wait)
  --postgres-url URL   Maintenance database of the PostgreSQL server (default
                       postgres://postgres@127.0.0.1:5432/postgres)
  --redis-url URL      Redis server (default redis://127.0.0.1:6379)
  --server-env K=V     Extra environment for the frontdesk servers (repeatable), e.g.
                       SQLITE_CHECKPOINTS=inline to compare a setting with its default
  --profile            Run the server under --cpu-prof and print its hottest functions
  --stalls             Record what holds frontdesk's event loop up (gaps over 6 ms, SQLite calls
                       and GC pauses over 3 ms) and put it down to a cause in the report
  --skip-build         Use the existing dist/ instead of running npm run build
  --out FILE           Write the Markdown report here (default bench/results/latest.md for a
                       standard run, bench/results/last-partial.md.tmp otherwise)
  --help               Show this help`;

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

// Every run is bounded. HMAC requests are signed once per run with a timestamp mid-run, and
// the server accepts ±300 s, so warm-up + duration must stay under 600 s.
const MAX_DURATION_SECONDS = 300;

function positiveNumber(name: string, raw: string | undefined, fallback: number, max: number) {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > max) {
    throw new Error(`--${name} must be a number between 0 and ${max}, got "${raw}"`);
  }
  return value;
}

/** `NAME=value` options (environment for a server) as a record. @throws Error naming the option. */
export function parseEnvPairs(option: string, entries: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of entries) {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(entry);
    if (match === null) throw new Error(`--${option}: "${entry}" is not NAME=value`);
    env[match[1] ?? ""] = match[2] ?? "";
  }
  return env;
}

/** Parses and validates the command line. @throws Error with a message for the user. */
export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: "string", multiple: true },
      duration: { type: "string" },
      warmup: { type: "string" },
      connections: { type: "string" },
      rate: { type: "string" },
      "log-level": { type: "string" },
      "check-every": { type: "string" },
      "quiet-wait": { type: "string" },
      store: { type: "string" },
      redis: { type: "string" },
      workers: { type: "string" },
      "postgres-url": { type: "string" },
      "redis-url": { type: "string" },
      "server-env": { type: "string", multiple: true },
      profile: { type: "boolean", default: false },
      stalls: { type: "boolean", default: false },
      "skip-build": { type: "boolean", default: false },
      out: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });

  const requested = (values.scenario ?? [])
    .flatMap((entry) => entry.split(","))
    .map((s) => s.trim());
  for (const name of requested) {
    if (!(SCENARIO_NAMES as readonly string[]).includes(name)) {
      throw new Error(`unknown scenario "${name}"; choose from ${SCENARIO_NAMES.join(", ")}`);
    }
  }
  const scenarios = requested.length === 0 ? [...SCENARIO_NAMES] : (requested as ScenarioName[]);

  const durationSeconds = positiveNumber("duration", values.duration, 8, MAX_DURATION_SECONDS);
  const warmupSeconds = positiveNumber("warmup", values.warmup, 2, 30);
  if (durationSeconds < 1) throw new Error("--duration must be at least 1 second");
  const connections =
    values.connections === undefined
      ? undefined
      : Math.round(positiveNumber("connections", values.connections, 50, 1000));
  if (connections === 0) throw new Error("--connections must be at least 1");
  const rate =
    values.rate === undefined ? undefined : positiveNumber("rate", values.rate, 0, 100_000);
  if (rate !== undefined && rate < 1) throw new Error("--rate must be at least 1");
  const checkEvery = Math.max(
    1,
    Math.round(positiveNumber("check-every", values["check-every"], 200, 1e6)),
  );

  const stores = (values.store ?? "sqlite,postgres").split(",").map((store) => store.trim());
  for (const store of stores) {
    if (store !== "sqlite" && store !== "postgres") {
      throw new Error(`--store: "${store}" is not sqlite or postgres`);
    }
  }
  const redis = values.redis ?? "auto";
  if (redis !== "auto" && redis !== "yes" && redis !== "no") {
    throw new Error(`--redis must be auto, yes or no, got "${redis}"`);
  }
  const workers = (values.workers ?? "1,2").split(",").map((entry) => Number(entry.trim()));
  for (const count of workers) {
    if (!Number.isInteger(count) || count < 1 || count > 64) {
      throw new Error("--workers: each entry must be a whole number from 1 to 64");
    }
  }

  const logLevels = (values["log-level"] ?? "info").split(",").map((level) => level.trim());
  for (const level of logLevels) {
    if (!LOG_LEVELS.includes(level)) {
      throw new Error(`--log-level: "${level}" is not one of ${LOG_LEVELS.join(", ")}`);
    }
  }

  const serverEnv = parseEnvPairs("server-env", values["server-env"] ?? []);

  return {
    scenarios,
    durationSeconds,
    warmupSeconds,
    connections,
    rate,
    logLevels,
    stores: stores as StoreKind[],
    redis,
    workers,
    postgresAdminUrl: values["postgres-url"] ?? "postgres://postgres@127.0.0.1:5432/postgres",
    redisUrl: values["redis-url"] ?? "redis://127.0.0.1:6379",
    build: !values["skip-build"],
    profile: values.profile,
    stalls: values.stalls,
    out: values.out,
    checkEvery,
    quietWaitSeconds: positiveNumber("quiet-wait", values["quiet-wait"], 30, 3600),
    serverEnv,
    help: values.help,
    isStandardRun:
      requested.length === 0 &&
      values.duration === undefined &&
      values.warmup === undefined &&
      values.connections === undefined &&
      values.rate === undefined &&
      values["log-level"] === undefined &&
      values.store === undefined &&
      values.redis === undefined &&
      values.workers === undefined &&
      values["server-env"] === undefined &&
      !values.profile &&
      !values.stalls,
  };
}
