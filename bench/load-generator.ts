/*
 * The load generator, in a process of its own (started by measure.ts through `fork`, so it
 * competes with the server only for CPU, never with the harness's own JavaScript): one checked
 * request per step, an optional priming pass, warm-up, then the measured autocannon run.
 *
 * Nothing heavier than a counter and one array store runs per response. Latency: autocannon
 * times every response with process.hrtime; we keep those floats (its own histogram rounds to
 * whole ms). Checks: autocannon would buffer and re-parse headers for every response to call a
 * request's `onResponse`; instead each connection's `recordBody` (the one hook autocannon calls
 * with the body it has already buffered) is replaced by a sampler that checks the first 20
 * responses, one in `checkEvery`, and every non-2xx.
 */
import process from "node:process";
import autocannon from "autocannon";
import { childPids, readCpuTimeMs } from "./child-server.js";
import { readMachineBusyCpuMs } from "./machine-load.js";
import { createRawHttpClient } from "./raw-http-client.js";
import type { LoadJob, LoadReply, Measurement, StepLatency } from "./measure.js";
import {
  SCENARIOS,
  type CallState,
  type CheckResult,
  type PreparedScenario,
  type ScenarioStep,
} from "./scenarios.js";
import { statSync } from "node:fs";

class PreflightError extends Error {}

interface CheckState {
  seen: number;
  checked: number;
  failures: number;
  firstProblem: string | undefined;
  details: Map<string, number>;
}

/** What autocannon keeps per connection: ours is the call state and the ids to expect. */
interface ConnectionContext {
  call?: CallState;
  expected?: readonly string[] | undefined;
}

/** The parts of autocannon's per-connection client we hook (not in its type definitions). */
interface ClientInternals {
  requestIterator: {
    context: ConnectionContext;
    recordBody(request: { stepIndex?: number } | undefined, status: number, body: string): void;
  };
  on(
    event: "response",
    listener: (status: number, bytes: number, responseTimeMs: number) => void,
  ): void;
}

type AutocannonRequest = autocannon.Request & { stepIndex: number };

/** Response times, kept exactly (a 10 s run is a few hundred thousand numbers). */
class LatencyRecorder {
  private buffer = new Float64Array(1 << 16);
  size = 0;

  add(valueMs: number): void {
    if (this.size === this.buffer.length) {
      const grown = new Float64Array(this.buffer.length * 2);
      grown.set(this.buffer);
      this.buffer = grown;
    }
    this.buffer[this.size] = valueMs;
    this.size += 1;
  }

  sorted(): Float64Array {
    return this.buffer.slice(0, this.size).sort();
  }
}

function summarize(sorted: Float64Array): Measurement["latencyMs"] {
  if (sorted.length === 0) return { mean: NaN, p50: NaN, p90: NaN, p99: NaN, p999: NaN, max: NaN };
  const at = (quantile: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1)] ?? NaN;
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    mean: sum / sorted.length,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    p999: at(0.999),
    max: sorted[sorted.length - 1] ?? NaN,
  };
}

/** "conversation-update 3" and "status-update ended" are reported by kind. */
function stepKind(step: ScenarioStep): string {
  return step.label.split(" ")[0] ?? step.label;
}

/** What measure() reads of a run, from autocannon or from the open-loop sender. */
interface LoadTotals {
  requestsPerSecond: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
}

interface LoadRun {
  totals: LoadTotals;
  state: CheckState;
  latencies: LatencyRecorder;
  latenciesByKind: Map<string, LatencyRecorder>;
  elapsedMs: number;
}

