import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

/*
 * One of our entry points (the server, the job worker) in a child process, started under tsx
 * (no build step), for tests that need what an in-process instance cannot give: `kill -9`,
 * signals, exit codes, a restart on the same database. Its JSON log lines are collected as they
 * arrive so that a test can wait for one or look back at all of them.
 */

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
// A cold tsx start on a busy two-core machine takes several seconds.
const LINE_TIMEOUT_MS = 30_000;

export type LogLine = Record<string, unknown>;

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface TsxProcess {
  child: ChildProcess;
  /** Every JSON log line written to stdout so far (non-JSON lines as `{ msg }`). */
  lines: LogLine[];
  stderr(): string;
  exited: Promise<ExitStatus>;
  /** Resolves with the first line (past or future) matching; rejects on timeout or exit. */
  waitForLine(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Sends a signal to this process only (by its own pid), if it still runs. */
  signal(signal: NodeJS.Signals): void;
}

const started = new Set<TsxProcess>();

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/**
 * SIGKILLs every process this test file started that still runs, and waits until they have
 * exited (so that their database can be dropped next). Call in afterAll.
 */
export async function killTsxProcesses(): Promise<void> {
  await Promise.all(
    [...started].map(async (spawned) => {
      spawned.signal("SIGKILL");
      await spawned.exited;
    }),
  );
}
// Belt and braces: a worker that dies without running afterAll must not leave processes behind.
process.once("exit", () => {
  for (const spawned of started) spawned.signal("SIGKILL");
});

/**
 * Spawns `node --import tsx <script> [args]` (a path from the repository root) with only the given
 * environment plus PATH and HOME; does not wait for anything.
 */
export function spawnTsxProcess(
  script: string,
  env: Record<string, string>,
  args: readonly string[] = [],
): TsxProcess {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: LogLine[] = [];
  const waiters = new Set<{
    predicate: (line: LogLine) => boolean;
    resolve: (line: LogLine) => void;
  }>();
  let buffered = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    for (const part of parts) {
      if (part.trim() === "") continue;
      let line: LogLine;
      try {
        line = JSON.parse(part) as LogLine;
      } catch {
        line = { msg: part };
      }
      lines.push(line);
      for (const waiter of waiters) {
        if (waiter.predicate(line)) {
          waiters.delete(waiter);
          waiter.resolve(line);
        }
      }
    }
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<ExitStatus>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );

  const waitForLine = (predicate: (line: LogLine) => boolean, timeoutMs = LINE_TIMEOUT_MS) => {
    const found = lines.find(predicate);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise<LogLine>((resolve, reject) => {
      const waiter = {
        predicate,
        resolve: (line: LogLine) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`no matching log line within ${timeoutMs} ms; stderr: ${stderr}`));
      }, timeoutMs);
      waiters.add(waiter);
      void exited.then((status) => {
        if (!waiters.delete(waiter)) return;
        clearTimeout(timer);
        reject(new Error(`${script} exited (${JSON.stringify(status)}) first; stderr: ${stderr}`));
      });
    });
  };

  const spawned: TsxProcess = {
    child,
    lines,
    stderr: () => stderr,
    exited,
    waitForLine,
    signal: (signal) => {
      if (isRunning(child)) child.kill(signal);
    },
  };
  started.add(spawned);
  return spawned;
}
