import { spawn, type ChildProcess } from "node:child_process";
import { execFileSync } from "node:child_process";
import { closeSync, openSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

export interface ChildServerOptions {
  /** Arguments to `node` (script and flags). */
  nodeArgs: string[];
  env: Record<string, string>;
  cwd: string;
  /** The server's stdout (its JSON logs) and stderr go to these files. */
  stdoutFile: string;
  stderrFile: string;
  port: number;
  /** Give up waiting for GET /healthz after this long. */
  startTimeoutMs?: number;
}

export interface ChildServer {
  /** The process started (with `serve --workers N`, the cluster primary). */
  readonly pid: number;
  readonly url: string;
  /** The file the server's stdout (its JSON log lines) goes to. */
  readonly logFile: string;
  /** The started process and its live child processes (cluster workers), primary first. */
  processIds(): number[];
  /** CPU time (user + system) the process and its workers have used so far, in ms, from /proc. */
  cpuTimeMs(): number;
  /** Peak resident set size so far (VmHWM) in MiB of each process, primary first. */
  peakRssMb(): ProcessPeakRss[];
  /** Bytes the server has written to stdout so far (its log lines). */
  logBytes(): number;
  /** SIGTERM, then SIGKILL after `graceMs` if it is still running. Resolves on exit. */
  stop(graceMs?: number): Promise<void>;
}

export interface ProcessPeakRss {
  pid: number;
  role: "server" | "primary" | "worker";
  mb: number;
}

const HOST = "127.0.0.1";

/** A port that was free a moment ago on 127.0.0.1 (the child binds it right after). */
export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, HOST, () => {
      const address = probe.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

let clockTicksPerSecond: number | undefined;
/** USER_HZ: the unit of the CPU times in /proc (almost always 100). */
export function ticksPerSecond(): number {
  if (clockTicksPerSecond === undefined) {
    try {
      clockTicksPerSecond = Number(
        execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim(),
      );
    } catch {
      clockTicksPerSecond = 100;
    }
    if (!Number.isFinite(clockTicksPerSecond) || clockTicksPerSecond <= 0)
      clockTicksPerSecond = 100;
  }
  return clockTicksPerSecond;
}

/** Starts `node …` as a child on 127.0.0.1 and waits until GET /healthz answers 200. */
export async function startChildServer(options: ChildServerOptions): Promise<ChildServer> {
  const stdout = openSync(options.stdoutFile, "w");
  const stderr = openSync(options.stderrFile, "w");
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, options.nodeArgs, {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", stdout, stderr],
    });
  } finally {
    closeSync(stdout);
    closeSync(stderr);
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start node ${options.nodeArgs.join(" ")}`);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exit = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });

  const url = `http://${HOST}:${options.port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 20_000);
  for (;;) {
    if (exited !== undefined) {
      throw new Error(
        `server exited during start-up (code ${String(exited.code)}):\n${tail(options.stderrFile)}${tail(options.stdoutFile)}`,
      );
    }
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`server did not become healthy in time:\n${tail(options.stderrFile)}`);
    }
    await sleep(50);
  }

  const processIds = () => [pid, ...childPids(pid)];
  return {
    pid,
    url,
    logFile: options.stdoutFile,
    processIds,
    cpuTimeMs() {
      return processIds().reduce((sum, id) => sum + readCpuTimeMs(id), 0);
    },
    peakRssMb() {
      const ids = processIds();
      return ids.map((id, index) => ({
        pid: id,
        role: ids.length === 1 ? "server" : index === 0 ? "primary" : "worker",
        mb: readPeakRssMb(id),
      }));
    },
    logBytes() {
      return statSync(options.stdoutFile).size;
    },
    async stop(graceMs = 10_000) {
      if (exited !== undefined) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exit;
      clearTimeout(timer);
    },
  };
}

/**
 * CPU time (user + system) so far, in ms, of one process (all its threads); 0 once it has exited
 * (or off Linux).
 */
export function readCpuTimeMs(pid: number): number {
  return readStatCpuMs(`/proc/${pid}/stat`);
}

/**
 * CPU time so far, in ms, of one thread of a process (the main thread's id is the pid). Its
 * own function rather than an optional argument of readCpuTimeMs, which is passed to `map`.
 */
export function readThreadCpuTimeMs(pid: number, thread: number): number {
  return readStatCpuMs(`/proc/${pid}/task/${thread}/stat`);
}

function readStatCpuMs(file: string): number {
  try {
    // A stat file: fields after the ")" of the command name; utime and stime are 14 and 15.
    const stat = readFileSync(file, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / ticksPerSecond();
  } catch {
    return 0;
  }
}

/** Peak resident set size (VmHWM) of one process in MiB; NaN once it has exited. */
export function readPeakRssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
    return match?.[1] === undefined ? Number.NaN : Number(match[1]) / 1024;
  } catch {
    return Number.NaN;
  }
}

/** Live child processes of `pid` (cluster workers), from /proc/<pid>/task/<pid>/children. */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter((field) => field.length > 0)
      .map(Number);
  } catch {
    return [];
  }
}

function tail(file: string, maxChars = 4000): string {
  try {
    const text = readFileSync(file, "utf8");
    return text.length > maxChars ? `…${text.slice(-maxChars)}` : text;
  } catch {
    return "";
  }
}