/** The check tally and latency recorders of one run. */
function newRunState(prepared: PreparedScenario) {
  const state: CheckState = {
    seen: 0,
    checked: 0,
    failures: 0,
    firstProblem: undefined,
    details: new Map(),
  };
  const latencies = new LatencyRecorder();
  const multiStep = prepared.steps.length > 1;
  const kinds = prepared.steps.map(stepKind);
  const latenciesByKind = new Map<string, LatencyRecorder>();
  const kindRecorders = kinds.map((kind) => {
    let recorder = latenciesByKind.get(kind);
    if (recorder === undefined) {
      recorder = new LatencyRecorder();
      latenciesByKind.set(kind, recorder);
    }
    return recorder;
  });

  const record = (step: ScenarioStep, result: CheckResult) => {
    state.checked += 1;
    if (result.ok) {
      const key = `${multiStep ? `${step.label}: ` : ""}${result.detail ?? "ok"}`;
      state.details.set(key, (state.details.get(key) ?? 0) + 1);
    } else {
      state.failures += 1;
      state.firstProblem ??= `${multiStep ? `${step.label}: ` : ""}${result.problem}`;
    }
  };
  return { state, latencies, latenciesByKind, kindRecorders, multiStep, record };
}

async function runLoad(
  prepared: PreparedScenario,
  job: LoadJob,
  limit: { seconds: number } | { amount: number },
): Promise<LoadRun> {
  if (job.rate !== undefined && "seconds" in limit) {
    return runOpenLoop(prepared, job, limit.seconds, job.rate);
  }
  const { state, latencies, latenciesByKind, kindRecorders, multiStep, record } =
    newRunState(prepared);

  const requests: AutocannonRequest[] = prepared.steps.map((step, stepIndex) => {
    const request: AutocannonRequest = {
      stepIndex,
      method: "POST",
      path: "/vapi/webhook",
      headers: prepared.headers,
    };
    if (step.dynamic) {
      request.setupRequest = (req, context) => {
        const connection = context as ConnectionContext;
        const next = step.next((connection.call ??= {}));
        connection.expected = next.expected;
        req.body = next.body;
        return req;
      };
    } else {
      request.body = step.next({}).body;
    }
    return request;
  });

  const setupClient = (client: autocannon.Client) => {
    const internals = client as unknown as ClientInternals;
    const iterator = internals.requestIterator;
    let lastStep = 0;
    iterator.recordBody = (request, status, body) => {
      const stepIndex = request?.stepIndex ?? 0;
      lastStep = stepIndex;
      state.seen += 1;
      const isOk = status >= 200 && status < 300;
      if (!isOk || state.seen <= 20 || state.seen % job.checkEvery === 0) {
        const step = prepared.steps[stepIndex];
        if (step !== undefined) record(step, step.check(status, body, iterator.context.expected));
      }
    };
    // Emitted right after recordBody for the same response.
    internals.on("response", (_status, _bytes, responseTimeMs) => {
      latencies.add(responseTimeMs);
      if (multiStep) kindRecorders[lastStep]?.add(responseTimeMs);
    });
  };

  const started = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    autocannon(
      {
        url: job.url,
        connections: job.connections,
        ...("seconds" in limit
          ? { duration: limit.seconds }
          : { amount: Math.max(limit.amount, job.connections) }),
        // Everything a Vapi webhook may take, plus margin; a timeout is counted as an error.
        timeout: 30,
        requests,
        setupClient,
      },
      (error: unknown, done) => {
        if (error !== null && error !== undefined) {
          reject(error instanceof Error ? error : new Error("autocannon failed", { cause: error }));
        } else resolve(done);
      },
    );
  });
  const statusCodes: Record<string, number> = {};
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) {
    statusCodes[code] = stats.count ?? 0;
  }
  return {
    totals: {
      requestsPerSecond: result.requests.average,
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      statusCodes,
    },
    state,
    latencies,
    latenciesByKind,
    elapsedMs: performance.now() - started,
  };
}

/** How often the open-loop sender wakes to send what has fallen due. */
const OPEN_LOOP_TICK_MS = 1;
/** A request not answered within this long counts as a timeout (as autocannon's `timeout`). */
const OPEN_LOOP_TIMEOUT_MS = 30_000;

/**
 * Open loop: `rate` requests per second, sent on a schedule whatever the earlier ones are doing,
 * over at most `job.connections` kept-alive sockets. Autocannon cannot do this: its rate limit
 * sends each connection's share of a second in a burst, and a connection still waits for its
 * answer before it sends again, so a server that stalls holds back the requests that would
 * have shown the stall. Here a stall holds back nothing: requests keep leaving (every 1 ms, what
 * has fallen due), queue for a socket if all are busy, and each is timed from when it was handed
 * to the HTTP client (raw-http-client.ts, lighter than node:http), the wait for a socket
 * included. Single-step scenarios only: a call's steps sent in parallel could arrive out of order.
 * Every request sent in the window is awaited; the rate reported is those answered over the
 * window, so it is `rate` when the server kept up, and p99 tells how well.
 */
