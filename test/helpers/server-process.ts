import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { createSqliteTestDatabase, POSTGRES_URL, type TestStore } from "./test-database.js";

/*
 * The real server (src/server.ts → startServer(process.env)) in a child process, for tests that
 * need what an in-process server cannot give: `kill -9`, signals, exit codes, a restart on the
 * same database. Started under tsx like the other process tests (no build step).
 */

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
// A cold tsx start on a busy two-core machine takes several seconds.
const START_TIMEOUT_MS = 30_000;

export type LogLine = Record<string, unknown>;

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServerProcess {
  child: ChildProcess;
  pid: number;
  /** `http://127.0.0.1:<port>` once listening. */
  url: string;
  port: number;
  /** Every JSON log line written to stdout so far (non-JSON lines as `{ msg }`). */
  lines: LogLine[];
  stderr(): string;
  exited: Promise<ExitStatus>;
  /** Resolves with the first line (past or future) matching; rejects on timeout or exit. */
  waitForLine(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Sends a signal to this process only (by its own pid). */
  signal(signal: NodeJS.Signals): void;
}

const started = new Set<ChildProcess>();

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** SIGKILLs every server this test file started that is still running. Call in afterAll. */
export function killServerProcesses(): void {
  for (const child of started) {
    if (isRunning(child)) child.kill("SIGKILL");
  }
}
// Belt and braces: a worker that dies without running afterAll must not leave servers behind.
process.once("exit", killServerProcesses);

/**
 * Spawns the server on 127.0.0.1, port 0 (unless `env.PORT` says otherwise), with only the
 * given environment (plus PATH and HOME), and waits until it listens.
 * @throws if it exits or does not listen within 30 s (with its stderr in the message).
 */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/server.ts"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      NODE_ENV: "test",
      LOG_LEVEL: "info",
      HOST: "127.0.0.1",
      PORT: "0",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.add(child);
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

  const waitForLine = (predicate: (line: LogLine) => boolean, timeoutMs = START_TIMEOUT_MS) => {
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
        reject(new Error(`server exited (${JSON.stringify(status)}) first; stderr: ${stderr}`));
      });
    });
  };

  const listening = await waitForLine(
    (line) => typeof line.msg === "string" && line.msg.startsWith("Server listening at http://"),
  ).catch((error: unknown) => {
    if (isRunning(child)) child.kill("SIGKILL");
    throw error;
  });
  const url = String(listening.msg).replace("Server listening at ", "");
  const pid = child.pid;
  if (pid === undefined) throw new Error("server process has no pid");
  return {
    child,
    pid,
    url,
    port: Number(new URL(url).port),
    lines,
    stderr: () => stderr,
    exited,
    waitForLine,
    signal: (signal) => {
      if (isRunning(child)) child.kill(signal);
    },
  };
}

export interface ProcessDatabase {
  store: TestStore;
  /** DATABASE_URL for the server and for the test's own connection. */
  url: string;
  drop(): Promise<void>;
}

/**
 * A database a server process can use as-is: a fresh SQLite file, or a fresh PostgreSQL
 * *database* (a schema cannot be passed through DATABASE_URL, and the server must run exactly
 * as configured in production), dropped with its connections afterwards.
 */
export async function createProcessDatabase(store: TestStore): Promise<ProcessDatabase> {
  if (store === "sqlite") {
    const sqlite = createSqliteTestDatabase();
    return { store, url: sqlite.url, drop: () => sqlite.drop() };
  }
  const name = `fd_${randomUUID().replaceAll("-", "").slice(0, 20)}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`create database "${name}"`);
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    store,
    url: url.toString(),
    drop: () => admin(`drop database if exists "${name}" with (force)`),
  };
}
