import type { FastifyInstance } from "fastify";
import { withTimeout } from "../../with-timeout.js";

export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
}

export interface HealthRouteOptions {
  checks: readonly ReadinessCheck[];
  /** Each dependency must answer within this long to count as up. */
  checkTimeoutMs?: number;
}

/** GET /healthz: the process is up. GET /readyz: every dependency answers (503 otherwise). */
export async function healthRoutes(
  app: FastifyInstance,
  options: HealthRouteOptions,
): Promise<void> {
  const timeoutMs = options.checkTimeoutMs ?? 1500;

  app.get("/healthz", async () => ({ status: "ok" }));

  app.get("/readyz", async (request, reply) => {
    const results = await Promise.all(
      options.checks.map(async ({ name, check }) => {
        const started = performance.now();
        try {
          await withTimeout(check(), timeoutMs);
          return { name, ok: true, latencyMs: Math.round(performance.now() - started) };
        } catch (error) {
          request.log.warn({ dependency: name, err: error }, "readiness check failed");
          return { name, ok: false, error: error instanceof Error ? error.message : String(error) };
        }
      }),
    );
    const ready = results.every((result) => result.ok);
    const dependencies = Object.fromEntries(results.map(({ name, ...rest }) => [name, rest]));
    return reply
      .status(ready ? 200 : 503)
      .send({ status: ready ? "ready" : "not-ready", dependencies });
  });
}
