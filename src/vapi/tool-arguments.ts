import type { ToolCallItem } from "./messages.js";

export interface ExtractedToolCall {
  id: string;
  name: string;
  /** Parsed arguments, or the parse failure to report back to the model. */
  args: { ok: true; value: Record<string, unknown> } | { ok: false; error: string };
}

interface ToolCallsMessageShape {
  toolCallList?: ToolCallItem[] | undefined;
  toolWithToolCallList?:
    | {
        toolCall?: ToolCallItem | undefined;
        function?: { name?: string | undefined } | undefined;
      }[]
    | undefined;
  toolCalls?: ToolCallItem[] | undefined;
}

/**
 * Collects the calls to answer from whichever list Vapi filled (protocol reference §4.1):
 * `toolCallList`, else `toolWithToolCallList[].toolCall`, else the OpenAI-style `toolCalls`.
 * Repeated ids are answered once; items without an id cannot be answered and are skipped.
 */
export function extractToolCalls(message: ToolCallsMessageShape): {
  calls: ExtractedToolCall[];
  skipped: number;
} {
  const items: ToolCallItem[] =
    message.toolCallList !== undefined && message.toolCallList.length > 0
      ? message.toolCallList
      : message.toolWithToolCallList !== undefined && message.toolWithToolCallList.length > 0
        ? message.toolWithToolCallList.flatMap((entry) =>
            entry.toolCall === undefined
              ? []
              : [{ ...entry.toolCall, name: entry.toolCall.name ?? entry.function?.name }],
          )
        : (message.toolCalls ?? []);

  const seen = new Set<string>();
  const calls: ExtractedToolCall[] = [];
  let skipped = 0;
  for (const item of items) {
    const id = item.id;
    if (id === undefined || id.length === 0 || seen.has(id)) {
      skipped += 1;
      continue;
    }
    seen.add(id);
    const name = item.function?.name ?? item.name ?? "";
    const raw =
      item.function?.arguments ?? item.function?.parameters ?? item.arguments ?? item.parameters;
    calls.push({ id, name, args: parseArguments(raw) });
  }
  return { calls, skipped };
}

/** Arguments arrive as an object or as a JSON string (empty string means none). */
export function parseArguments(raw: unknown): ExtractedToolCall["args"] {
  if (raw === undefined || raw === null) return { ok: true, value: {} };
  if (typeof raw === "string") {
    if (raw.trim() === "") return { ok: true, value: {} };
    try {
      const parsed: unknown = JSON.parse(raw);
      return isPlainObject(parsed)
        ? { ok: true, value: stripPrototypeKeys(parsed) }
        : { ok: false, error: "The tool arguments must be a JSON object." };
    } catch {
      return { ok: false, error: "The tool arguments were not valid JSON; please try again." };
    }
  }
  return isPlainObject(raw)
    ? { ok: true, value: raw }
    : { ok: false, error: "The tool arguments must be a JSON object." };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

// JSON.parse creates own "__proto__" keys; drop them so no later spread can pollute prototypes.
function stripPrototypeKeys(value: Record<string, unknown>): Record<string, unknown> {
  const clean: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (key !== "__proto__" && key !== "constructor" && key !== "prototype") clean[key] = entry;
  }
  return clean;
}

/** Vapi's parser breaks on line breaks in results (protocol reference §4.2): keep one line. */
export function toSingleLine(text: string, fallback: string): string {
  const line = text
    .replace(/[\r\n\u2028\u2029]+/g, " ")
    .replace(/\s{2,}/g, " ")
    .trim();
  return line.length > 0 ? line : fallback;
}
