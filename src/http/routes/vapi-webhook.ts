import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { WebhookProcessor, WebhookResponse } from "../../vapi/process-webhook.js";
import { lazyChildLoggerFactory } from "../lazy-child-logger.js";

export interface VapiWebhookRouteOptions {
  /** Answers synchronously when it can (see process-webhook.ts), else with a promise. */
  processWebhook: WebhookProcessor;
  bodyLimitBytes: number;
  /** Called with the canonical summary once per webhook (metrics). */
  onWebhook?: (summary: WebhookResponse["summary"], durationSeconds: number) => void;
  /**
   * Writes the canonical line. Without redaction (pattern redaction was most of the line's
   * cost): its safety comes from CANONICAL_FIELDS instead.
   */
  canonicalLog: FastifyBaseLogger;
}

/**
 * The only fields the canonical line carries, all set by our own code (never caller data,
 * transcripts or secrets). A field a handler annotates that is not listed here is not logged.
 */
const CANONICAL_FIELDS = [
  "messageType",
  "tenantId",
  "callId",
  "cacheTier",
  "auth",
  "authFailure",
  "outcome",
  "statusCode",
  "endedReason",
  "tools",
  "toolErrors",
  "callStatus",
  "documents",
  "notification",
  "returningCaller",
  "bodyRead",
] as const;

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

  // Not async: a webhook answered from memory (most of them) is sent before the handler returns,
  // with no promise for Fastify to wait on; the others return the processor's promise.
  app.post("/vapi/webhook", { childLoggerFactory: lazyChildLoggerFactory }, (request, reply) => {
    const started = process.hrtime.bigint();
    // No client-disconnect signal: once a webhook is accepted its handlers finish their writes
    // (a report Vapi stopped waiting for is still worth storing), bounded by their own budgets.
    const result = options.processWebhook({
      rawBody: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
      headers: request.headers,
      requestId: request.id,
      log: request.log,
    });
    if (result instanceof Promise) {
      return result.then((settled) => answer(options, request, reply, settled, started));
    }
    answer(options, request, reply, result, started);
    return undefined;
  });
}

/** Records the webhook (metrics, the canonical line) and sends its answer. */
function answer(
  options: VapiWebhookRouteOptions,
  request: FastifyRequest,
  reply: FastifyReply,
  result: WebhookResponse,
  started: bigint,
): void {
  const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
  options.onWebhook?.(result.summary, durationMs / 1000);
  // The one canonical line per webhook (STYLE.md: wide event); no caller data in it.
  const canonical = options.canonicalLog;
  if (INFO_OR_MORE.has(canonical.level)) {
    canonical.info(canonicalFields(request.id, result.summary, durationMs), "vapi webhook");
  }
  void reply.status(result.statusCode).type("application/json; charset=utf-8").send(result.body);
}

const INFO_OR_MORE = new Set(["info", "debug", "trace"]);

/** reqId, then the listed summary fields that are set, then durationMs: built in one object. */
function canonicalFields(
  reqId: string,
  summary: Record<string, unknown>,
  durationMs: number,
): Record<string, unknown> {
  const fields: Record<string, unknown> = { reqId };
  for (const name of CANONICAL_FIELDS) {
    const value = summary[name];
    if (value !== undefined) fields[name] = value;
  }
  fields.durationMs = round(durationMs);
  return fields;
}

function round(durationMs: number): number {
  return Math.round(durationMs * 1000) / 1000;
}
