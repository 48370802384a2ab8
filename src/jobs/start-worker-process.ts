import process from "node:process";
import { pino } from "pino";
import { loadConfigOrExit } from "../config.js";
import { CHECKPOINT_FALLBACK_MESSAGE } from "../db/sqlite-checkpointer.js";
import { createDeps } from "../deps.js";
import { createLoggerOptions } from "../logging.js";
import { startWorkers } from "./start-workers.js";

// Matches the web process: past this a stuck shutdown exits anyway (above the jobs' grace).
const FORCED_EXIT_MS = 25_000;

/**
 * `frontdesk worker`: runs the job workers without the web server. Same configuration as the
 * server (RUN_WORKERS does not apply). On SIGTERM/SIGINT it stops claiming, lets the running
 * jobs finish (or, after the grace period, puts them back in the queue), closes stores, exits 0.
 */
export async function startWorkerProcess(env: Record<string, string | undefined>): Promise<void> {
  const config = loadConfigOrExit(env);
  const log = pino(
    createLoggerOptions({
      level: config.logLevel,
      pretty: process.stdout.isTTY && config.nodeEnv !== "production",
    }),
  ).child({ component: "worker" });
  const deps = await createDeps(config);
  deps.databaseEvents.on((event) => {
    log.error({ err: event.error }, CHECKPOINT_FALLBACK_MESSAGE);
  });
  const workers = startWorkers({ config, deps, log });

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, "shutting down: finishing running jobs");
    const force = setTimeout(() => {
      log.error(`shutdown took longer than ${FORCED_EXIT_MS / 1000} s; exiting`);
      process.exit(1);
    }, FORCED_EXIT_MS);
    force.unref();
    workers
      .stop()
      .then(() => deps.close())
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        log.error({ err: error }, "error during shutdown");
        process.exit(1);
      });
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
}
