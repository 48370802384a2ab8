import { randomUUID } from "node:crypto";

/*
 * Server messages shaped like the ones Vapi sends for a phone call (protocol reference §2–7):
 * the whole call envelope every time, float epoch-ms times, the conversation in both of Vapi's
 * formats, tool calls in all three lists, and the assistant echoed back with its metadata.
 */

/** The call being simulated, as Vapi knows it. */
export interface SimulatedCall {
  id: string;
  orgId: string;
  /** The dialed number and, when known, its Vapi phone-number id. */
  phoneNumber: { number: string; id?: string | undefined };
  callerNumber: string;
  startedAtMs: number;
  /** `metadata` from the assistant our assistant-request answer returned (tenantId, …). */
  assistantMetadata: Record<string, unknown> | undefined;
}

/** One entry of the conversation so far. */
export type Turn =
  | { role: "assistant" | "user"; text: string; atMs: number }
  | { role: "tool-calls"; calls: readonly ToolCallSent[]; atMs: number }
  | { role: "tool-result"; id: string; name: string; text: string; atMs: number };

/** A tool call as it goes on the wire: arguments as an object or as a JSON string. */
export interface ToolCallSent {
  id: string;
  name: string;
  args: Record<string, unknown> | string;
}

export type Payload = { message: Record<string, unknown> };

export function newCall(options: {
  number: string;
  phoneNumberId?: string | undefined;
  callerNumber: string;
  nowMs: number;
  callId?: string | undefined;
}): SimulatedCall {
  return {
    id: options.callId ?? randomUUID(),
    orgId: randomUUID(),
    phoneNumber: { number: options.number, id: options.phoneNumberId },
    callerNumber: options.callerNumber,
    startedAtMs: options.nowMs,
    assistantMetadata: undefined,
  };
}

export function newToolCallId(): string {
  return `call_${randomUUID().replaceAll("-", "").slice(0, 24)}`;
}

function envelope(call: SimulatedCall, type: string, status: string, nowMs: number) {
  return {
    type,
    // Vapi's timestamps are float epoch milliseconds.
    timestamp: nowMs + 0.25,
    call: {
      id: call.id,
      orgId: call.orgId,
      type: "inboundPhoneCall",
      status,
      phoneCallProvider: "twilio",
      phoneCallTransport: "pstn",
      phoneNumberId: call.phoneNumber.id ?? null,
      assistantId: null,
      customer: { number: call.callerNumber },
      createdAt: new Date(call.startedAtMs).toISOString(),
      ...(status === "ringing"
        ? {}
        : { startedAt: new Date(call.startedAtMs + 900).toISOString() }),
    },
    phoneNumber: {
      ...(call.phoneNumber.id === undefined ? {} : { id: call.phoneNumber.id }),
      orgId: call.orgId,
      provider: "twilio",
      number: call.phoneNumber.number,
      status: "active",
    },
    customer: { number: call.callerNumber },
    ...(type === "assistant-request" || call.assistantMetadata === undefined
      ? {}
      : { assistant: { metadata: call.assistantMetadata } }),
  };
}

/** The conversation in Vapi's history format (`role: bot | user | tool_calls | tool_call_result`). */
export function historyMessages(call: SimulatedCall, turns: readonly Turn[]) {
  return turns.map((turn) => {
    const secondsFromStart = (turn.atMs - call.startedAtMs) / 1000;
    switch (turn.role) {
      case "assistant":
      case "user":
        return {
          role: turn.role === "assistant" ? "bot" : "user",
          message: turn.text,
          time: turn.atMs + 0.5,
          endTime: turn.atMs + 1800.75,
          secondsFromStart,
          duration: 1.8,
        };
      case "tool-calls":
        return {
          role: "tool_calls",
          message: "",
          time: turn.atMs + 0.5,
          secondsFromStart,
          toolCalls: turn.calls.map((toolCall) => ({
            id: toolCall.id,
            type: "function",
            function: { name: toolCall.name, arguments: argumentsText(toolCall.args) },
          })),
        };
      case "tool-result":
        return {
          role: "tool_call_result",
          toolCallId: turn.id,
          name: turn.name,
          result: turn.text,
          time: turn.atMs + 0.5,
          secondsFromStart,
        };
    }
  });
}

