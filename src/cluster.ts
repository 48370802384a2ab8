import cluster from "node:cluster";
import { availableParallelism } from "node:os";
import process from "node:process";
import { startServer } from "./main.js";

// A worker that dies within this long of starting is failing at start-up (bad config, database
// unreachable): restarting it in a tight loop would only flood the logs.
const CRASH_LOOP_WINDOW_MS = 5_000;

/**
 * Runs `workers` server processes sharing one port (Node's cluster module distributes
 * connections). The primary restarts workers that crash and, on SIGTERM/SIGINT, forwards the
 * signal so each worker drains its in-flight requests before the primary exits.
 */
export async function startCluster(
  workers: number,
  env: Record<string, string | undefined>,
): Promise<void> {
  if (!cluster.isPrimary) {
    await startServer(env);
    return;
  }
  const count = workers > 0 ? workers : availableParallelism();
  const startedAt = new Map<number, number>();
  let stopping = false;

  const fork = () => {
    const worker = cluster.fork();
    startedAt.set(worker.id, Date.now());
  };
  for (let index = 0; index < count; index += 1) fork();

  cluster.on("exit", (worker, code, signal) => {
    const lifetimeMs = Date.now() - (startedAt.get(worker.id) ?? 0);
    startedAt.delete(worker.id);
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    process.stderr.write(
      `${JSON.stringify({ level: 50, msg: "worker exited", pid: worker.process.pid, code, signal, lifetimeMs })}\n`,
    );
    if (lifetimeMs < CRASH_LOOP_WINDOW_MS) {
      process.stderr.write(
        `${JSON.stringify({ level: 60, msg: "worker failed at start-up; stopping" })}\n`,
      );
      stopping = true;
      for (const other of Object.values(cluster.workers ?? {})) other?.process.kill("SIGTERM");
      process.exitCode = 1;
      return;
    }
    fork();
  });

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
}
