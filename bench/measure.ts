import { fork, spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { childPids, readCpuTimeMs } from "./child-server.js";
import { readMachineBusyCpuMs } from "./machine-load.js";
import type { ScenarioEnv, ScenarioName } from "./scenarios.js";

/** What the load generator is asked to do (sent over IPC, so plain data only). */
export interface LoadJob {
  scenario: ScenarioName;
  env: ScenarioEnv;
  url: string;
  /** Closed loop: connections. Open loop (`rate`): the most sockets open at once. */
  connections: number;
  /** Requests per second sent on a schedule (open loop); undefined for autocannon's closed loop. */
  rate?: number | undefined;
  durationSeconds: number;
  warmupSeconds: number;
  /** Besides the first responses of each run, check one response in this many. */
  checkEvery: number;
  /** The server process (with workers: the cluster primary; its children are counted too). */
  serverPid: number;
  /** The server's stdout (its log lines), to show their cost per request. */
  serverLogFile: string | undefined;
}

export type LoadReply =
  | { type: "result"; measurement: Measurement }
  | { type: "error"; preflight: boolean; message: string };

export interface LatencySummary {
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export interface StepLatency {
  kind: string;
  count: number;
  latencyMs: LatencySummary;
}

export interface Measurement {
  /** Mean over the scenario's steps (one step for most scenarios). */
  requestBytes: number;
  responseBytes: number;
  requestsPerSecond: number;
  /** The open-loop rate asked for, when the run had one. */
  offeredRate?: number | undefined;
  totalRequests: number;
  latencyMs: LatencySummary;
  /** Per message kind, for scenarios that send several (mixed-call). */
  latencyByKind: StepLatency[];
  non2xx: number;
  statusCodes: Record<string, number>;
  /** Connection errors and timeouts as autocannon counts them. */
  errors: number;
  timeouts: number;
  checked: number;
  checkFailures: number;
  firstProblem: string | undefined;
  /** What the checked responses looked like (category → count). */
  details: Record<string, number>;
  serverCpuMsPerSecond: number;
  /** The same per process (with workers: primary first, then each worker). */
  serverCpuMsPerSecondByProcess: number[];
  serverCpuMicrosPerRequest: number;
  loadGeneratorCpuMsPerSecond: number;
  /** CPU other processes used on this machine during the run (they compete for the cores). */
  otherProcessesCpuMsPerSecond: number;
  serverLogBytesPerRequest: number;
  /** The scenario's own facts about what it sent. */
  notes: string | undefined;
}

/** Thrown when the first request already fails: measuring errors would be a defect. */
export class PreflightError extends Error {}

const LOAD_GENERATOR = fileURLToPath(new URL("./load-generator.ts", import.meta.url));
const AUTOCANNON_CLI = join(
  dirname(createRequire(import.meta.url).resolve("autocannon/package.json")),
  "autocannon.js",
);

/**
 * Runs the load generator (bench/load-generator.ts) in a child process: it sends one checked
 * request per step, primes, warms up and measures, and answers with the measurement. A process
 * of its own keeps the harness out of the load generator's event loop and makes its CPU time
 * its own.
 */
export async function measureScenario(job: LoadJob): Promise<Measurement> {
  const child = fork(LOAD_GENERATOR, [], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    // Structured clone keeps NaN (no answer measured) as NaN, where JSON would make it null.
    serialization: "advanced",
  });
  const reply = await new Promise<LoadReply>((resolve, reject) => {
    let answered = false;
    child.once("message", (message: LoadReply) => {
      answered = true;
      resolve(message);
    });
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      if (!answered) {
        reject(new Error(`load generator exited (code ${String(code)}, ${String(signal)})`));
      }
    });
    child.send(job);
  });
  if (child.exitCode === null) {
    await new Promise((resolve) => {
      child.once("exit", resolve);
      setTimeout(() => child.kill("SIGKILL"), 5000).unref();
    });
  }
  if (reply.type === "result") return reply.measurement;
  if (reply.preflight) throw new PreflightError(reply.message.split("\n")[0] ?? reply.message);
  throw new Error(reply.message);
}

