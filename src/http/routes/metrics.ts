import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { AppError } from "../../errors.js";
import type { Metrics } from "../../metrics/create-metrics.js";

export interface MetricsRouteOptions {
  metrics: Metrics;
  /** METRICS_TOKEN: when set, scrapes must send `Authorization: Bearer <token>`. */
  token: string | undefined;
}

const BEARER = /^Bearer +(\S+) *$/i;

/**
 * GET /metrics in the Prometheus text format. With a token, the check runs before anything is
 * collected, compares SHA-256 digests in constant time, and failures get the standard 401 body.
 */
export async function metricsRoute(
  app: FastifyInstance,
  options: MetricsRouteOptions,
): Promise<void> {
  const expected = options.token === undefined ? undefined : sha256(options.token);
  // A store that is down costs its own series, never the scrape: say which one was left out.
  const off = options.metrics.onCollectError(({ metric, source, error }) =>
    app.log.warn(
      { err: error, metric, source },
      "metric left out of the scrape: could not read it",
    ),
  );
  app.addHook("onClose", async () => off());

  app.get("/metrics", {
    onRequest: async (request, reply) => {
      if (expected === undefined) return;
      const presented = BEARER.exec(request.headers.authorization ?? "")?.[1];
      if (presented === undefined || !timingSafeEqual(sha256(presented), expected)) {
        void reply.header("www-authenticate", 'Bearer realm="frontdesk-metrics"');
        throw new AppError("UNAUTHORIZED", "Send Authorization: Bearer <METRICS_TOKEN>.");
      }
    },
    handler: async (_request, reply) => {
      const { contentType, body } = await options.metrics.render();
      return reply.type(contentType).send(body);
    },
  });
}

function sha256(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}
