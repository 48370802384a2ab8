import type { Vapi } from "@vapi-ai/server-sdk";
import { fallbackAssistantResponse, type FallbackSettings } from "./handlers/assistant-request.js";
import type { MessageOf } from "./messages.js";
import type { FailureAnswer } from "./process-webhook.js";
import { extractToolCalls } from "./tool-arguments.js";

const TOOL_UNAVAILABLE =
  "That isn't available right now. Please take the caller's details and say someone will call back.";

/**
 * What Vapi gets when a handler times out or throws. A call in progress gets a safe, speakable
 * answer; informational messages get none (`undefined`), so the request fails with a 5xx that a
 * Vapi `backoffPlan` can retry: nothing is acknowledged that was not stored.
 */
export function createFailureAnswer(fallback: FallbackSettings): FailureAnswer {
  return (type, message) => {
    switch (type) {
      case "assistant-request":
        return fallbackAssistantResponse(fallback);
      case "tool-calls": {
        const { calls } = extractToolCalls(message as MessageOf<"tool-calls">);
        const response: Vapi.ServerMessageResponseToolCalls = {
          results: calls.map((call) => ({
            toolCallId: call.id,
            name: call.name,
            error: TOOL_UNAVAILABLE,
          })),
        };
        return response;
      }
      case "function-call":
        return { result: TOOL_UNAVAILABLE };
      case "transfer-destination-request": {
        const response: Vapi.ServerMessageResponseTransferDestinationRequest = {
          error: "Sorry, I can't transfer your call right now.",
        };
        return response;
      }
      case "knowledge-base-request": {
        const response: Vapi.ServerMessageResponseKnowledgeBaseRequest = { documents: [] };
        return response;
      }
      default:
        return undefined;
    }
  };
}
