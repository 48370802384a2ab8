import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { pino, type DestinationStream } from "pino";
import type { Config } from "./config.js";
import type { Deps } from "./deps.js";
import { registerErrorHandlers } from "./http/plugins/error-handler.js";
import { healthRoutes, type ReadinessCheck } from "./http/routes/health.js";
import { vapiWebhookRoute } from "./http/routes/vapi-webhook.js";
import { createLoggerOptions, generateRequestId } from "./logging.js";
import { createVapiRouter } from "./vapi/create-vapi-router.js";
import { createFailureAnswer } from "./vapi/failure-answer.js";
import { createWebhookProcessor } from "./vapi/process-webhook.js";

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
      : { loggerInstance: pino(loggerOptions, logStream) as FastifyBaseLogger }),
    genReqId: (request) => generateRequestId(request.headers["x-request-id"]),
    // The webhook writes one canonical line itself; other routes get a compact line below.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    // Slow or stalled clients cannot hold a connection open indefinitely (slowloris).
    connectionTimeout: 30_000,
    keepAliveTimeout: 72_000,
    requestTimeout: 30_000,
    return503OnClosing: true,
  });

  app.addHook("onRequest", async (request, reply) => {
    void reply.header("x-request-id", request.id);
  });
  app.addHook("onResponse", async (request, reply) => {
    if (request.routeOptions.url === "/vapi/webhook" && reply.statusCode < 500) return;
    if (request.routeOptions.url === "/healthz" || request.routeOptions.url === "/readyz") return;
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

  const fallback = config.fallback;
  const router = createVapiRouter({
    db: deps.db,
    registry: deps.registry,
    fallback,
    toolBudgetMs: config.toolCallBudgetMs,
  });
  const processWebhook = createWebhookProcessor({
    auth: config.auth,
    router,
    resolver: deps.resolver,
    clock: deps.clock,
    budgetsMs: { "assistant-request": config.assistantRequestBudgetMs },
    failureAnswer: createFailureAnswer(fallback),
  });
  await app.register(vapiWebhookRoute, { processWebhook, bodyLimitBytes: config.bodyLimitBytes });

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

  return app;
}
