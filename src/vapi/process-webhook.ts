import sjson from "secure-json-parse";
import type { Clock } from "../clock.js";
import type { WebhookAuthConfig } from "../config.js";
import { isWebhookAuthConfigured } from "../config.js";
import { AppError } from "../errors.js";
import type { CacheTier, ResolvedTenant, TenantResolver } from "../tenants/resolve-tenant.js";
import type { PreparedAssistant } from "./build-assistant.js";
import type { HandlerContext, Logger } from "./handler-context.js";
import {
  EnvelopeSchema,
  isKnownMessageType,
  MESSAGE_SCHEMAS,
  type MessageType,
} from "./messages.js";
import { PreSerialized, type MessageRouter } from "./router.js";
import { verifyWebhook, type HeaderBag } from "./verify-signature.js";

export interface WebhookRequest {
  rawBody: Buffer;
  headers: HeaderBag;
  requestId: string;
  log: Logger;
  /** Aborted when the client disconnects. */
  signal: AbortSignal;
}

export interface WebhookResponse {
  statusCode: number;
  /** JSON text, ready to send. */
  body: string;
  /** Fields for the one canonical log line of this webhook. */
  summary: Record<string, unknown>;
}

/** What to answer when a handler cannot finish in time or fails (per message type). */
export type FailureAnswer = (
  type: MessageType,
  message: unknown,
  reason: "timeout" | "error",
) => unknown;

export interface WebhookProcessorDeps {
  auth: WebhookAuthConfig;
  router: MessageRouter;
  resolver: TenantResolver<PreparedAssistant>;
  clock: Clock;
  /** Time budget per message type, in ms; types without one run to completion. */
  budgetsMs: Partial<Record<MessageType, number>>;
  /** Safe answer per type on timeout or failure; `undefined` means "fail the request" (5xx). */
  failureAnswer: FailureAnswer;
}

/**
 * The whole webhook pipeline, framework-free: authenticate the raw bytes, parse safely,
 * validate, resolve the tenant, dispatch within the type's budget, serialize.
 * Never throws for bad input: every outcome is a status code and a JSON body.
 */
export function createWebhookProcessor(deps: WebhookProcessorDeps) {
  const authRequired = isWebhookAuthConfigured(deps.auth);
  const globalCredentials = { secrets: deps.auth.secrets, hmacSecrets: deps.auth.hmac.secrets };

  return async function processWebhook(request: WebhookRequest): Promise<WebhookResponse> {
    const summary: Record<string, unknown> = {};

    if (authRequired) {
      const verdict = verifyWebhook(
        { rawBody: request.rawBody, headers: request.headers, nowMs: deps.clock.now() },
        globalCredentials,
        deps.auth,
      );
      if (!verdict.ok) {
        summary.outcome = "unauthorized";
        summary.authFailure = verdict.reason;
        request.log.warn(
          { authFailure: verdict.reason },
          "webhook rejected: authentication failed",
        );
        return errorResponse(
          new AppError("UNAUTHORIZED", "Webhook authentication failed."),
          request.requestId,
          summary,
        );
      }
      summary.auth = verdict.method;
    }

    let parsed: unknown;
    try {
      // Drops __proto__ and constructor.prototype keys, like Fastify's own JSON parser.
      parsed = sjson.parse(request.rawBody, undefined, {
        protoAction: "remove",
        constructorAction: "remove",
      });
    } catch {
      summary.outcome = "bad-json";
      request.log.info("webhook rejected: body is not valid JSON");
      return errorResponse(
        new AppError("BAD_JSON", "The body is not valid JSON."),
        request.requestId,
        summary,
      );
    }

    const envelope = EnvelopeSchema.safeParse(normalizeEnvelope(parsed));
    if (!envelope.success) {
      summary.outcome = "invalid-payload";
      request.log.info("webhook rejected: body is not {message:{type}}");
      return errorResponse(
        new AppError(
          "INVALID_PAYLOAD",
          'Expected a JSON object like {"message": {"type": "..."}}.',
        ),
        request.requestId,
        summary,
      );
    }

    const rawMessage = envelope.data.message;
    const type = rawMessage.type;
    summary.messageType = type;
    if (!isKnownMessageType(type)) {
      summary.outcome = "ignored-unknown-type";
      request.log.debug({ messageType: type }, "unknown Vapi message type acknowledged");
      return okResponse({}, summary);
    }

    const validated = MESSAGE_SCHEMAS[type].safeParse(rawMessage);
    if (!validated.success) {
      summary.outcome = "invalid-payload";
      const where = validated.error.issues[0]?.path.join(".") ?? "message";
      request.log.info(
        { messageType: type, path: where },
        "webhook rejected: message failed validation",
      );
      return errorResponse(
        new AppError("INVALID_PAYLOAD", `The ${type} message is invalid at message.${where}.`),
        request.requestId,
        summary,
      );
    }
    const message = validated.data;
    const callId = message.call?.id ?? undefined;
    summary.callId = callId;
    const log = request.log.child({ messageType: type, callId });

    const budgetMs = deps.budgetsMs[type];
    const controller = new AbortController();
    const onClientGone = () => controller.abort(new Error("client closed the connection"));
    request.signal.addEventListener("abort", onClientGone, { once: true });

    const annotations: Record<string, unknown> = {};
    const ctx: HandlerContext = {
      requestId: request.requestId,
      tenant: undefined,
      callId,
      callerNumber: message.customer?.number ?? message.call?.customer?.number ?? undefined,
      log,
      clock: deps.clock,
      signal: controller.signal,
      annotate: (fields) => Object.assign(annotations, fields),
    };

    const work = (async () => {
      const { resolved, tier } = await resolveTenantFor(message, deps.resolver);
      ctx.tenant = resolved;
      ctx.log = resolved === undefined ? log : log.child({ tenantId: resolved.tenant.id });
      annotations.tenantId = resolved?.tenant.id;
      annotations.cacheTier = tier;
      return deps.router.dispatch(type, message, ctx);
    })();

    try {
      const result = await withBudget(work, budgetMs, controller);
      Object.assign(summary, annotations);
      summary.outcome ??= annotations.outcome ?? (result.handled ? "handled" : "acknowledged");
      return okResponse(result.response, summary);
    } catch (error) {
      Object.assign(summary, annotations);
      const reason = error instanceof BudgetExceeded ? "timeout" : "error";
      const fallback = deps.failureAnswer(type, message, reason);
      if (reason === "error") {
        ctx.log.error({ err: error }, "webhook handler failed");
      } else {
        ctx.log.warn({ budgetMs }, "webhook handler exceeded its time budget");
      }
      if (fallback !== undefined) {
        summary.outcome = reason === "timeout" ? "fallback-timeout" : "fallback-error";
        return okResponse(fallback, summary);
      }
      summary.outcome = reason === "timeout" ? "timeout" : "error";
      const appError =
        error instanceof AppError
          ? error
          : reason === "timeout"
            ? new AppError("TIMEOUT", "The message could not be processed in time; retry later.")
            : new AppError("SERVICE_UNAVAILABLE", "The message could not be stored; retry later.");
      return errorResponse(appError, request.requestId, summary);
    } finally {
      request.signal.removeEventListener("abort", onClientGone);
      controller.abort(new Error("webhook finished"));
    }
  };
}