/** The same conversation in OpenAI format, as `messagesOpenAIFormatted` carries it. */
export function openAiMessages(turns: readonly Turn[]) {
  return turns.map((turn) => {
    switch (turn.role) {
      case "assistant":
      case "user":
        return { role: turn.role, content: turn.text };
      case "tool-calls":
        return {
          role: "assistant",
          content: null,
          tool_calls: turn.calls.map((toolCall) => ({
            id: toolCall.id,
            type: "function",
            function: { name: toolCall.name, arguments: argumentsText(toolCall.args) },
          })),
        };
      case "tool-result":
        return { role: "tool", tool_call_id: turn.id, content: turn.text };
    }
  });
}

function argumentsText(args: Record<string, unknown> | string): string {
  return typeof args === "string" ? args : JSON.stringify(args);
}

function artifact(call: SimulatedCall, turns: readonly Turn[]) {
  return { messages: historyMessages(call, turns), messagesOpenAIFormatted: openAiMessages(turns) };
}

export function assistantRequestMessage(call: SimulatedCall, nowMs: number): Payload {
  return {
    message: {
      ...envelope(call, "assistant-request", "ringing", nowMs),
      artifact: { messages: [], messagesOpenAIFormatted: [] },
    },
  };
}

export function statusUpdateMessage(
  call: SimulatedCall,
  status: string,
  turns: readonly Turn[],
  nowMs: number,
  extra: Record<string, unknown> = {},
): Payload {
  return {
    message: {
      ...envelope(call, "status-update", status, nowMs),
      status,
      artifact: artifact(call, turns),
      ...extra,
    },
  };
}

export function conversationUpdateMessage(
  call: SimulatedCall,
  turns: readonly Turn[],
  nowMs: number,
): Payload {
  return {
    message: {
      ...envelope(call, "conversation-update", "in-progress", nowMs),
      messages: historyMessages(call, turns),
      messagesOpenAIFormatted: openAiMessages(turns),
      artifact: artifact(call, turns),
    },
  };
}

/** A tool-calls message carrying `toolCallList`, `toolWithToolCallList` and `toolCalls`. */
export function toolCallsMessage(
  call: SimulatedCall,
  calls: readonly ToolCallSent[],
  turns: readonly Turn[],
  nowMs: number,
): Payload {
  const items = calls.map((toolCall) => ({
    id: toolCall.id,
    type: "function",
    function: { name: toolCall.name, arguments: toolCall.args },
  }));
  return {
    message: {
      ...envelope(call, "tool-calls", "in-progress", nowMs),
      toolCallList: items,
      toolWithToolCallList: items.map((item) => ({
        type: "function",
        function: { name: item.function.name, parameters: { type: "object", properties: {} } },
        async: false,
        messages: [],
        toolCall: item,
      })),
      toolCalls: items,
      artifact: artifact(call, turns),
    },
  };
}

export function transferDestinationRequestMessage(
  call: SimulatedCall,
  turns: readonly Turn[],
  nowMs: number,
): Payload {
  return {
    message: {
      ...envelope(call, "transfer-destination-request", "in-progress", nowMs),
      artifact: artifact(call, turns),
    },
  };
}

export function knowledgeBaseRequestMessage(
  call: SimulatedCall,
  turns: readonly Turn[],
  nowMs: number,
): Payload {
  return {
    message: {
      ...envelope(call, "knowledge-base-request", "in-progress", nowMs),
      messages: historyMessages(call, turns),
      messagesOpenAIFormatted: openAiMessages(turns),
    },
  };
}

export function endOfCallReportMessage(
  call: SimulatedCall,
  turns: readonly Turn[],
  endedReason: string,
  summary: string,
  nowMs: number,
): Payload {
  const startedAt = call.startedAtMs + 900;
  const transcript = turns
    .flatMap((turn) =>
      turn.role === "assistant"
        ? [`AI: ${turn.text}`]
        : turn.role === "user"
          ? [`User: ${turn.text}`]
          : [],
    )
    .join("\n");
  const durationSeconds = Math.max(0, (nowMs - startedAt) / 1000);
  const recordingUrl = `https://storage.vapi.ai/${call.id}-mono.wav`;
  return {
    message: {
      ...envelope(call, "end-of-call-report", "ended", nowMs),
      endedReason,
      startedAt: new Date(startedAt).toISOString(),
      endedAt: new Date(nowMs).toISOString(),
      cost: 0.0421,
      costs: [{ type: "vapi", subType: "normal", minutes: durationSeconds / 60, cost: 0.0421 }],
      durationSeconds,
      durationMs: durationSeconds * 1000,
      analysis: { summary, successEvaluation: "true" },
      artifact: {
        ...artifact(call, turns),
        transcript: `${transcript}\n`,
        recordingUrl,
        recording: { mono: { combinedUrl: recordingUrl } },
      },
      summary,
      transcript: `${transcript}\n`,
    },
  };
}
