import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spareTcpPort } from "./spare-tcp-port.js";

/**
 * A redis-server of our own, for tests that stop, kill and restart Redis: never the shared one
 * on 6379, which other test files (and other engineers) use at the same time.
 */
export interface PrivateRedis {
  port: number;
  url: string;
  /** Whether the server process is running. */
  readonly running: boolean;
  /** SIGKILL: the process dies at once, its clients see their sockets close. */
  kill(): Promise<void>;
  /** `SHUTDOWN NOSAVE` through redis-cli, then waits for the process to exit. */
  shutdown(): Promise<void>;
  /** Starts the server again on the same port (and waits until it answers PING). */
  start(): Promise<void>;
  /** Kills the server if running and removes its temp dir. Safe to call twice. */
  close(): Promise<void>;
}

const START_TIMEOUT_MS = 5000;

/**
 * Whether redis-server can be run here. Under CI=true a missing binary is a failure, not a skip
 * (as for the shared stores in test-database.ts); elsewhere the caller skips with a loud note.
 */
export function isRedisServerInstalled(): boolean {
  const probe = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
  if (probe.status === 0) return true;
  if (process.env.CI === "true") {
    throw new Error("redis-server is required under CI=true but could not be run", {
      cause: probe.error,
    });
  }
  process.stderr.write("\n*** redis-server not found: private-Redis tests are SKIPPED ***\n\n");
  return false;
}

export interface PrivateRedisOptions {
  /**
   * `none` (default): nothing on disk, like the shared test Redis. `aof-always`: every write is
   * in the append-only file before Redis answers, the configuration the README asks of a
   * Redis that holds BullMQ jobs; a SIGKILL then loses nothing acknowledged.
   */
  persistence?: "none" | "aof-always";
}

/**
 * Starts redis-server on a spare port of 127.0.0.1 in a temp working dir (restarts reuse it, so
 * an append-only file is read back). Register `close` in afterAll; the process is also killed if
 * the test worker exits without it.
 */
export async function startPrivateRedis(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
  const persistence =
    options.persistence === "aof-always"
      ? ["--appendonly", "yes", "--appendfsync", "always"]
      : ["--appendonly", "no"];
  const dir = mkdtempSync(join(tmpdir(), "frontdesk-redis-"));
  const port = await spareTcpPort();
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const output: string[] = [];
  const killOnExit = () => child?.kill("SIGKILL");
  process.once("exit", killOnExit);

  const isRunning = () =>
    child !== undefined && child.exitCode === null && child.signalCode === null;

  async function start(): Promise<void> {
    if (isRunning()) throw new Error("the private redis-server is already running");
    const spawned = spawn(
      "redis-server",
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        ...persistence,
        "--dir",
        dir,
        "--protected-mode",
        "no",
        "--loglevel",
        "warning",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child = spawned;
    spawned.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString("utf8")));
    spawned.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString("utf8")));
    exited = new Promise<void>((resolve) => spawned.once("exit", () => resolve()));
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (!isRunning()) {
        throw new Error(`redis-server exited at start on port ${port}:\n${output.join("")}`);
      }
      if (await answersPing(port)) return;
      if (Date.now() > deadline) {
        spawned.kill("SIGKILL");
        throw new Error(`redis-server did not answer on port ${port}:\n${output.join("")}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  await start();

  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get running() {
      return isRunning();
    },
    async kill() {
      if (!isRunning()) return;
      child?.kill("SIGKILL");
      await exited;
    },
    async shutdown() {
      if (!isRunning()) return;
      spawnSync("redis-cli", ["-p", String(port), "shutdown", "nosave"], { timeout: 5000 });
      await exited;
    },
    start,
    async close() {
      if (isRunning()) {
        child?.kill("SIGKILL");
        await exited;
      }
      process.removeListener("exit", killOnExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Sends an inline PING and waits for +PONG (no client library: this checks the port itself). */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (chunk: Buffer) => done(chunk.toString("utf8").startsWith("+PONG")));
  });
}
