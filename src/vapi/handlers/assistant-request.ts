import { LRUCache } from "lru-cache";
import type { Vapi } from "@vapi-ai/server-sdk";
import { describeOpenState, getOpenState } from "../../tenants/business-hours.js";
import {
  describeReturningCaller,
  type ReturningCallerLookup,
} from "../../calls/find-returning-caller.js";
import type { Tenant } from "../../tenants/tenant-document.js";
import { renderAssistantResponse } from "../build-assistant.js";
import type { MessageHandler } from "../router.js";
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

  return async (_message, ctx) => {
    if (ctx.tenant === undefined) {
      ctx.annotate({ outcome: "unknown-number" });
      ctx.log.info("assistant-request for a number no tenant owns; answering with the fallback");
      return fallbackAssistantResponse(fallback);
    }
    const tenant = ctx.tenant.tenant;
    let callContext = describeNow(ctx.tenant.tenant, ctx.tenant.version, ctx.clock.now());
    if (ctx.callerNumber !== undefined) {
      try {
        const found = findReturningCaller(tenant.id, ctx.callerNumber, ctx.callId);
        // A cached answer needs no timer (the common case: a caller rings more than once).
        const returning = found instanceof Promise ? await withTimeout(found, RETURNING_CALLER_WAIT_MS) : found;
        if (returning !== undefined) {
          callContext += `\n${describeReturningCaller(returning)}`;
          ctx.annotate({ returningCaller: true });
        }
      } catch (error) {
        // The caller history is a nicety: without it the call still gets its assistant.
        ctx.log.warn({ err: error }, "returning-caller lookup failed; answering without it");
      }
    }
    ctx.annotate({ outcome: tenant.assistant.assistantId === undefined ? "assistant" : "assistant-id" });
    return renderAssistantResponse(ctx.tenant.prepared, callContext);
  };
}
