import type { Clock } from "../clock.js";
import type { WebhookAuthConfig } from "../config.js";
import { isWebhookAuthConfigured } from "../config.js";
import { AppError } from "../errors.js";
import type { CacheTier, ResolvedTenant, TenantResolver } from "../tenants/resolve-tenant.js";
import type { PreparedAssistant } from "./build-assistant.js";
import type { Logger } from "./handler-context.js";
import type { MessageType } from "./messages.js";
import type { BodyReading, MessageFacts } from "./read-webhook-body.js";
import { isPromiseLike, PreSerialized, type DispatchResult, type MessageRouter } from "./router.js";
import { verifyWebhook, type HeaderBag } from "./verify-signature.js";
import { WebhookContext } from "./webhook-context.js";

export interface WebhookRequest {
  rawBody: Buffer;
  headers: HeaderBag;
  requestId: string;
  log: Logger;
  /** Aborted when the client disconnects (optional: handlers finish their writes regardless). */
  signal?: AbortSignal | undefined;
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
  /** Reads the raw bytes (`readWebhookBody`), on the event loop or on a thread (body-reader.ts). */
  readBody: (rawBody: Buffer) => BodyReading | Promise<BodyReading>;
}

/** Answers one webhook: synchronously when it can (a cached assistant-request), else a promise. */
export type WebhookProcessor = (
  request: WebhookRequest,
) => WebhookResponse | Promise<WebhookResponse>;

/**
 * The whole webhook pipeline, framework-free: authenticate the raw bytes, parse safely,
 * validate, resolve the tenant, dispatch within the type's budget, serialize.
 * Never throws for bad input: every outcome is a status code and a JSON body.
 */
