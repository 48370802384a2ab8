import type { Vapi } from "@vapi-ai/server-sdk";
import { describeOpenState, getOpenState } from "../../tenants/business-hours.js";
import { renderAssistantResponse } from "../build-assistant.js";
import type { MessageHandler } from "../router.js";

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

/**
 * Answers with the tenant's precomputed transient assistant plus this call's context (local
 * time, open or closed). Unknown numbers get the configured fallback.
 */
export function createAssistantRequestHandler(
  fallback: FallbackSettings,
): MessageHandler<"assistant-request"> {
  return (_message, ctx) => {
    if (ctx.tenant === undefined) {
      ctx.annotate({ outcome: "unknown-number" });
      ctx.log.info("assistant-request for a number no tenant owns; answering with the fallback");
      return fallbackAssistantResponse(fallback);
    }
    const callContext = describeOpenState(getOpenState(ctx.tenant.tenant, ctx.clock.now()));
    ctx.annotate({ outcome: "assistant" });
    return renderAssistantResponse(ctx.tenant.prepared, callContext);
  };
}
