import type { StoreKind } from "./bench-stores.js";
import type { ProcessPeakRss } from "./child-server.js";
import { formatProfileSummary, type ProfileSummary } from "./cpu-profile-top.js";
import { formatStallSummary, type StallSummary } from "./summarize-stalls.js";
import type { Measurement } from "./measure.js";
import type { Scenario } from "./scenarios.js";

export interface RunRecord {
  scenario: Scenario;
  /** LOG_LEVEL of the frontdesk server; undefined for the baseline. */
  logLevel: string | undefined;
  connections: number;
  /** The server's database; undefined for the baseline (no store). */
  store: StoreKind | undefined;
  redis: boolean;
  /** Server processes: 1 = `serve`, N = `serve --workers N` (a primary plus N workers). */
  workers: number;
  /** Set when the load came from elsewhere than the harness's load generator (the CLI check). */
  loadGenerator?: string;
  measurement?: Measurement;
  /** VmHWM of every server process at the end of the run (primary first). */
  peakRss?: ProcessPeakRss[];
  /** The server's canonical log lines by outcome (info-level runs only). */
  logTally?: Record<string, number>;
  /** What held the event loop up (--stalls, frontdesk runs only). */
  stalls?: StallSummary;
  /** Why the run could not be measured (failed first request, crash, …). */
  failure?: string;
  profile?: { summary: ProfileSummary; file: string };
}

export interface Machine {
  date: string;
  nodeVersion: string;
  cpuModel: string;
  cpuCount: number;
  kernel: string;
}

/** One timed `frontdesk tenants import` of the bulk tenant set. */
export interface ImportRecord {
  store: StoreKind;
  tenants: number;
  numbers: number;
  seconds: number;
  ok: boolean;
  /** The CLI's last lines. */
  output: string;
}

export interface ReportInput {
  machine: Machine;
  command: string;
  durationSeconds: number;
  warmupSeconds: number;
  records: RunRecord[];
  imports: ImportRecord[];
  /** Matrix combinations a scenario cannot run in, with the reason. */
  skipped: string[];
  elapsedSeconds: number;
}

// Issue 3: importing 10,000 tenants / 100,000 numbers with the CLI.
const IMPORT_TARGET_SECONDS = 30;

export function storeLabel(record: Pick<RunRecord, "store" | "redis">): string {
  if (record.store === undefined) return "–";
  return `${record.store}${record.redis ? "+redis" : ""}`;
}

/** The largest serving process's peak RSS ("max" over workers; the primary only routes). */
function servingPeakMb(peaks: readonly ProcessPeakRss[] | undefined): number | undefined {
  if (peaks === undefined || peaks.length === 0) return undefined;
  const serving = peaks.filter((entry) => entry.role !== "primary");
  return Math.max(...(serving.length > 0 ? serving : peaks).map((entry) => entry.mb));
}

/** "224", or for a cluster "231 (230 / 231; primary 60)". */
export function formatPeakRss(peaks: readonly ProcessPeakRss[] | undefined): string {
  const max = servingPeakMb(peaks);
  if (peaks === undefined || max === undefined) return "–";
  if (peaks.length === 1) return fixed(max, 0);
  const workers = peaks
    .filter((entry) => entry.role === "worker")
    .map((entry) => fixed(entry.mb, 0));
  const primary = peaks.find((entry) => entry.role === "primary");
  return `${fixed(max, 0)} (${workers.join(" / ")}; primary ${fixed(primary?.mb, 0)})`;
}

const fixed = (value: number | undefined, digits: number) =>
  value === undefined || Number.isNaN(value) ? "–" : value.toFixed(digits);
const whole = (value: number | undefined) =>
  value === undefined || Number.isNaN(value) ? "–" : Math.round(value).toLocaleString("en-US");

/** Whether a run met its scenario's goal, if it has one. */
export function goalVerdict(record: RunRecord): string {
  const goal = record.scenario.goal;
  const m = record.measurement;
  if (goal === undefined) return "";
  if (m === undefined) return "not measured";
  const misses: string[] = [];
  if (goal.minRequestsPerSecond !== undefined && m.requestsPerSecond < goal.minRequestsPerSecond) {
    misses.push(`req/s < ${whole(goal.minRequestsPerSecond)}`);
  }
  if (m.latencyMs.p99 > goal.maxP99Ms) misses.push(`p99 > ${goal.maxP99Ms} ms`);
  return misses.length === 0 ? "met" : `missed (${misses.join(", ")})`;
}

/** A run is defective when it measured errors instead of work. */
export function isDefective(record: RunRecord): boolean {
  const m = record.measurement;
  return (
    record.failure !== undefined ||
    m === undefined ||
    m.non2xx > 0 ||
    m.errors > 0 ||
    m.checkFailures > 0
  );
}