async function runOpenLoop(
  prepared: PreparedScenario,
  job: LoadJob,
  seconds: number,
  rate: number,
): Promise<LoadRun> {
  const step = prepared.steps[0];
  if (step === undefined || prepared.steps.length !== 1) {
    throw new PreflightError("--rate needs a scenario of one step (not mixed-call)");
  }
  const { state, latencies, latenciesByKind, record } = newRunState(prepared);
  const target = new URL(job.url);
  const client = createRawHttpClient({
    host: target.hostname,
    port: Number(target.port),
    path: "/vapi/webhook",
    headers: prepared.headers,
    maxSockets: job.connections,
    timeoutMs: OPEN_LOOP_TIMEOUT_MS,
  });
  const fixedBody = step.dynamic ? undefined : step.next({}).body;
  const totals: LoadTotals = {
    requestsPerSecond: 0,
    non2xx: 0,
    errors: 0,
    timeouts: 0,
    statusCodes: {},
  };
  const call: CallState = {};
  const due = Math.round(rate * seconds);
  let sent = 0;
  let answered = 0;
  let settled = 0;
  let finish: () => void = () => undefined;
  const allSettled = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const settle = () => {
    settled += 1;
    if (settled === due) finish();
  };

  const send = () => {
    const sentAt = performance.now();
    const next =
      fixedBody === undefined ? step.next(call) : { body: fixedBody, expected: undefined };
    state.seen += 1;
    const checkThis = state.seen <= 20 || state.seen % job.checkEvery === 0;
    client.post(Buffer.from(next.body), checkThis, (outcome) => {
      if (!outcome.ok) {
        if (outcome.timedOut) totals.timeouts += 1;
        totals.errors += 1;
        settle();
        return;
      }
      const { status, body } = outcome;
      latencies.add(performance.now() - sentAt);
      answered += 1;
      totals.statusCodes[String(status)] = (totals.statusCodes[String(status)] ?? 0) + 1;
      const isOk = status >= 200 && status < 300;
      if (!isOk) totals.non2xx += 1;
      if (!isOk || checkThis) record(step, step.check(status, body ?? "", next.expected));
      settle();
    });
  };

  const started = performance.now();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const dueNow = Math.min(due, Math.floor(((now - started) / 1000) * rate));
      while (sent < dueNow) {
        send();
        sent += 1;
      }
      if (sent < due) setTimeout(tick, OPEN_LOOP_TICK_MS);
      else resolve();
    };
    tick();
  });
  if (due > 0) await allSettled;
  client.close();
  totals.requestsPerSecond = answered / seconds;
  // CPU per second is taken over the whole run, the answers that came after the window included.
  return { totals, state, latencies, latenciesByKind, elapsedMs: performance.now() - started };
}

function assertClean(run: LoadRun, phase: string): void {
  if (run.state.failures > 0 || run.totals.non2xx > 0 || run.totals.errors > 0) {
    throw new PreflightError(
      `${phase} saw ${run.totals.non2xx} non-2xx, ${run.totals.errors} errors, ${run.state.failures} failed checks: ${run.state.firstProblem ?? ""}`,
    );
  }
}

function serverProcesses(job: LoadJob): number[] {
  return [job.serverPid, ...childPids(job.serverPid)];
}

function logBytes(job: LoadJob): number {
  if (job.serverLogFile === undefined) return 0;
  try {
    return statSync(job.serverLogFile).size;
  } catch {
    return 0;
  }
}

