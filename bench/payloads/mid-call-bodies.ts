import { assistantRequest, toolCalls } from "../../test/fixtures/vapi/builders.js";
import { createBodyTemplate, placeholder, type BodyTemplate } from "./body-template.js";
import {
  createAssistantEcho,
  createConversation,
  createSystemPrompt,
  LEAD_ARGS,
  SLOT_ARGS,
} from "./call-artifacts.js";
import type { DialedTenant } from "./end-of-call-report.js";

/**
 * assistant-request for a known number, from the shared test builders (the first message of a
 * call carries no history, so it stays small: about 1 KB).
 */
export function createAssistantRequestBody(tenant: DialedTenant): string {
  return JSON.stringify(
    assistantRequest({ vapiPhoneNumberId: tenant.vapiPhoneNumberId, number: tenant.number }),
  );
}

const DAY_MS = 86_400_000;

/** YYYY-MM-DD in the given time zone. */
function localDate(timezone: string, atMs: number): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: timezone }).format(atMs);
}

export const TOOL_CALL_IDS = ["TOOL_CALL_1", "TOOL_CALL_2"] as const;
export const TOOL_NAMES = ["create_lead", "check_availability"] as const;

/**
 * tool-calls with create_lead + check_availability, as sent a few turns into a call: the shared
 * builder's envelope plus the history so far and the assistant echo (both `message.assistant`
 * and `call.assistant`), as real mid-call messages carry.
 */
export function createToolCallsTemplate(tenant: DialedTenant): BodyTemplate {
  const base = toolCalls(
    {
      vapiPhoneNumberId: tenant.vapiPhoneNumberId,
      number: tenant.number,
      callId: placeholder("CALL_ID"),
    },
    [
      { id: placeholder(TOOL_CALL_IDS[0]), name: TOOL_NAMES[0], args: LEAD_ARGS },
      {
        id: placeholder(TOOL_CALL_IDS[1]),
        name: TOOL_NAMES[1],
        // A future day, so the tool does real work instead of answering "that date has passed".
        args: { ...SLOT_ARGS, date: localDate(tenant.timezone, Date.now() + DAY_MS) },
      },
    ],
    tenant.tenantId,
  );
  const systemPrompt = createSystemPrompt();
  const assistant = createAssistantEcho(tenant.tenantId, systemPrompt);
  const history = createConversation({ startMs: Date.now() - 40_000, systemPrompt, turns: 7 });
  const message = {
    ...base.message,
    call: { ...base.message.call, status: "in-progress", assistant },
    assistant,
    artifact: {
      messages: history.messages,
      messagesOpenAIFormatted: history.messagesOpenAIFormatted,
    },
  };
  return createBodyTemplate(JSON.stringify({ message }));
}