class BudgetExceeded extends Error {}

async function withBudget<T>(
  work: Promise<T>,
  budgetMs: number | undefined,
  controller: AbortController,
): Promise<T> {
  if (budgetMs === undefined) return work;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new BudgetExceeded(`budget of ${budgetMs} ms exceeded`);
      controller.abort(error);
      reject(error);
    }, budgetMs);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
    // The losing promise may still reject later; it is already accounted for.
    work.catch(() => undefined);
  }
}

/** Vapi's SDK marks `type` optional on tool-calls: infer it when a tool-call list is present. */
function normalizeEnvelope(parsed: unknown): unknown {
  if (parsed === null || typeof parsed !== "object") return parsed;
  const message = (parsed as { message?: unknown }).message;
  if (message === null || typeof message !== "object" || Array.isArray(message)) return parsed;
  const record = message as Record<string, unknown>;
  if (record.type === undefined && Array.isArray(record.toolCallList)) {
    return { ...parsed, message: { ...record, type: "tool-calls" } };
  }
  return parsed;
}

async function resolveTenantFor(
  message: {
    phoneNumber?: { id?: string | undefined; number?: string | undefined } | null | undefined;
    call?: { phoneNumberId?: string | null | undefined } | null | undefined;
    assistant?: { metadata?: Record<string, unknown> | null | undefined } | null | undefined;
  },
  resolver: TenantResolver<PreparedAssistant>,
): Promise<{ resolved: ResolvedTenant<PreparedAssistant> | undefined; tier: CacheTier }> {
  const vapiPhoneNumberId = message.phoneNumber?.id ?? message.call?.phoneNumberId ?? undefined;
  const number = message.phoneNumber?.number;
  if (vapiPhoneNumberId !== undefined || number !== undefined) {
    const result = await resolver.resolve({ vapiPhoneNumberId, number });
    if (result.resolved !== undefined) return result;
  }
  // Web and chat calls have no phone number; our assistant's metadata names the tenant. The
  // body is authenticated, and the model cannot change metadata, so this is not model input.
  const tenantId = message.assistant?.metadata?.tenantId;
  if (typeof tenantId === "string" && tenantId.length > 0 && tenantId.length <= 64) {
    return resolver.resolveById(tenantId);
  }
  return { resolved: undefined, tier: "none" };
}

function okResponse(response: unknown, summary: Record<string, unknown>): WebhookResponse {
  const body = response instanceof PreSerialized ? response.json : JSON.stringify(response ?? {});
  summary.statusCode = 200;
  return { statusCode: 200, body, summary };
}

function errorResponse(
  error: AppError,
  requestId: string,
  summary: Record<string, unknown>,
): WebhookResponse {
  summary.statusCode = error.statusCode;
  return {
    statusCode: error.statusCode,
    body: JSON.stringify({ error: { code: error.code, message: error.message, requestId } }),
    summary,
  };
}
