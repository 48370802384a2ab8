import { LRUCache } from "lru-cache";
import type { Vapi } from "@vapi-ai/server-sdk";
import { describeOpenState, getOpenState } from "../../tenants/business-hours.js";
import {
  describeReturningCaller,
  type ReturningCaller,
  type ReturningCallerLookup,
} from "../../calls/find-returning-caller.js";
import type { ResolvedTenant } from "../../tenants/resolve-tenant.js";
import type { Tenant } from "../../tenants/tenant-document.js";
import { renderAssistantResponse, type PreparedAssistant } from "../build-assistant.js";
import type { HandlerContext } from "../handler-context.js";
import type { MessageHandler, PreSerialized } from "../router.js";
import { withTimeout } from "../../with-timeout.js";

export interface FallbackSettings {
  /** A saved Vapi assistant to use when the tenant is unknown or we run out of time. */
  assistantId: string | undefined;
  /** Spoken to the caller (then the call ends) when there is no fallback assistant. */
  message: string;
}

/** The safe answer for an unknown number, a timeout or a failure: never an HTTP error. */
export function fallbackAssistantResponse(
  fallback: FallbackSettings,
): Vapi.ServerMessageResponseAssistantRequest {
  return fallback.assistantId !== undefined
    ? { assistantId: fallback.assistantId }
    : { error: fallback.message };
}

// A slow or unreachable database must not cost the caller their assistant: the history is
// skipped after this long, well inside ASSISTANT_REQUEST_BUDGET_MS.
const RETURNING_CALLER_WAIT_MS = 250;

/**
 * Answers with the tenant's precomputed assistant plus this call's context: local time, open or
 * closed and when it next opens, and whether this caller has contacted this tenant before.
 * Unknown numbers get the configured fallback.
 */
export function createAssistantRequestHandler(
  fallback: FallbackSettings,
  findReturningCaller: ReturningCallerLookup,
): MessageHandler<"assistant-request"> {
  // The open/closed sentence is precise to the minute: compute it once per tenant and minute
  // instead of on every call (time-zone arithmetic is the costliest part of this handler).
  const sentenceCache = new LRUCache<string, { minute: number; text: string }>({ max: 50_000 });
  const describeNow = (tenant: Tenant, version: number, nowMs: number): string => {
    const minute = Math.floor(nowMs / 60_000);
    const key = `${tenant.id}@${version}`;
    const cached = sentenceCache.get(key);
    if (cached !== undefined && cached.minute === minute) return cached.text;
    const text = describeOpenState(getOpenState(tenant, nowMs));
    sentenceCache.set(key, { minute, text });
    return text;
  };

  // Not async: with the tenant and the caller's history in memory (the common case) the answer
  // is ready at once, and the webhook then needs neither a promise nor a budget timer for it.
  return (_message, ctx) => {
    if (ctx.tenant === undefined) {
      ctx.annotate({ outcome: "unknown-number" });
      ctx.log.info("assistant-request for a number no tenant owns; answering with the fallback");
      return fallbackAssistantResponse(fallback);
    }
    const resolved = ctx.tenant;
    const callContext = describeNow(resolved.tenant, resolved.version, ctx.clock.now());
    if (ctx.callerNumber === undefined) return answer(ctx, resolved, callContext);
    let withCaller: string;
    try {
      const found = findReturningCaller(resolved.tenant.id, ctx.callerNumber, ctx.callId);
      if (found instanceof Promise) {
        // Only a database query needs the timer (a caller who rang recently is cached).
        return withTimeout(found, RETURNING_CALLER_WAIT_MS)
          .then((returning) => withHistory(ctx, callContext, returning))
          .then(
            (text) => answer(ctx, resolved, text),
            (error: unknown) => answerWithoutHistory(ctx, resolved, callContext, error),
          );
      }
      withCaller = withHistory(ctx, callContext, found);
    } catch (error) {
      return answerWithoutHistory(ctx, resolved, callContext, error);
    }
    return answer(ctx, resolved, withCaller);
  };
}

function withHistory(
  ctx: HandlerContext,
  callContext: string,
  returning: ReturningCaller | undefined,
): string {
  if (returning === undefined) return callContext;
  const text = `${callContext}\n${describeReturningCaller(returning)}`;
  ctx.annotate({ returningCaller: true });
  return text;
}

// The caller history is a nicety: without it the call still gets its assistant.
function answerWithoutHistory(
  ctx: HandlerContext,
  resolved: ResolvedTenant<PreparedAssistant>,
  callContext: string,
  error: unknown,
): AssistantAnswer {
  ctx.log.warn({ err: error }, "returning-caller lookup failed; answering without it");
  return answer(ctx, resolved, callContext);
}

type AssistantAnswer = PreSerialized<Vapi.ServerMessageResponseAssistantRequest>;

function answer(
  ctx: HandlerContext,
  resolved: ResolvedTenant<PreparedAssistant>,
  callContext: string,
): AssistantAnswer {
  ctx.annotate({
    outcome: resolved.tenant.assistant.assistantId === undefined ? "assistant" : "assistant-id",
  });
  return renderAssistantResponse(resolved.prepared, callContext);
}
