import autocannon from "autocannon";
import { readMachineBusyCpuMs } from "./machine-load.js";
import type { CheckResult, NextRequest, PreparedScenario } from "./scenarios.js";

export interface MeasureOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  /** Besides the first responses of each run, check one response in this many. */
  checkEvery: number;
  /** CPU time of the server process so far, in ms (to attribute CPU per request). */
  serverCpuTimeMs: () => number;
  /** Bytes the server has logged so far (its stdout), to show the cost of the log lines. */
  serverLogBytes: () => number;
}

export interface Measurement {
  requestBytes: number;
  responseBytes: number;
  requestsPerSecond: number;
  totalRequests: number;
  latencyMs: { mean: number; p50: number; p90: number; p99: number; p999: number; max: number };
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
  serverCpuMicrosPerRequest: number;
  loadGeneratorCpuMsPerSecond: number;
  /** CPU other processes used on this machine during the run (they compete for the cores). */
  otherProcessesCpuMsPerSecond: number;
  serverLogBytesPerRequest: number;
}

/** Thrown when the first request already fails: measuring errors would be a defect. */
export class PreflightError extends Error {}

interface CheckState {
  seen: number;
  checked: number;
  failures: number;
  firstProblem: string | undefined;
  details: Map<string, number>;
}

/**
 * Sends one request and checks it, warms up, then measures. Latencies are recorded by us at
 * microsecond resolution (autocannon's histogram rounds to whole milliseconds, too coarse for a
 * 5 ms p99 goal). Response bodies are checked on a sample so that checking does not starve the
 * server of the CPU it shares with the load generator; non-2xx answers are always checked.
 */
export async function measureScenario(
  prepared: PreparedScenario,
  options: MeasureOptions,
): Promise<Measurement> {
  const preflight = prepared.next();
  const response = await fetch(`${options.url}/vapi/webhook`, {
    method: "POST",
    headers: prepared.headers,
    body: preflight.body,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  const verdict = prepared.check(response.status, text, preflight.expected);
  if (!verdict.ok) throw new PreflightError(`first request failed its check: ${verdict.problem}`);

  if (options.warmupSeconds > 0) {
    const warm = await runLoad(prepared, options, options.warmupSeconds);
    if (warm.state.failures > 0 || warm.result.non2xx > 0 || warm.result.errors > 0) {
      throw new PreflightError(
        `warm-up saw ${warm.result.non2xx} non-2xx, ${warm.result.errors} errors, ${warm.state.failures} failed checks: ${warm.state.firstProblem ?? ""}`,
      );
    }
  }

  const serverCpuBefore = options.serverCpuTimeMs();
  const logBytesBefore = options.serverLogBytes();
  const loadCpuBefore = process.cpuUsage();
  const machineBusyBefore = readMachineBusyCpuMs();
  const { result, latencies, state, elapsedMs } = await runLoad(
    prepared,
    options,
    options.durationSeconds,
  );
  const serverCpuMs = options.serverCpuTimeMs() - serverCpuBefore;
  const logBytes = options.serverLogBytes() - logBytesBefore;
  const loadCpu = process.cpuUsage(loadCpuBefore);
  const loadCpuMs = (loadCpu.user + loadCpu.system) / 1000;
  const otherCpuMs = readMachineBusyCpuMs() - machineBusyBefore - serverCpuMs - loadCpuMs;
  const seconds = elapsedMs / 1000;
  const completed = latencies.length;

  const statusCodes: Record<string, number> = {};
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) {
    statusCodes[code] = stats.count ?? 0;
  }
  return {
    requestBytes: Buffer.byteLength(preflight.body),
    responseBytes: Buffer.byteLength(text),
    requestsPerSecond: result.requests.average,
    totalRequests: completed,
    latencyMs: summarize(latencies),
    non2xx: result.non2xx,
    statusCodes,
    errors: result.errors,
    timeouts: result.timeouts,
    checked: state.checked,
    checkFailures: state.failures,
    firstProblem: state.firstProblem,
    details: Object.fromEntries(state.details),
    serverCpuMsPerSecond: serverCpuMs / seconds,
    serverCpuMicrosPerRequest: completed === 0 ? Number.NaN : (serverCpuMs * 1000) / completed,
    loadGeneratorCpuMsPerSecond: loadCpuMs / seconds,
    otherProcessesCpuMsPerSecond: Math.max(0, otherCpuMs / seconds),
    serverLogBytesPerRequest: completed === 0 ? Number.NaN : logBytes / completed,
  };
}

interface ConnectionContext {
  expected?: readonly string[] | undefined;
}

async function runLoad(prepared: PreparedScenario, options: MeasureOptions, seconds: number) {
  const state: CheckState = {
    seen: 0,
    checked: 0,
    failures: 0,
    firstProblem: undefined,
    details: new Map(),
  };
  const latencies = new LatencyRecorder();
  const record = (result: CheckResult) => {
    state.checked += 1;
    if (result.ok) {
      const key = result.detail ?? "ok";
      state.details.set(key, (state.details.get(key) ?? 0) + 1);
    } else {
      state.failures += 1;
      state.firstProblem ??= result.problem;
    }
  };

  const request: autocannon.Request = {
    method: "POST",
    path: "/vapi/webhook",
    headers: prepared.headers,
    body: prepared.next().body,
    onResponse(status, body, context) {
      state.seen += 1;
      const isOk = status >= 200 && status < 300;
      if (!isOk || state.seen <= 20 || state.seen % options.checkEvery === 0) {
        record(prepared.check(status, body, (context as ConnectionContext).expected));
      }
    },
  };
  if (prepared.dynamic) {
    request.setupRequest = (req, context) => {
      const next: NextRequest = prepared.next();
      (context as ConnectionContext).expected = next.expected;
      req.body = next.body;
      return req;
    };
  }

  const started = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: seconds,
        // Everything a Vapi webhook may take, plus margin; a timeout is counted as an error.
        timeout: 30,
        requests: [request],
      },
      (error: unknown, done) => {
        if (error !== null && error !== undefined) {
          reject(error instanceof Error ? error : new Error("autocannon failed", { cause: error }));
        } else resolve(done);
      },
    );
    instance.on("response", (_client, _status, _bytes, responseTimeMs) => {
      latencies.add(responseTimeMs);
    });
  });
  return { result, latencies: latencies.values(), state, elapsedMs: performance.now() - started };
}

/** Every response time of a run, kept exactly (a 10 s run is a few hundred thousand numbers). */
class LatencyRecorder {
  private buffer = new Float64Array(1 << 16);
  private size = 0;

  add(valueMs: number): void {
    if (this.size === this.buffer.length) {
      const grown = new Float64Array(this.buffer.length * 2);
      grown.set(this.buffer);
      this.buffer = grown;
    }
    this.buffer[this.size] = valueMs;
    this.size += 1;
  }

  values(): Float64Array {
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
