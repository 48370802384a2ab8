import { formatProfileSummary, type ProfileSummary } from "./cpu-profile-top.js";
import type { Measurement } from "./measure.js";
import type { Scenario } from "./scenarios.js";

export interface RunRecord {
  scenario: Scenario;
  /** LOG_LEVEL of the frontdesk server; undefined for the baseline. */
  logLevel: string | undefined;
  connections: number;
  measurement?: Measurement;
  peakRssMb?: number;
  /** The server's canonical log lines by outcome (info-level runs only). */
  logTally?: Record<string, number>;
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

export interface ReportInput {
  machine: Machine;
  command: string;
  durationSeconds: number;
  warmupSeconds: number;
  records: RunRecord[];
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
  if (m.requestsPerSecond < goal.minRequestsPerSecond) {
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
    "| scenario | LOG_LEVEL | conns | body KB | req/s avg | p50 ms | p99 ms | non-2xx | errors | peak RSS MB | server CPU µs/req | others' CPU ms/s | goal |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
  ];
  const rows = records.map((record) => {
    const m = record.measurement;
    const level = record.logLevel ?? "(none)";
    if (m === undefined) {
      return `| ${record.scenario.name} | ${level} | ${record.connections} | – | – | – | – | – | – | – | – | – | FAILED: ${(record.failure ?? "").replaceAll("|", "\\|").replaceAll("\n", " ").slice(0, 200)} |`;
    }
    const errors = m.timeouts > 0 ? `${m.errors} (${m.timeouts} timeouts)` : String(m.errors);
    const failedChecks = m.checkFailures > 0 ? ` ${m.checkFailures} failed checks` : "";
    return `| ${record.scenario.name} | ${level} | ${record.connections} | ${fixed(m.requestBytes / 1024, 1)} | ${whole(m.requestsPerSecond)} | ${fixed(m.latencyMs.p50, 2)} | ${fixed(m.latencyMs.p99, 2)} | ${m.non2xx} | ${errors}${failedChecks} | ${fixed(record.peakRssMb, 0)} | ${whole(m.serverCpuMicrosPerRequest)} | ${whole(m.otherProcessesCpuMsPerSecond)} | ${goalVerdict(record)} |`;
  });
  return [...header, ...rows].join("\n");
}

function formatDetails(record: RunRecord): string {
  const m = record.measurement;
  const title = `### ${record.scenario.name}${record.logLevel === undefined ? "" : ` (LOG_LEVEL=${record.logLevel})`}`;
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
    `- CPU: server ${whole(m.serverCpuMsPerSecond)} ms/s (${whole(m.serverCpuMicrosPerRequest)} µs per request), load generator ${whole(m.loadGeneratorCpuMsPerSecond)} ms/s, other processes ${whole(m.otherProcessesCpuMsPerSecond)} ms/s; server log ${whole(m.serverLogBytesPerRequest)} B per request; peak RSS ${fixed(record.peakRssMb, 1)} MB`,
    `- checked ${m.checked.toLocaleString("en-US")} sampled responses, ${m.checkFailures} failed${m.firstProblem === undefined ? "" : ` (first: ${m.firstProblem})`}; seen: ${details || "–"}`,
  );
  if (record.logTally !== undefined) {
    const tally = Object.entries(record.logTally)
      .sort((a, b) => b[1] - a[1])
      .map(([outcome, count]) => `${outcome}×${count.toLocaleString("en-US")}`)
      .join(", ");
    lines.push(`- canonical log lines by outcome (whole run incl. warm-up): ${tally || "none"}`);
  }
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
    `- each run: fresh server process and SQLite file, ${input.warmupSeconds} s warm-up, ${input.durationSeconds} s measured`,
    "- load: closed loop; each connection sends its next request as soon as the previous answer arrives, so the server runs at saturation and latency includes queueing (mean latency ≈ connections ÷ throughput)",
    `- the load generator (autocannon, one thread) runs on the same ${machine.cpuCount} cores as the server: both compete for CPU, so these are lower bounds for a dedicated server`,
    "",
    formatTable(input.records),
    "",
    "Columns: req/s is autocannon's per-second average; latencies are measured per response at µs resolution; errors are connection errors and timeouts; peak RSS is the server's VmHWM; server CPU µs/req is the server's user+system CPU time divided by completed requests (the most machine-independent number here); others' CPU is what other processes on the machine used during the run (anything above a few dozen ms/s means the run was contended and its req/s and latencies are pessimistic).",
    "",
    "## Details",
    "",
    ...input.records.map((record) => `${formatDetails(record)}\n`),
  ].join("\n");
}
