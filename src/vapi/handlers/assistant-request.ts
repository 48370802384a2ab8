import type { Vapi } from "@vapi-ai/server-sdk";
import { describeOpenState, getOpenState } from "../../tenants/business-hours.js";
import {
  describeReturningCaller,
  type ReturningCaller,
  type ReturningCallerLookup,
} from "../../calls/find-returning-caller.js";
import type { ResolvedTenant } from "../../tenants/resolve-tenant.js";
import type { PreparedAssistant } from "../build-assistant.js";
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
  // The open/closed sentence is precise to the minute: compute it once per tenant version and
  // minute instead of on every call (time-zone arithmetic is the costliest part of this
  // handler), and with it the whole answer for callers without history (most calls): one
  // ~6 KB string built, escaped and flattened once a minute instead of on every call. Keyed by
  // the resolved tenant object (one per tenant version, dropped with it from the tenant cache).
  const byTenant = new WeakMap<ResolvedTenant<PreparedAssistant>, ThisMinute>();
  const thisMinute = (resolved: ResolvedTenant<PreparedAssistant>, nowMs: number): ThisMinute => {
    const minute = Math.floor(nowMs / 60_000);
    const cached = byTenant.get(resolved);
    if (cached !== undefined && cached.minute === minute) return cached;
    const fresh: ThisMinute = {
      minute,
      callContext: describeOpenState(getOpenState(resolved.tenant, nowMs)),
      answer: undefined,
    };
    byTenant.set(resolved, fresh);
    return fresh;
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
    const now = thisMinute(resolved, ctx.clock.now());
    const callContext = now.callContext;
    if (ctx.callerNumber === undefined) return answerThisMinute(ctx, resolved, now);
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
      if (found === undefined) return answerThisMinute(ctx, resolved, now);
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

/** One tenant version's call context for one minute, and the answer built from it alone. */
interface ThisMinute {
  minute: number;
  callContext: string;
  answer: AssistantAnswer | undefined;
}

/** The answer for a caller without history: the same for everyone in this minute. */
function answerThisMinute(
  ctx: HandlerContext,
  resolved: ResolvedTenant<PreparedAssistant>,
  now: ThisMinute,
): AssistantAnswer {
  annotateOutcome(ctx, resolved);
  now.answer ??= resolved.prepared.renderKept(now.callContext);
  return now.answer;
}

function answer(
  ctx: HandlerContext,
  resolved: ResolvedTenant<PreparedAssistant>,
  callContext: string,
): AssistantAnswer {
  annotateOutcome(ctx, resolved);
  return resolved.prepared.render(callContext);
}

function annotateOutcome(ctx: HandlerContext, resolved: ResolvedTenant<PreparedAssistant>): void {
  ctx.annotate({
    outcome: resolved.tenant.assistant.assistantId === undefined ? "assistant" : "assistant-id",
  });
}