/** The results table (Markdown, also readable in a terminal). */
export function formatTable(records: readonly RunRecord[]): string {
  const header = [
    "| scenario | store | workers | LOG_LEVEL | conns | body KB | req/s avg | p50 ms | p99 ms | non-2xx | errors | peak RSS MB | server CPU µs/req | load gen. CPU ms/s | others' CPU ms/s | goal |",
    "|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---|",
  ];
  const rows = records.map((record) => {
    const m = record.measurement;
    const level = record.logLevel ?? "(none)";
    const name = `${record.scenario.name}${record.loadGenerator === undefined ? "" : ` (${record.loadGenerator})`}`;
    const lead = `| ${name} | ${storeLabel(record)} | ${record.workers} | ${level} | ${record.connections}`;
    if (m === undefined) {
      return `${lead} | – | – | – | – | – | – | – | – | – | – | FAILED: ${(record.failure ?? "").replaceAll("|", "\\|").replaceAll("\n", " ").slice(0, 200)} |`;
    }
    const errors = m.timeouts > 0 ? `${m.errors} (${m.timeouts} timeouts)` : String(m.errors);
    const failedChecks = m.checkFailures > 0 ? ` ${m.checkFailures} failed checks` : "";
    return `${lead} | ${fixed(m.requestBytes / 1024, 1)} | ${whole(m.requestsPerSecond)}${m.offeredRate === undefined ? "" : ` of ${whole(m.offeredRate)} offered`} | ${fixed(m.latencyMs.p50, 2)} | ${fixed(m.latencyMs.p99, 2)} | ${m.non2xx} | ${errors}${failedChecks} | ${formatPeakRss(record.peakRss)} | ${whole(m.serverCpuMicrosPerRequest)} | ${whole(m.loadGeneratorCpuMsPerSecond)} | ${whole(m.otherProcessesCpuMsPerSecond)} | ${goalVerdict(record)} |`;
  });
  return [...header, ...rows].join("\n");
}

function formatDetails(record: RunRecord): string {
  const m = record.measurement;
  const where =
    record.store === undefined ? [] : [storeLabel(record), `${record.workers} worker(s)`];
  const facets = [
    ...where,
    ...(record.logLevel === undefined ? [] : [`LOG_LEVEL=${record.logLevel}`]),
  ];
  const title = `### ${record.scenario.name}${facets.length === 0 ? "" : ` (${facets.join(", ")})`}`;
  const lines = [title, "", record.scenario.summary, ""];
  if (m === undefined) {
    lines.push(`Not measured: ${record.failure ?? "unknown failure"}`);
    return lines.join("\n");
  }
  const codes = Object.entries(m.statusCodes)
    .map(([code, count]) => `${code}×${count.toLocaleString("en-US")}`)
    .join(", ");
  const details = Object.entries(m.details)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([detail, count]) => `${count}× ${detail}`)
    .join("; ");
  lines.push(
    `- requests: ${m.totalRequests.toLocaleString("en-US")} completed; status ${codes || "none"}; request ${m.requestBytes.toLocaleString("en-US")} B, response ${m.responseBytes.toLocaleString("en-US")} B`,
    `- latency ms: mean ${fixed(m.latencyMs.mean, 2)}, p50 ${fixed(m.latencyMs.p50, 2)}, p90 ${fixed(m.latencyMs.p90, 2)}, p99 ${fixed(m.latencyMs.p99, 2)}, p99.9 ${fixed(m.latencyMs.p999, 2)}, max ${fixed(m.latencyMs.max, 2)}`,
    `- CPU: server ${whole(m.serverCpuMsPerSecond)} ms/s (${whole(m.serverCpuMicrosPerRequest)} µs per request), load generator ${whole(m.loadGeneratorCpuMsPerSecond)} ms/s, other processes ${whole(m.otherProcessesCpuMsPerSecond)} ms/s; server log ${whole(m.serverLogBytesPerRequest)} B per request`,
    ...(m.serverCpuMsPerSecondByProcess.length > 1
      ? [
          `- server CPU by process (ms/s): ${m.serverCpuMsPerSecondByProcess.map((ms, index) => `${index === 0 ? "primary" : `worker ${index}`} ${whole(ms)}`).join(", ")}`,
        ]
      : []),
    `- peak RSS (VmHWM) MB: ${(record.peakRss ?? []).map((entry) => `${entry.role} ${fixed(entry.mb, 1)}`).join(", ") || "–"}`,
    `- checked ${m.checked.toLocaleString("en-US")} sampled responses, ${m.checkFailures} failed${m.firstProblem === undefined ? "" : ` (first: ${m.firstProblem})`}; seen: ${details || "–"}`,
  );
  for (const step of m.latencyByKind) {
    const l = step.latencyMs;
    lines.push(
      `- ${step.kind} (${step.count.toLocaleString("en-US")} requests): p50 ${fixed(l.p50, 2)} ms, p90 ${fixed(l.p90, 2)}, p99 ${fixed(l.p99, 2)}, max ${fixed(l.max, 2)}`,
    );
  }
  if (m.notes !== undefined) lines.push(`- ${m.notes}`);
  if (m.offeredRate !== undefined) {
    lines.push(
      `- open loop (--rate): ${whole(m.offeredRate)} req/s offered on a schedule over up to ${record.connections} sockets; latency from when each request was handed to the HTTP client`,
    );
  }
  if (record.logTally !== undefined) {
    const tally = Object.entries(record.logTally)
      .sort((a, b) => b[1] - a[1])
      .map(([outcome, count]) => `${outcome}×${count.toLocaleString("en-US")}`)
      .join(", ");
    lines.push(`- canonical log lines by outcome (whole run incl. warm-up): ${tally || "none"}`);
  }
  if (record.stalls !== undefined) lines.push(formatStallSummary(record.stalls));
  if (record.profile !== undefined) {
    lines.push(
      "",
      `CPU profile (${record.profile.file}; the profiler slows the server, so these runs are not comparable):`,
      "",
      formatProfileSummary(record.profile.summary),
    );
  }
  return lines.join("\n");
}

