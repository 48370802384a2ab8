import type { FastifyInstance } from "fastify";
import type { WebhookRequest, WebhookResponse } from "../../vapi/process-webhook.js";

export interface VapiWebhookRouteOptions {
  processWebhook: (request: WebhookRequest) => Promise<WebhookResponse>;
  bodyLimitBytes: number;
  /** Called with the canonical summary once per webhook (metrics). */
  onWebhook?: (summary: WebhookResponse["summary"], durationSeconds: number) => void;
}

/**
 * POST /vapi/webhook: a thin adapter. The body is kept as raw bytes (signatures are checked on
 * exactly what was sent) and everything else happens in the framework-free processor.
 */
export async function vapiWebhookRoute(
  app: FastifyInstance,
  options: VapiWebhookRouteOptions,
): Promise<void> {
  // Scoped to this plugin: other routes keep Fastify's default JSON parser.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    // Fastify tests this against the whole header, parameters included ("; charset=utf-8").
    /^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i,
    { parseAs: "buffer", bodyLimit: options.bodyLimitBytes },
    (_request, body, done) => {
      done(null, body);
    },
  );

  app.post("/vapi/webhook", async (request, reply) => {
    const started = process.hrtime.bigint();
    // No client-disconnect signal: once a webhook is accepted its handlers finish their writes
    // (a report Vapi stopped waiting for is still worth storing), bounded by their own budgets.
    const result = await options.processWebhook({
      rawBody: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
      headers: request.headers,
      requestId: request.id,
      log: request.log,
    });
    const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
    options.onWebhook?.(result.summary, durationMs / 1000);
    // The one canonical line per webhook (STYLE.md: wide event); no caller data in it.
    request.log.info(
      { ...result.summary, durationMs: Math.round(durationMs * 1000) / 1000 },
      "vapi webhook",
    );
    return reply
      .status(result.statusCode)
      .type("application/json; charset=utf-8")
      .send(result.body);
  });
}