/** What `autocannon --json` prints (the parts we read). */
interface CliResult {
  requests: { average: number; total: number };
  latency: { mean: number; p50: number; p90: number; p99: number; p99_9?: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodeStats?: Record<string, { count?: number }>;
}

/**
 * The reference for the harness's own overhead: the `autocannon` CLI in a process of its own,
 * same connections, duration and body, against the same running server. Its latencies are
 * whole milliseconds (its histogram's resolution), and it checks no answer.
 */
export async function measureWithAutocannonCli(options: {
  url: string;
  connections: number;
  durationSeconds: number;
  headers: Record<string, string>;
  body: string;
  workDir: string;
  serverPid: number;
}): Promise<Measurement> {
  const bodyFile = join(options.workDir, "cli-body.json");
  await writeFile(bodyFile, options.body);
  const args = [
    AUTOCANNON_CLI,
    "--json",
    "-c",
    String(options.connections),
    "-d",
    String(options.durationSeconds),
    "-t",
    "30",
    "-m",
    "POST",
    ...Object.entries(options.headers).flatMap(([name, value]) => ["-H", `${name}=${value}`]),
    "-i",
    bodyFile,
    `${options.url}/vapi/webhook`,
  ];
  const pids = () => [options.serverPid, ...childPids(options.serverPid)];
  const serverCpu = () => pids().reduce((sum, pid) => sum + readCpuTimeMs(pid), 0);
  const serverCpuBefore = serverCpu();
  const machineBefore = readMachineBusyCpuMs();
  const started = performance.now();
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "ignore"] });
  let output = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => (output += chunk));
  // The CLI's own CPU time, read just before it exits (it is not ours to wait for afterwards).
  let loadCpuMs = 0;
  const sampler = setInterval(() => {
    if (child.pid !== undefined) loadCpuMs = Math.max(loadCpuMs, readCpuTimeMs(child.pid));
  }, 200);
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  clearInterval(sampler);
  const seconds = (performance.now() - started) / 1000;
  const serverCpuMs = serverCpu() - serverCpuBefore;
  const otherCpuMs = readMachineBusyCpuMs() - machineBefore - serverCpuMs - loadCpuMs;
  if (code !== 0) throw new Error(`autocannon CLI exited with ${String(code)}`);
  const result = JSON.parse(output) as CliResult;
  const completed = result.requests.total;
  const statusCodes: Record<string, number> = {};
  for (const [status, stats] of Object.entries(result.statusCodeStats ?? {})) {
    statusCodes[status] = stats.count ?? 0;
  }
  return {
    requestBytes: Buffer.byteLength(options.body),
    responseBytes: Number.NaN,
    requestsPerSecond: result.requests.average,
    totalRequests: completed,
    latencyMs: {
      mean: result.latency.mean,
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      p999: result.latency.p99_9 ?? Number.NaN,
      max: result.latency.max,
    },
    latencyByKind: [],
    non2xx: result.non2xx,
    statusCodes,
    errors: result.errors,
    timeouts: result.timeouts,
    checked: 0,
    checkFailures: 0,
    firstProblem: undefined,
    details: {},
    serverCpuMsPerSecond: serverCpuMs / seconds,
    serverCpuMsPerSecondByProcess: [],
    serverCpuMicrosPerRequest: completed === 0 ? Number.NaN : (serverCpuMs * 1000) / completed,
    // Includes the CLI's start-up (~0.3 s of CPU), sampled every 200 ms.
    loadGeneratorCpuMsPerSecond: loadCpuMs / seconds,
    otherProcessesCpuMsPerSecond: Math.max(0, otherCpuMs / seconds),
    serverLogBytesPerRequest: Number.NaN,
    notes:
      "autocannon CLI in its own process, same server, connections, duration and body (latencies in whole ms; answers not checked; its CPU includes its start-up)",
  };
}
