import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { pino, type DestinationStream } from "pino";
import type { Config } from "./config.js";
import { createDashboard } from "./dashboard/create-dashboard.js";
import type { Deps } from "./deps.js";
import { drainConnectionsOnClose } from "./http/drain-connections-on-close.js";
import { registerErrorHandlers } from "./http/plugins/error-handler.js";
import { adminRoutes } from "./http/routes/admin/admin-routes.js";
import { dashboardRoutes } from "./http/routes/dashboard/dashboard-routes.js";
import { healthRoutes, type ReadinessCheck } from "./http/routes/health.js";
import { startWorkers, type RunningWorkers } from "./jobs/start-workers.js";
import { metricsRoute } from "./http/routes/metrics.js";
import { vapiWebhookRoute } from "./http/routes/vapi-webhook.js";
import { CHECKPOINT_FALLBACK_MESSAGE } from "./db/sqlite-checkpointer.js";
import { BODY_READER_FALLBACK_MESSAGE } from "./vapi/body-reader.js";
import { createLoggerOptions, generateRequestId } from "./logging.js";
import { createWebhookPipeline } from "./webhook-pipeline.js";

export interface BuildAppOptions {
  config: Config;
  deps: Deps;
  /** Where JSON log lines go (default stdout); tests capture them with a stream. */
  logStream?: DestinationStream | undefined;
  /** Pretty logs for a human at a terminal. Default false (JSON). */
  prettyLogs?: boolean;
}

/** Builds the Fastify app. Never listens and never reads the environment. */
export async function buildApp({
  config,
  deps,
  logStream,
  prettyLogs = false,
}: BuildAppOptions): Promise<FastifyInstance> {
  const loggerOptions = createLoggerOptions({
    level: config.logLevel,
    pretty: prettyLogs && logStream === undefined,
  });
  const app = Fastify({
    ...(logStream === undefined
      ? { logger: loggerOptions }
      : { loggerInstance: toFastifyLogger(pino(loggerOptions, logStream)) }),
    genReqId: (request) => generateRequestId(request.headers["x-request-id"]),
    // The webhook writes one canonical line itself; other routes get a compact line below.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    // Slow or stalled clients cannot hold a connection open indefinitely (slowloris): headers
    // and then the whole request must arrive within their timeouts (HTTP_*_TIMEOUT_MS).
    http: {
      headersTimeout: config.http.headersTimeoutMs,
      requestTimeout: config.http.requestTimeoutMs,
      connectionsCheckingInterval: connectionsCheckingIntervalMs(config.http),
    },
    requestTimeout: config.http.requestTimeoutMs,
    keepAliveTimeout: config.http.keepAliveTimeoutMs,
    connectionTimeout: socketIdleTimeoutMs(config),
    // During shutdown a request arriving on a kept-alive connection gets 503 and
    // `Connection: close`, so Vapi retries it on another instance.
    return503OnClosing: true,
  });

  // Hooks on every request are callback style, not async: a promise per hook per request is a
  // measurable share of the webhook hot path.
  app.addHook("onRequest", (request, reply, done) => {
    void reply.header("x-request-id", request.id);
    done();
  });
  app.addHook("onResponse", (request, reply, done) => {
    done();
    if (request.routeOptions.url === "/vapi/webhook" && reply.statusCode < 500) return;
    if (request.routeOptions.url === "/healthz" || request.routeOptions.url === "/readyz") return;
    // Scraped every few seconds; failures (401) still log through the error handler.
    if (request.routeOptions.url === "/metrics" && reply.statusCode < 400) return;
    request.log.info(
      {
        method: request.method,
        url: request.url.split("?")[0],
        statusCode: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime),
      },
      "request completed",
    );
  });

  registerErrorHandlers(app);
  logResolverEvents(app, deps);
  logDatabaseEvents(app, deps);

  drainConnectionsOnClose(app, config.http);

  // Job workers run alongside the server unless RUN_WORKERS=false (then `frontdesk worker` runs
  // them): started once the app is ready. On close they stop claiming at once and their running
  // jobs finish (or are released) while in-flight requests drain, so the two waits overlap
  // instead of adding up; the stores close only after both.
  if (config.runWorkers) {
    let workers: RunningWorkers | undefined;
    let stopping: Promise<void> | undefined;
    app.addHook("onReady", async () => {
      workers = startWorkers({ config, deps, log: app.log.child({ component: "jobs" }) });
    });
    app.addHook("preClose", async () => {
      stopping = workers?.stop();
      // Awaited in onClose; a rejection must not go unhandled in between.
      stopping?.catch(() => undefined);
    });
    app.addHook("onClose", async () => stopping ?? workers?.stop());
  }

  const pipeline = createWebhookPipeline(config, deps, {
    onReaderFallback: (error) => app.log.error({ err: error }, BODY_READER_FALLBACK_MESSAGE),
  });
  app.addHook("onClose", () => pipeline.close());
  await app.register(vapiWebhookRoute, {
    processWebhook: pipeline.process,
    bodyLimitBytes: config.bodyLimitBytes,
    onWebhook: (summary, seconds) => deps.metrics.observeWebhook(summary, seconds),
    canonicalLog: app.log.child({}, { redact: [] }),
  });

  const checks: ReadinessCheck[] = [{ name: "database", check: () => deps.tenants.ping() }];
  const redis = deps.redis;
  if (redis !== undefined) {
    checks.push({
      name: "redis",
      check: async () => {
        await redis.ping();
      },
    });
  }
  await app.register(healthRoutes, { checks });
  await app.register(metricsRoute, { metrics: deps.metrics, token: config.metricsToken });

  // Without ADMIN_TOKEN the admin API is not registered at all: /admin/v1/* is a plain 404, so
  // no configuration mistake can leave it open, and nothing tells a prober that it exists.
  if (config.adminToken === undefined) {
    app.log.info("admin API disabled: ADMIN_TOKEN is not set");
  } else {
    await app.register(adminRoutes, {
      prefix: "/admin/v1",
      token: config.adminToken,
      tenants: deps.tenants,
      resolver: deps.resolver,
      clock: deps.clock,
      db: deps.db,
      jobs: deps.jobs,
    });
    // The dashboard signs in with the same token, so it too exists only when ADMIN_TOKEN is set.
    const dashboard = createDashboard({
      adminToken: config.adminToken,
      db: deps.db,
      tenants: deps.tenants,
      resolver: deps.resolver,
      clock: deps.clock,
      jobs: deps.jobs,
      secureCookies: config.publicUrl?.startsWith("https://") ?? false,
      onPublishError: (tenantId, error) =>
        app.log.warn({ err: error, tenantId }, "tenant change saved but not broadcast"),
      onLiveError: (error) => app.log.warn({ err: error }, "dashboard live view query failed"),
    });
    await app.register(dashboardRoutes, {
      prefix: "/dashboard",
      dashboard,
      publicUrl: config.publicUrl,
    });
  }

  return app;
}

