import type { AssistantInfo } from "./scenario.js";

export interface AssistantAnswerReading {
  info: AssistantInfo;
  /** `metadata` Vapi would echo back on later messages (tenantId, …). */
  metadata: Record<string, unknown> | undefined;
  /** Lines for a person: what the caller would get. */
  details: string[];
}

// Enough of the prompt to recognise it; the whole thing is thousands of characters.
const PROMPT_PREVIEW_CHARS = 110;

/** Reads an assistant-request answer loosely (its shape is checked separately). */
export function readAssistantAnswer(json: unknown): AssistantAnswerReading {
  const answer = asRecord(json);
  const none: AssistantInfo = {
    kind: "none",
    firstMessage: undefined,
    prompt: undefined,
    toolNames: [],
  };
  if (answer === undefined) return { info: none, metadata: undefined, details: [] };

  if (typeof answer.error === "string") {
    return {
      info: { ...none, kind: "error" },
      metadata: undefined,
      details: [`refused, Vapi says to the caller: "${answer.error}"`],
    };
  }
  const destination = asRecord(answer.destination);
  if (destination !== undefined) {
    const where = text(destination.number) ?? text(destination.sipUri) ?? "?";
    return {
      info: { ...none, kind: "destination" },
      metadata: undefined,
      details: [`transfers straight to ${where} without an assistant`],
    };
  }
  const assistant = asRecord(answer.assistant);
  if (assistant !== undefined) return readInlineAssistant(assistant);
  if (typeof answer.assistantId === "string") {
    const overrides = asRecord(answer.assistantOverrides);
    const variables = Object.keys(asRecord(overrides?.variableValues) ?? {});
    return {
      info: { ...none, kind: "assistant-id", firstMessage: text(overrides?.firstMessage) },
      metadata: asRecord(overrides?.metadata),
      details: [
        `saved assistant ${answer.assistantId}`,
        ...(variables.length > 0 ? [`variables: ${variables.join(", ")}`] : []),
      ],
    };
  }
  return {
    info: { ...none, kind: "other" },
    metadata: undefined,
    details: ["a squad or workflow"],
  };
}

function readInlineAssistant(assistant: Record<string, unknown>): AssistantAnswerReading {
  const model = asRecord(assistant.model);
  const voice = asRecord(assistant.voice);
  const tools = Array.isArray(model?.tools) ? (model.tools as unknown[]).map(asRecord) : [];
  const toolNames = tools.flatMap((tool) => {
    const name = text(asRecord(tool?.function)?.name);
    return name === undefined ? [] : [name];
  });
  const otherTools = tools.flatMap((tool) =>
    tool?.type !== "function" && typeof tool?.type === "string" ? [tool.type] : [],
  );
  const messages = Array.isArray(model?.messages)
    ? (model.messages as unknown[]).map(asRecord)
    : [];
  const prompt = text(messages.find((message) => message?.role === "system")?.content);
  const firstMessage = text(assistant.firstMessage);
  const details = [
    `assistant "${text(assistant.name) ?? "(unnamed)"}": ${text(model?.provider) ?? "?"}/${text(model?.model) ?? "?"}, voice ${text(voice?.provider) ?? "?"}/${text(voice?.voiceId) ?? "?"}`,
    `first message: "${firstMessage ?? "(none: the model speaks first)"}"`,
    `tools: ${[...toolNames, ...otherTools].join(", ") || "(none)"}`,
  ];
  if (prompt !== undefined) {
    // The per-call context (local time, open or closed, returning caller) is the last paragraph.
    const paragraphs = prompt.split("\n\n");
    details.push(
      `prompt: ${prompt.length} characters, "${preview(paragraphs[0] ?? "")}"`,
      `call context: "${preview(paragraphs.at(-1) ?? "")}"`,
    );
  }
  return {
    info: { kind: "assistant", firstMessage, prompt, toolNames },
    metadata: asRecord(assistant.metadata),
    details,
  };
}

function preview(value: string): string {
  const oneLine = value.replace(/\s+/g, " ").trim();
  return oneLine.length > PROMPT_PREVIEW_CHARS
    ? `${oneLine.slice(0, PROMPT_PREVIEW_CHARS)}…`
    : oneLine;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