/** Harness vs the autocannon CLI on the same baseline server: the harness's own overhead. */
function formatLoadGeneratorCheck(records: readonly RunRecord[]): string[] {
  const harness = records.find(
    (record) => record.scenario.name === "baseline-fastify" && record.loadGenerator === undefined,
  )?.measurement;
  const cli = records.find(
    (record) => record.scenario.name === "baseline-fastify" && record.loadGenerator !== undefined,
  )?.measurement;
  if (harness === undefined || cli === undefined) return [];
  const ratio = harness.requestsPerSecond / cli.requestsPerSecond;
  return [
    `Load generator check (baseline-fastify, same server): harness ${whole(harness.requestsPerSecond)} req/s vs autocannon CLI ${whole(cli.requestsPerSecond)} req/s, ${(ratio * 100).toFixed(0)} % (should be within ~10 %); load generator CPU ${fixed((harness.loadGeneratorCpuMsPerSecond * 1000) / harness.requestsPerSecond, 1)} vs ${fixed((cli.loadGeneratorCpuMsPerSecond * 1000) / cli.requestsPerSecond, 1)} µs per request.`,
    "",
  ];
}

function formatImports(imports: readonly ImportRecord[]): string[] {
  if (imports.length === 0) return [];
  return [
    `Tenant import with the CLI (\`frontdesk tenants import\`, one JSON file; target < ${IMPORT_TARGET_SECONDS} s):`,
    "",
    ...imports.map(
      (entry) =>
        `- ${entry.store}: ${entry.tenants.toLocaleString("en-US")} tenants / ${entry.numbers.toLocaleString("en-US")} numbers in ${entry.seconds.toFixed(1)} s${entry.ok ? (entry.seconds < IMPORT_TARGET_SECONDS ? " (met)" : " (missed)") : ` FAILED: ${entry.output}`}`,
    ),
    "",
  ];
}

/** The whole report for bench/results. */
export function formatReport(input: ReportInput): string {
  const { machine } = input;
  return [
    "# frontdesk benchmark results",
    "",
    `- date: ${machine.date}`,
    `- node: ${machine.nodeVersion}`,
    `- CPU: ${machine.cpuModel} × ${machine.cpuCount} (${machine.kernel})`,
    `- command: \`${input.command}\``,
    `- each run: fresh server process(es) and database (SQLite file, or a new PostgreSQL database; Redis under a new key prefix), ${input.warmupSeconds} s warm-up, ${input.durationSeconds} s measured; whole matrix ${Math.round(input.elapsedSeconds)} s`,
    "- load: closed loop; each connection sends its next request as soon as the previous answer arrives, so the server runs at saturation and latency includes queueing (mean latency ≈ connections ÷ throughput)",
    `- the load generator (autocannon, one thread in a process of its own) runs on the same ${machine.cpuCount} cores as the server: both compete for CPU, so these are lower bounds for a dedicated server`,
    "",
    formatTable(input.records),
    "",
    ...formatLoadGeneratorCheck(input.records),
    ...formatImports(input.imports),
    ...(input.skipped.length === 0
      ? []
      : [
          "Not run (the scenario needs another setup):",
          "",
          ...input.skipped.map((line) => `- ${line}`),
          "",
        ]),
    "Columns: store is the database (+redis: Redis tenant cache tier and job queue); workers is 1 for `frontdesk serve`, N for `serve --workers N`; req/s is autocannon's per-second average; latencies are measured per response at µs resolution; errors are connection errors and timeouts; peak RSS is the server's VmHWM (with workers: the largest worker, then each worker and the primary); load gen. CPU is the load generator's own CPU use; server CPU µs/req is the server's user+system CPU time divided by completed requests (the most machine-independent number here); others' CPU is what other processes on the machine used during the run (anything above a few dozen ms/s means the run was contended and its req/s and latencies are pessimistic).",
    "",
    "## Details",
    "",
    ...input.records.map((record) => `${formatDetails(record)}\n`),
  ].join("\n");
}