export function createWebhookProcessor(deps: WebhookProcessorDeps): WebhookProcessor {
  const globalAuthConfigured = isWebhookAuthConfigured(deps.auth);
  const globalCredentials = { secrets: deps.auth.secrets, hmacSecrets: deps.auth.hmac.secrets };

  // Not async: a webhook answered from memory (the cached assistant-request) runs start to end
  // without a promise; only a tenant lookup or a handler that has to wait returns one.
  return function processWebhook(
    request: WebhookRequest,
  ): WebhookResponse | Promise<WebhookResponse> {
    const summary: Record<string, unknown> = {};
    const startedAt = deps.clock.now();
    const verifyInput = { rawBody: request.rawBody, headers: request.headers, nowMs: startedAt };

    // 1. Global credentials, on the raw bytes, before anything else.
    const globalVerdict = globalAuthConfigured
      ? verifyWebhook(verifyInput, globalCredentials, deps.auth)
      : undefined;
    const globallyAuthenticated = globalVerdict?.ok === true;
    // Until a tenant's own keys have been checked, a client fault on an unauthenticated request
    // is reported as 401: an unauthenticated caller learns nothing about our parsing.
    const rejectUnverified = (error: AppError): WebhookResponse =>
      globalAuthConfigured && !globallyAuthenticated
        ? unauthorized(
            request,
            summary,
            globalVerdict?.ok === false ? globalVerdict.reason : "missing-credentials",
          )
        : errorResponse(error, request.requestId, summary);

    // 2. Parse safely, check the envelope, validate (inline, or on a worker thread).
    let reading: BodyReading | Promise<BodyReading>;
    try {
      reading = deps.readBody(request.rawBody);
    } catch (error) {
      return unreadable(error);
    }
    if (!(reading instanceof Promise)) return afterReading(reading);
    summary.bodyRead = "thread";
    return reading.then(afterReading, unreadable);

    // Only a failing reader gets here (a worker thread that died is replaced by reading inline).
    function unreadable(error: unknown): WebhookResponse {
      summary.outcome = "error";
      request.log.error({ err: error }, "webhook body could not be read");
      return errorResponse(
        new AppError("SERVICE_UNAVAILABLE", "The message could not be read; retry later."),
        request.requestId,
        summary,
      );
    }

    function afterReading(reading: BodyReading): WebhookResponse | Promise<WebhookResponse> {
      switch (reading.kind) {
        case "bad-json":
          summary.outcome = "bad-json";
          request.log.info("webhook rejected: body is not valid JSON");
          return rejectUnverified(new AppError("BAD_JSON", "The body is not valid JSON."));
        case "too-deep":
          summary.outcome = "invalid-payload";
          request.log.info("webhook rejected: body is nested too deeply");
          return rejectUnverified(
            new AppError("INVALID_PAYLOAD", "The body is nested too deeply."),
          );
        case "not-an-envelope":
          summary.outcome = "invalid-payload";
          request.log.info("webhook rejected: body is not {message:{type}}");
          return rejectUnverified(
            new AppError(
              "INVALID_PAYLOAD",
              'Expected a JSON object like {"message": {"type": "..."}}.',
            ),
          );
      }
      // Typed, not narrowed: the steps below are function declarations, which narrowing skips.
      const read: Extract<BodyReading, MessageFacts> = reading;
      const type = read.type;
      summary.messageType = type;
      const budgetMs = read.kind === "unknown-type" ? undefined : deps.budgetsMs[read.type];
      const deadlineAt = budgetMs === undefined ? undefined : startedAt + budgetMs;

      // 3. The tenant, from the dialed number in the body (never from model-supplied arguments).
      let fresh: ResolvedTenant<PreparedAssistant> | undefined;
      const dialed = read.dialed;
      try {
        // A tenant held fresh in memory (nearly every webhook) is found without a promise.
        fresh = dialed === undefined ? undefined : deps.resolver.findFresh(dialed);
      } catch (error) {
        return afterLookup(undefined, error);
      }
      if (fresh !== undefined) return afterLookup({ resolved: fresh, tier: "memory" }, undefined);
      return resolveTenantFor(read, deps.resolver, lookupDeadline(startedAt, budgetMs)).then(
        (lookup) => afterLookup(lookup, undefined),
        (error: unknown) => afterLookup(undefined, error),
      );

      // Steps 4 to 6, once the tenant lookup has ended (at once, or when its promise settles).
      function afterLookup(
        lookup: TenantLookup | undefined,
        lookupError: unknown,
      ): WebhookResponse | Promise<WebhookResponse> {
        const tenant = lookup?.resolved;
        summary.tenantId = tenant?.tenant.id;
        summary.cacheTier = lookup?.tier ?? "error";

        // 4. Authentication: global keys, else the tenant's own keys. Nothing has acted yet.
        if (!globallyAuthenticated) {
          const tenantAuth = tenant?.tenant.vapiAuth;
          if (
            tenantAuth !== undefined &&
            (tenantAuth.secrets.length > 0 || tenantAuth.hmacSecrets.length > 0)
          ) {
            const verdict = verifyWebhook(
              verifyInput,
              { secrets: tenantAuth.secrets, hmacSecrets: tenantAuth.hmacSecrets },
              deps.auth,
            );
            if (!verdict.ok) return unauthorized(request, summary, verdict.reason);
            summary.auth = `tenant-${verdict.method}`;
          } else if (globalAuthConfigured) {
            return unauthorized(
              request,
              summary,
              globalVerdict?.ok === false ? globalVerdict.reason : "missing-credentials",
            );
          } else if (lookupError !== undefined || lookup?.tier === "timeout") {
            // The tenant's own keys could not be checked; answer only with what acts on nothing.
            summary.auth = "unverified";
          } else {
            summary.auth = "none";
          }
        } else {
          summary.auth = globalVerdict.method;
        }

        // 5. Unknown types are acknowledged (Vapi adds types over time).
        if (read.kind === "unknown-type") {
          summary.outcome = "ignored-unknown-type";
          request.log.debug({ messageType: type }, "unknown Vapi message type acknowledged");
          return okResponse({}, summary);
        }
        const knownType = read.type;

        if (read.kind === "invalid") {
          summary.outcome = "invalid-payload";
          request.log.info(
            { messageType: type, path: read.path },
            "webhook rejected: message failed validation",
          );
          return errorResponse(
            new AppError(
              "INVALID_PAYLOAD",
              `The ${type} message is invalid at message.${read.path}.`,
            ),
            request.requestId,
            summary,
          );
        }
        const message = read.message;
        const callId = read.callId;
        summary.callId = callId;
        const ctx = new WebhookContext(
          request.requestId,
          tenant,
          callId,
          read.callerNumber,
          deps.clock,
          type,
          request.log,
        );
        const onClientGone = () => ctx.abort(new Error("client closed the connection"));
        request.signal?.addEventListener("abort", onClientGone, { once: true });

        // 6. The handler, within the type's budget; the answer, or the type's failure answer.
        const succeeded = (result: DispatchResult): WebhookResponse => {
          const annotations = ctx.annotations ?? NO_ANNOTATIONS;
          Object.assign(summary, annotations);
          summary.outcome ??= annotations.outcome ?? (result.handled ? "handled" : "acknowledged");
          return okResponse(result.response, summary);
        };
        const failed = (error: unknown): WebhookResponse => {
          Object.assign(summary, ctx.annotations);
          const reason = error instanceof BudgetExceeded ? "timeout" : "error";
          const fallback = deps.failureAnswer(knownType, message, reason);
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
                ? new AppError(
                    "TIMEOUT",
                    "The message could not be processed in time; retry later.",
                  )
                : new AppError(
                    "SERVICE_UNAVAILABLE",
                    "The message could not be stored; retry later.",
                  );
          return errorResponse(appError, request.requestId, summary);
        };
        // Runs once, when the webhook's answer is decided (a building answer that throws gets the
        // failure answer, as a handler that throws does).
        const finish = (result: DispatchResult | undefined, error: unknown): WebhookResponse => {
          try {
            if (result !== undefined) {
              try {
                return succeeded(result);
              } catch (answerError) {
                return failed(answerError);
              }
            }
            return failed(error);
          } finally {
            request.signal?.removeEventListener("abort", onClientGone);
            // Work a handler started and left running (a failed sibling tool call) stops here.
            ctx.abort(WEBHOOK_FINISHED);
          }
        };

        let dispatched: DispatchResult | PromiseLike<DispatchResult>;
        try {
          if (lookupError !== undefined)
            throw lookupError instanceof Error
              ? lookupError
              : new Error("tenant lookup failed", { cause: lookupError });
          if (lookup?.tier === "timeout")
            throw new BudgetExceeded("tenant lookup missed the deadline");
          dispatched = deps.router.dispatchNow(knownType, message, ctx);
        } catch (error) {
          return finish(undefined, error);
        }
        // A handler that answered synchronously (the cached assistant-request) cannot have
        // overrun its budget while we waited: no timer and no race to arm for it.
        if (!isPromiseLike(dispatched)) return finish(dispatched, undefined);
        return withBudget(
          dispatched,
          deadlineAt === undefined ? undefined : Math.max(0, deadlineAt - deps.clock.now()),
          ctx,
        ).then(
          (result) => finish(result, undefined),
          (error: unknown) => finish(undefined, error),
        );
      }
    }
  };
}

