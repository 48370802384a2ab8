import { parseArgs } from "node:util";
import { SCENARIO_NAMES, type ScenarioName } from "./scenarios.js";

export interface BenchOptions {
  scenarios: ScenarioName[];
  durationSeconds: number;
  warmupSeconds: number;
  /** Overrides every scenario's own connection count when set. */
  connections: number | undefined;
  /** LOG_LEVEL values to run each frontdesk scenario at. */
  logLevels: string[];
  build: boolean;
  profile: boolean;
  /** Where to write the Markdown report; undefined picks the default (see run.ts). */
  out: string | undefined;
  /** Besides the first 20 responses, check one in this many. */
  checkEvery: number;
  /** Wait up to this long before each run for other processes to leave the CPU alone. */
  quietWaitSeconds: number;
  help: boolean;
  /** True when nothing narrows or changes the standard run (so it may update latest.md). */
  isStandardRun: boolean;
}

export const USAGE = `Usage: npm run bench -- [options]

Builds frontdesk (npm run build), then for each scenario starts the compiled server on a free
127.0.0.1 port with a fresh SQLite file, imports the example tenant with the compiled CLI, sends
one checked request, warms up, and measures with autocannon.

Options:
  --scenario NAME      Run only this scenario (repeatable or comma-separated). One of:
                       ${SCENARIO_NAMES.join(", ")}
  --duration SECONDS   Measured time per run (default 10, at most 300)
  --warmup SECONDS     Unmeasured warm-up per run (default 2)
  --connections N      Concurrent connections for every scenario (default: per scenario,
                       50, or 10 for end-of-call-500kb)
  --log-level LIST     LOG_LEVEL values for the frontdesk runs (default warn,info)
  --check-every N      Check the body of one response in N, besides the first 20 (default 200)
  --quiet-wait SECONDS Before each run, wait up to this long for the machine to be idle
                       (other processes share the cores; default 60, 0 to not wait)
  --profile            Run the server under --cpu-prof and print its hottest functions
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

/** Parses and validates the command line. @throws Error with a message for the user. */
export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: "string", multiple: true },
      duration: { type: "string" },
      warmup: { type: "string" },
      connections: { type: "string" },
      "log-level": { type: "string" },
      "check-every": { type: "string" },
      "quiet-wait": { type: "string" },
      profile: { type: "boolean", default: false },
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

  const durationSeconds = positiveNumber("duration", values.duration, 10, MAX_DURATION_SECONDS);
  const warmupSeconds = positiveNumber("warmup", values.warmup, 2, 30);
  if (durationSeconds < 1) throw new Error("--duration must be at least 1 second");
  const connections =
    values.connections === undefined
      ? undefined
      : Math.round(positiveNumber("connections", values.connections, 50, 1000));
  if (connections === 0) throw new Error("--connections must be at least 1");
  const checkEvery = Math.max(
    1,
    Math.round(positiveNumber("check-every", values["check-every"], 200, 1e6)),
  );

  const logLevels = (values["log-level"] ?? "warn,info").split(",").map((level) => level.trim());
  for (const level of logLevels) {
    if (!LOG_LEVELS.includes(level)) {
      throw new Error(`--log-level: "${level}" is not one of ${LOG_LEVELS.join(", ")}`);
    }
  }

  return {
    scenarios,
    durationSeconds,
    warmupSeconds,
    connections,
    logLevels,
    build: !values["skip-build"],
    profile: values.profile,
    out: values.out,
    checkEvery,
    quietWaitSeconds: positiveNumber("quiet-wait", values["quiet-wait"], 60, 3600),
    help: values.help,
    isStandardRun:
      requested.length === 0 &&
      values.duration === undefined &&
      values.warmup === undefined &&
      values.connections === undefined &&
      values["log-level"] === undefined &&
      !values.profile,
  };
}
