import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type { Database as SqliteDatabase } from "better-sqlite3";

/** How often the background connection looks for frames to copy while writes are quiet. */
const CHECKPOINT_INTERVAL_MS = 100;
/** The pause between passes while the last one found frames to copy. */
const BUSY_CHECKPOINT_INTERVAL_MS = 5;
/**
 * A WAL this many frames long (4 KiB pages: 16 MiB) is reset with a RESTART checkpoint, which
 * waits for the current batch and holds the write lock for a few ms. Under steady writes the
 * writer may otherwise never find the WAL fully copied when it starts a batch, and keep
 * appending to it. SQLite's own automatic checkpoint runs at 1,000 frames.
 */
const RESTART_AT_FRAMES = 4000;
/** How long that RESTART waits for the writer's batch before trying again at the next tick. */
const RESTART_WAIT_MS = 200;
/** SQLite's default `wal_autocheckpoint`, restored when the background connection is gone. */
const INLINE_CHECKPOINT_FRAMES = 1000;

export type CheckpointMode = "background" | "inline";

/** The log line of a process whose background checkpoints fell back to inline ones. */
export const CHECKPOINT_FALLBACK_MESSAGE =
  "SQLite background checkpoints stopped; checkpointing inline again (SQLITE_CHECKPOINTS)";

export interface SqliteCheckpointer {
  /** `inline` once the background connection has failed and SQLite checkpoints on commit again. */
  mode(): CheckpointMode;
  /** Stops the background connection (before the main one closes, so that close cleans up). */
  stop(): Promise<void>;
}

export interface CheckpointerOptions {
  /** Told once, when the background connection fails and checkpoints move back inline. */
  onFallback?: ((error: unknown) => void) | undefined;
}

/*
 * The worker's whole program, run with `eval` so that it needs no file of its own: the same
 * source works from `dist/` and under the test runner, which transforms only the main thread's
 * TypeScript. Plain CommonJS; `workerData` carries everything it needs.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma("busy_timeout = " + workerData.restartWaitMs);

let timer;
let stopped = false;
function checkpointOnce() {
  const [state] = db.pragma("wal_checkpoint(PASSIVE)");
  const copied = state.busy === 0 && state.checkpointed > 0;
  if (state.log >= workerData.restartAtFrames) db.pragma("wal_checkpoint(RESTART)");
  if (stopped) return;
  // While writes keep coming, stay right behind them: the copy is then never more than a pass
  // behind, and a RESTART finds almost nothing left to copy under the write lock.
  timer = setTimeout(checkpointOnce, copied ? workerData.busyIntervalMs : workerData.intervalMs);
}

timer = setTimeout(checkpointOnce, workerData.intervalMs);
parentPort.on("message", (message) => {
  if (message !== "stop") return;
  stopped = true;
  clearTimeout(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * Moves SQLite's WAL checkpoints off the event loop (ADR 0010, addendum 2). By default the
 * COMMIT that leaves the WAL 1,000 pages long copies them into the database file and fsyncs it,
 * holding the event loop for that long: every request in flight, an assistant-request with a
 * ringing phone included, waits. Here the main connection never checkpoints
 * (`wal_autocheckpoint = 0`) and a second connection on a worker thread does it every 100 ms,
 * with PASSIVE checkpoints that never block the writer.
 *
 * If that thread fails (it cannot open the file, SQLite reports an error), the main connection
 * goes back to SQLite's automatic checkpoints, so the WAL can never grow without bound.
 */
export function startBackgroundCheckpoints(
  sqlite: SqliteDatabase,
  file: string,
  options: CheckpointerOptions = {},
): SqliteCheckpointer {
  let mode: CheckpointMode = "background";
  let stopping = false;
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      driver: createRequire(import.meta.url).resolve("better-sqlite3"),
      file,
      intervalMs: CHECKPOINT_INTERVAL_MS,
      busyIntervalMs: BUSY_CHECKPOINT_INTERVAL_MS,
      restartAtFrames: RESTART_AT_FRAMES,
      restartWaitMs: RESTART_WAIT_MS,
    },
    // A connection and a timer: the defaults (a heap sized for applications) are not needed.
    resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2 },
  });
  // Never what keeps the process alive.
  worker.unref();
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));

  const fallBack = (error: unknown) => {
    if (mode === "inline") return;
    mode = "inline";
    if (sqlite.open) sqlite.pragma(`wal_autocheckpoint = ${INLINE_CHECKPOINT_FRAMES}`);
    options.onFallback?.(error);
  };
  worker.on("error", fallBack);
  worker.on("exit", (code) => {
    if (!stopping) fallBack(new Error(`the checkpoint thread exited with code ${code}`));
  });
  sqlite.pragma("wal_autocheckpoint = 0");

  return {
    mode: () => mode,
    async stop() {
      if (stopping) return exited;
      stopping = true;
      worker.postMessage("stop");
      const timeout = setTimeout(() => void worker.terminate(), 2000);
      await exited;
      clearTimeout(timeout);
    },
  };
}