async function measure(job: LoadJob): Promise<Measurement> {
  const scenario = SCENARIOS.find((candidate) => candidate.name === job.scenario);
  if (scenario === undefined) throw new Error(`unknown scenario ${job.scenario}`);
  const prepared = scenario.prepare(job.env);

  // One checked request per step, in order, as one call.
  const call: CallState = {};
  let requestBytes = 0;
  let responseBytes = 0;
  for (const step of prepared.steps) {
    const next = step.next(call);
    const response = await fetch(`${job.url}/vapi/webhook`, {
      method: "POST",
      headers: prepared.headers,
      body: next.body,
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    const verdict = step.check(response.status, text, next.expected);
    if (!verdict.ok) {
      throw new PreflightError(`first ${step.label} failed its check: ${verdict.problem}`);
    }
    requestBytes += Buffer.byteLength(next.body);
    responseBytes += Buffer.byteLength(text);
  }

  if (prepared.primeRequests > 0) {
    assertClean(await runLoad(prepared, job, { amount: prepared.primeRequests }), "priming");
  }
  if (job.warmupSeconds > 0) {
    assertClean(await runLoad(prepared, job, { seconds: job.warmupSeconds }), "warm-up");
  }

  const pids = serverProcesses(job);
  const perProcessBefore = pids.map(readCpuTimeMs);
  const cpuOf = () => pids.reduce((sum, pid) => sum + readCpuTimeMs(pid), 0);
  const serverCpuBefore = cpuOf();
  const logBytesBefore = logBytes(job);
  const loadCpuBefore = process.cpuUsage();
  const machineBusyBefore = readMachineBusyCpuMs();
  const run = await runLoad(prepared, job, { seconds: job.durationSeconds });
  const serverCpuMs = cpuOf() - serverCpuBefore;
  const perProcessMs = pids.map(
    (pid, index) => readCpuTimeMs(pid) - (perProcessBefore[index] ?? 0),
  );
  const loggedBytes = logBytes(job) - logBytesBefore;
  const loadCpu = process.cpuUsage(loadCpuBefore);
  const loadCpuMs = (loadCpu.user + loadCpu.system) / 1000;
  const otherCpuMs = readMachineBusyCpuMs() - machineBusyBefore - serverCpuMs - loadCpuMs;

  const { totals, state } = run;
  const seconds = run.elapsedMs / 1000;
  const completed = run.latencies.size;
  const byKind: StepLatency[] = [];
  for (const [kind, recorder] of run.latenciesByKind) {
    if (recorder.size > 0) {
      byKind.push({ kind, count: recorder.size, latencyMs: summarize(recorder.sorted()) });
    }
  }
  const steps = prepared.steps.length;
  return {
    requestBytes: requestBytes / steps,
    responseBytes: responseBytes / steps,
    requestsPerSecond: totals.requestsPerSecond,
    offeredRate: job.rate,
    totalRequests: completed,
    latencyMs: summarize(run.latencies.sorted()),
    latencyByKind: byKind,
    non2xx: totals.non2xx,
    statusCodes: totals.statusCodes,
    errors: totals.errors,
    timeouts: totals.timeouts,
    checked: state.checked,
    checkFailures: state.failures,
    firstProblem: state.firstProblem,
    details: Object.fromEntries(state.details),
    serverCpuMsPerSecond: serverCpuMs / seconds,
    serverCpuMsPerSecondByProcess: perProcessMs.map((ms) => ms / seconds),
    serverCpuMicrosPerRequest: completed === 0 ? Number.NaN : (serverCpuMs * 1000) / completed,
    loadGeneratorCpuMsPerSecond: loadCpuMs / seconds,
    otherProcessesCpuMsPerSecond: Math.max(0, otherCpuMs / seconds),
    serverLogBytesPerRequest: completed === 0 ? Number.NaN : loggedBytes / completed,
    notes: prepared.describe?.(),
  };
}

function reply(message: LoadReply): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined) {
      process.stdout.write(`${JSON.stringify(message)}\n`);
      resolve();
    } else process.send(message, undefined, {}, () => resolve());
  });
}

process.once("message", (job: LoadJob) => {
  measure(job)
    .then(
      (measurement) => reply({ type: "result", measurement }),
      (error: unknown) =>
        reply({
          type: "error",
          preflight: error instanceof PreflightError,
          message: error instanceof Error ? (error.stack ?? error.message) : String(error),
        }),
    )
    .finally(() => process.disconnect?.());
});