// Node checks headersTimeout and requestTimeout only this often (default 30 s, which would let
// a stalled request live up to 30 s past its timeout): a fraction of the shorter one, capped at
// 1 s. The check walks the connection list, cheap at this rate.
function connectionsCheckingIntervalMs(http: Config["http"]): number {
  return Math.max(25, Math.min(1000, Math.floor(http.headersTimeoutMs / 4)));
}

// Headroom over the longest handler budget: a handler awaiting a tool sends nothing.
const SOCKET_IDLE_MARGIN_MS = 5_000;

/**
 * A socket silent for this long is destroyed. It must outlast every handler budget (the wire is
 * silent while a tool runs), and a client may pause mid-upload, but never longer than a whole
 * request may take.
 */
function socketIdleTimeoutMs(config: Config): number {
  return Math.max(
    config.http.requestTimeoutMs,
    config.toolCallBudgetMs + SOCKET_IDLE_MARGIN_MS,
    config.assistantRequestBudgetMs + SOCKET_IDLE_MARGIN_MS,
  );
}

// During a Redis (or database) outage every lookup or poll would report the same failure: log it
// at most every 10 s.
const SHARED_CACHE_ERROR_LOG_INTERVAL_MS = 10_000;

function logDatabaseEvents(app: FastifyInstance, deps: Deps): void {
  const off = deps.databaseEvents.on((event) => {
    app.log.error({ err: event.error }, CHECKPOINT_FALLBACK_MESSAGE);
  });
  app.addHook("onClose", async () => off());
}

function logResolverEvents(app: FastifyInstance, deps: Deps): void {
  const sharedCacheDown = throttled(SHARED_CACHE_ERROR_LOG_INTERVAL_MS);
  const changeFeedDown = throttled(SHARED_CACHE_ERROR_LOG_INTERVAL_MS);
  const off = deps.resolverEvents.on((event) => {
    switch (event.type) {
      case "shared-cache-error":
        sharedCacheDown(() =>
          app.log.warn(
            { err: event.error },
            "Redis tenant cache unavailable; using memory and the database",
          ),
        );
        break;
      case "change-feed-error":
        changeFeedDown(() =>
          app.log.warn(
            { err: event.error },
            "cannot read tenant changes from the database; retrying",
          ),
        );
        break;
      case "refresh-error":
        app.log.warn({ err: event.error, key: event.key }, "tenant refresh failed");
        break;
      case "stale-served":
        app.log.debug({ key: event.key, reason: event.reason }, "served last known good tenant");
        break;
    }
  });
  app.addHook("onClose", async () => off());
}

/** Runs what it is given at most once per interval; the rest is dropped. */
function throttled(intervalMs: number): (run: () => void) => void {
  let lastRunAt = 0;
  return (run) => {
    const now = Date.now();
    if (now - lastRunAt < intervalMs) return;
    lastRunAt = now;
    run();
  };
}

// pino's Logger carries generics Fastify's instance type does not track; the runtime object is
// exactly what Fastify expects.
function toFastifyLogger(logger: FastifyBaseLogger): FastifyBaseLogger {
  return logger;
}
