import { assistantRequest, callEnvelope } from "../../test/fixtures/vapi/builders.js";
import { createBodyTemplate, placeholder, type BodyTemplate } from "./body-template.js";
import { createAssistantEcho, createConversation, createSystemPrompt } from "./call-artifacts.js";
import { createEndOfCallReportTemplate, type DialedTenant } from "./end-of-call-report.js";
import { createToolCallsTemplate } from "./mid-call-bodies.js";

/*
 * The messages of one realistic phone call, in order, as Vapi sends them with its default
 * server messages (minus speech-update, which the issue does not ask for): the assistant-request
 * while the phone rings, `in-progress`, a conversation-update after each exchange (history so
 * far, in both formats, plus the assistant echo), the tool call a few turns in, `ended`, and the
 * end-of-call report. Every body carries the placeholder CALL_ID; tool-calls also TOOL_CALL_1/2.
 */

export type MixedStepKind =
  | "assistant-request"
  | "status-update"
  | "conversation-update"
  | "tool-calls"
  | "end-of-call-report";

export interface MixedCallStep {
  kind: MixedStepKind;
  label: string;
  template: BodyTemplate;
}

// An exchange is one caller utterance and one answer; a typical 2-minute call has about 12.
const EXCHANGES_BEFORE_TOOLS = 6;
const EXCHANGES_AFTER_TOOLS = 2;

function midCallMessage(
  tenant: DialedTenant,
  type: string,
  status: string,
  turns: number,
  extra: Record<string, unknown>,
): BodyTemplate {
  const systemPrompt = createSystemPrompt();
  const assistant = createAssistantEcho(tenant.tenantId, systemPrompt);
  const history = createConversation({ startMs: Date.now() - turns * 6000, systemPrompt, turns });
  const envelope = callEnvelope({
    vapiPhoneNumberId: tenant.vapiPhoneNumberId,
    number: tenant.number,
    callId: placeholder("CALL_ID"),
  });
  return createBodyTemplate(
    JSON.stringify({
      message: {
        type,
        ...envelope,
        call: { ...envelope.call, status, assistant },
        assistant,
        artifact: {
          messages: history.messages,
          messagesOpenAIFormatted: history.messagesOpenAIFormatted,
        },
        ...extra,
        ...(type === "conversation-update"
          ? {
              messages: history.messages,
              messagesOpenAIFormatted: history.messagesOpenAIFormatted,
            }
          : {}),
      },
    }),
  );
}

export function createMixedCallSteps(tenant: DialedTenant): MixedCallStep[] {
  const steps: MixedCallStep[] = [
    {
      kind: "assistant-request",
      label: "assistant-request",
      template: createBodyTemplate(
        JSON.stringify(
          assistantRequest({
            vapiPhoneNumberId: tenant.vapiPhoneNumberId,
            number: tenant.number,
            callId: placeholder("CALL_ID"),
          }),
        ),
      ),
    },
    {
      kind: "status-update",
      label: "status-update in-progress",
      template: midCallMessage(tenant, "status-update", "in-progress", 0, {
        status: "in-progress",
      }),
    },
  ];
  for (let exchange = 1; exchange <= EXCHANGES_BEFORE_TOOLS; exchange += 1) {
    steps.push({
      kind: "conversation-update",
      label: `conversation-update ${exchange}`,
      template: midCallMessage(tenant, "conversation-update", "in-progress", exchange * 2, {}),
    });
  }
  steps.push({
    kind: "tool-calls",
    label: "tool-calls",
    template: createToolCallsTemplate(tenant),
  });
  for (let exchange = 1; exchange <= EXCHANGES_AFTER_TOOLS; exchange += 1) {
    const turns = (EXCHANGES_BEFORE_TOOLS + exchange) * 2;
    steps.push({
      kind: "conversation-update",
      label: `conversation-update ${EXCHANGES_BEFORE_TOOLS + exchange}`,
      template: midCallMessage(tenant, "conversation-update", "in-progress", turns, {}),
    });
  }
  steps.push(
    {
      kind: "status-update",
      label: "status-update ended",
      template: midCallMessage(
        tenant,
        "status-update",
        "ended",
        (EXCHANGES_BEFORE_TOOLS + EXCHANGES_AFTER_TOOLS) * 2,
        { status: "ended", endedReason: "customer-ended-call" },
      ),
    },
    {
      kind: "end-of-call-report",
      label: "end-of-call-report",
      template: createEndOfCallReportTemplate({ tenant, targetBytes: 30 * 1024 }),
    },
  );
  return steps;
}
