import {
  KnowledgeBaseAnswerSchema,
  ToolCallsAnswerSchema,
  TransferAnswerSchema,
} from "./protocol-checks.js";
import { readAssistantAnswer } from "./read-assistant-answer.js";
import type { Exchange } from "./webhook-client.js";

// Informational answers are ignored by Vapi; show them only when they say something.
const OTHER_BODY_PREVIEW_CHARS = 200;

/** What came back, for a person: the assistant, each tool result, the transfer, the documents. */
export function describeAnswer(exchange: Exchange): string[] {
  if (exchange.status === 0) return [];
  switch (exchange.type) {
    case "assistant-request":
      return readAssistantAnswer(exchange.json).details;
    case "tool-calls":
      return describeToolResults(exchange.json);
    case "transfer-destination-request":
      return describeTransfer(exchange.json);
    case "knowledge-base-request":
      return describeKnowledge(exchange.json);
    default: {
      const body = exchange.body.trim();
      if (body === "" || body === "{}") return [];
      return [
        body.length > OTHER_BODY_PREVIEW_CHARS
          ? `${body.slice(0, OTHER_BODY_PREVIEW_CHARS)}…`
          : body,
      ];
    }
  }
}

function describeToolResults(json: unknown): string[] {
  const parsed = ToolCallsAnswerSchema.safeParse(json);
  if (!parsed.success) return [];
  return parsed.data.results.map((result) =>
    result.error === undefined
      ? `${result.name ?? result.toolCallId} → ${result.result ?? ""}`
      : `${result.name ?? result.toolCallId} → error: ${result.error}`,
  );
}

function describeTransfer(json: unknown): string[] {
  const parsed = TransferAnswerSchema.safeParse(json);
  if (!parsed.success) return [];
  const destination = parsed.data.destination;
  if (destination === undefined) return [`refused: "${parsed.data.error ?? ""}"`];
  const where =
    destination.type === "number"
      ? destination.number
      : destination.type === "sip"
        ? destination.sipUri
        : destination.assistantName;
  const message =
    typeof destination.message === "string" ? `, saying "${destination.message}"` : "";
  return [`transfer to ${destination.type} ${where}${message}`];
}

function describeKnowledge(json: unknown): string[] {
  const parsed = KnowledgeBaseAnswerSchema.safeParse(json);
  if (!parsed.success) return [];
  const { documents, message } = parsed.data;
  if (documents === undefined) return [`speaks directly: "${message?.content ?? ""}"`];
  if (documents.length === 0) return ["no documents"];
  return documents.map(
    (document) => `document (similarity ${document.similarity.toFixed(2)}): ${document.content}`,
  );
}
