import process from "node:process";
import { buildApp } from "./app.js";
import { isWebhookAuthConfigured, loadConfigOrExit } from "./config.js";
import { createDeps } from "./deps.js";
import { limitHeapGrowth } from "./memory-settings.js";

// Inside Kubernetes' default 30 s termination grace, with room for the final log lines. Draining
// requests and stopping jobs overlap (buildApp), and running jobs get 15 s before they are put
// back in the queue (DEFAULT_STOP_GRACE_MS), so a normal shutdown ends well before this.
const SHUTDOWN_TIMEOUT_MS = 25_000;

/**
 * Process entry: config → deps → app → listen, with graceful shutdown on SIGTERM/SIGINT
 * (in-flight requests drain, then connections and stores close).
 */
export async function startServer(
  env: Record<string, string | undefined> = process.env,
): Promise<void> {
  limitHeapGrowth(env.NODE_OPTIONS, process.execArgv);
  const config = loadConfigOrExit(env);

  const deps = await createDeps(config);
  const app = await buildApp({
    config,
    deps,
    prettyLogs: process.stdout.isTTY && config.nodeEnv !== "production",
  });

  if (!isWebhookAuthConfigured(config.auth)) {
    app.log.warn(
      "WEBHOOK AUTHENTICATION IS OFF: neither VAPI_SECRET nor VAPI_HMAC_SECRET is set, so anyone who finds this URL can call it. Set one before taking real calls.",
    );
  }

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, "shutting down: draining in-flight requests");
    const startedAt = Date.now();
    const force = setTimeout(() => {
      app.log.error(`shutdown took longer than ${SHUTDOWN_TIMEOUT_MS / 1000} s; exiting`);
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    force.unref();
    app
      .close()
      .then(() => deps.close())
      .then(() => {
        app.log.info({ durationMs: Date.now() - startedAt }, "shutdown complete");
        process.exit(0);
      })
      .catch((error: unknown) => {
        app.log.error({ err: error }, "error during shutdown");
        process.exit(1);
      });
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));

  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  if (
    process.stdout.isTTY &&
    config.nodeEnv !== "production" &&
    typeof address === "object" &&
    address !== null
  ) {
    // A person at a terminal (npm run demo): show how to try a whole call without Vapi.
    app.log.info(
      `try a whole call from another terminal: npm run simulate -- --url http://127.0.0.1:${address.port} --number +61255501234 --scenario all`,
    );
  }
}
