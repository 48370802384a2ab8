/*
 * Reads what the caller said out of the conversation Vapi sends with a message. Two formats
 * carry it (protocol reference §5): Vapi's history (`{role: "user" | "bot" | "tool_calls", message,
 * toolCalls}`) and OpenAI's (`{role: "user" | "assistant" | "tool", content, tool_calls}`).
 */

type Entry = Record<string, unknown> & { role?: string | undefined };

interface ConversationSources {
  messagesOpenAIFormatted?: readonly Entry[] | undefined;
  messages?: readonly Entry[] | undefined;
  artifact?:
    | {
        messages?: readonly Entry[] | undefined;
        messagesOpenAIFormatted?: readonly Entry[] | undefined;
      }
    | null
    | undefined;
}

// A turn longer than this is not a question; cap what goes into a search.
const MAX_QUERY_CHARS = 1000;

/** The caller's latest turn: OpenAI-formatted list first (always present), then the history. */
export function lastUserText(sources: ConversationSources): string | undefined {
  for (const list of [sources.messagesOpenAIFormatted, sources.messages]) {
    const last = [...(list ?? [])].reverse().find((entry) => entry.role === "user");
    const text = last === undefined ? undefined : textOf(last);
    if (text !== undefined && text.trim() !== "") return text.trim().slice(0, MAX_QUERY_CHARS);
  }
  return undefined;
}

/**
 * Everything the caller said plus every tool call's arguments (the model's own summary, e.g.
 * `{"reason": "gas smell"}`), never the system prompt or the assistant's lines: the prompt lists
 * the escalation triggers and the assistant's safety advice repeats them.
 */
export function callerSideTexts(sources: ConversationSources): string[] {
  const lists = [
    sources.artifact?.messages,
    sources.artifact?.messagesOpenAIFormatted,
    sources.messages,
    sources.messagesOpenAIFormatted,
  ];
  const texts: string[] = [];
  for (const entry of lists.flatMap((list) => list ?? [])) {
    if (entry.role === "user") {
      const text = textOf(entry);
      if (text !== undefined) texts.push(text);
    }
    for (const args of toolCallArguments(entry.toolCalls ?? entry.tool_calls)) texts.push(args);
  }
  return texts;
}

function textOf(entry: Entry): string | undefined {
  const value = entry.message ?? entry.content;
  if (typeof value === "string") return value;
  // OpenAI content parts: [{type: "text", text: "..."}].
  if (Array.isArray(value)) {
    const parts = value.flatMap((part: unknown) =>
      isRecord(part) && typeof part.text === "string" ? [part.text] : [],
    );
    return parts.length > 0 ? parts.join(" ") : undefined;
  }
  return undefined;
}

function toolCallArguments(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((call: unknown) => {
    if (!isRecord(call)) return [];
    const fn = isRecord(call.function) ? call.function : call;
    const args = fn.arguments ?? fn.parameters;
    if (typeof args === "string") return [args];
    if (isRecord(args)) return [JSON.stringify(args)];
    return [];
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