function unauthorized(
  request: WebhookRequest,
  summary: Record<string, unknown>,
  reason: string,
): WebhookResponse {
  summary.outcome = "unauthorized";
  summary.authFailure = reason;
  request.log.warn(
    { authFailure: reason, tenantId: summary.tenantId },
    "webhook rejected: authentication failed",
  );
  return errorResponse(
    new AppError("UNAUTHORIZED", "Webhook authentication failed."),
    request.requestId,
    summary,
  );
}

class BudgetExceeded extends Error {}

/**
 * The tenant lookup gives up a little before the whole message's deadline, so that the answer
 * built from the last known good copy still goes out inside the budget on a busy event loop
 * (measured: at exactly the deadline it went out 15-65 ms late under load).
 */
const LOOKUP_RESERVE_MS = 200;
function lookupDeadline(startedAt: number, budgetMs: number | undefined): number | undefined {
  if (budgetMs === undefined) return undefined;
  return startedAt + budgetMs - Math.min(LOOKUP_RESERVE_MS, budgetMs / 5);
}

// One shared reason (an Error per request would capture a stack trace per request).
const WEBHOOK_FINISHED = new Error("webhook finished");

const NO_ANNOTATIONS: Readonly<Record<string, unknown>> = Object.freeze({});

async function withBudget<T>(
  work: PromiseLike<T>,
  budgetMs: number | undefined,
  abortable: { abort(reason: Error): void },
): Promise<T> {
  const pending = Promise.resolve(work);
  if (budgetMs === undefined) return pending;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new BudgetExceeded(`budget of ${budgetMs} ms exceeded`);
      abortable.abort(error);
      reject(error);
    }, budgetMs);
  });
  try {
    return await Promise.race([pending, deadline]);
  } finally {
    clearTimeout(timer);
    // The losing promise may still reject later; it is already accounted for.
    pending.catch(() => undefined);
  }
}

interface TenantLookup {
  resolved: ResolvedTenant<PreparedAssistant> | undefined;
  tier: CacheTier;
}

async function resolveTenantFor(
  facts: MessageFacts,
  resolver: TenantResolver<PreparedAssistant>,
  deadlineAt: number | undefined,
): Promise<TenantLookup> {
  let byNumber: TenantLookup | undefined;
  if (facts.dialed !== undefined) {
    byNumber = await resolver.resolve(facts.dialed, { deadlineAt });
    if (byNumber.resolved !== undefined || byNumber.tier === "timeout") return byNumber;
  }
  // Web and chat calls have no phone number; our assistant's metadata names the tenant. The
  // body is authenticated (globally, or with this tenant's keys right after) and the model
  // cannot change metadata, so this is not model input.
  if (facts.metadataTenantId !== undefined) {
    return resolver.resolveById(facts.metadataTenantId, { deadlineAt });
  }
  return byNumber ?? { resolved: undefined, tier: "none" };
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
