import { z } from "zod";

/*
 * What Vapi requires of each answer (protocol reference §3–5), as zod schemas plus the rules
 * that span the request and the answer (one tool result per call, in order). These check any
 * frontdesk, or any other server, from the outside: they import nothing from the server code.
 */

const nonEmpty = z.string().trim().min(1, "must be a non-empty string");
const record = z.looseObject({});

const DestinationSchema = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("number"), number: nonEmpty }),
  z.looseObject({ type: z.literal("sip"), sipUri: nonEmpty }),
  z.looseObject({ type: z.literal("assistant"), assistantName: nonEmpty }),
]);

const AssistantSchema = z
  .looseObject({
    firstMessage: z.string().optional(),
    model: z
      .looseObject({
        provider: nonEmpty,
        model: nonEmpty,
        messages: z.array(z.looseObject({ role: nonEmpty })).optional(),
        tools: z.array(z.looseObject({ type: nonEmpty })).optional(),
      })
      .optional(),
  })
  .refine((assistant) => !("tools" in assistant), {
    message: "tools must be under assistant.model.tools (Vapi ignores assistant.tools)",
    path: ["tools"],
  });

// `error` beats everything, then `destination`, then an assistant, squad or workflow (§3.2).
const ANSWER_KEYS = [
  "assistant",
  "assistantId",
  "squad",
  "squadId",
  "workflow",
  "workflowId",
  "destination",
  "error",
] as const;

export const AssistantRequestAnswerSchema = z
  .looseObject({
    assistant: AssistantSchema.optional(),
    assistantId: nonEmpty.optional(),
    squad: record.optional(),
    squadId: nonEmpty.optional(),
    workflow: record.optional(),
    workflowId: nonEmpty.optional(),
    destination: DestinationSchema.optional(),
    error: nonEmpty.optional(),
  })
  .refine((answer) => ANSWER_KEYS.some((key) => answer[key] !== undefined), {
    message: `must contain one of ${ANSWER_KEYS.join(", ")}`,
  });
export type AssistantRequestAnswer = z.infer<typeof AssistantRequestAnswerSchema>;

const ToolCallResultSchema = z.looseObject({
  toolCallId: nonEmpty,
  name: z.string().optional(),
  result: z.string().optional(),
  error: z.string().optional(),
});
export type ToolCallResult = z.infer<typeof ToolCallResultSchema>;

export const ToolCallsAnswerSchema = z.looseObject({ results: z.array(ToolCallResultSchema) });

export const TransferAnswerSchema = z
  .looseObject({ destination: DestinationSchema.optional(), error: nonEmpty.optional() })
  .refine((answer) => answer.destination !== undefined || answer.error !== undefined, {
    message: "must contain destination or error",
  });
export type TransferAnswer = z.infer<typeof TransferAnswerSchema>;

export const KnowledgeBaseAnswerSchema = z
  .looseObject({
    documents: z
      .array(
        z.looseObject({ content: z.string(), similarity: z.number(), uuid: z.string().optional() }),
      )
      .optional(),
    message: z.looseObject({ content: nonEmpty }).optional(),
  })
  .refine((answer) => answer.documents !== undefined || answer.message !== undefined, {
    message: "must contain documents or message",
  });
export type KnowledgeBaseAnswer = z.infer<typeof KnowledgeBaseAnswerSchema>;

const FunctionCallAnswerSchema = z.looseObject({ result: z.string() });

/** Types whose answer Vapi reads; every other type only needs a 2xx. */
const ANSWER_SCHEMAS: Record<string, z.ZodType> = {
  "assistant-request": AssistantRequestAnswerSchema,
  "tool-calls": ToolCallsAnswerSchema,
  "transfer-destination-request": TransferAnswerSchema,
  "handoff-destination-request": TransferAnswerSchema,
  "knowledge-base-request": KnowledgeBaseAnswerSchema,
  "function-call": FunctionCallAnswerSchema,
};

// Vapi's fixed assistant-request limit (§3.3) and the default server timeout for the rest (§2).
const ASSISTANT_REQUEST_LIMIT_MS = 7500;
const DEFAULT_TIMEOUT_MS = 20_000;

export interface AnsweredMessage {
  /** The payload that was sent (`{message: {...}}`). */
  payload: unknown;
  status: number;
  /** The response body as received. */
  body: string;
  durationMs: number;
}

/** Every way this answer breaks the protocol, as sentences; empty when it is fine. */
export function checkAnswer(answered: AnsweredMessage): string[] {
  const message = messageOf(answered.payload);
  const type = messageTypeOf(answered.payload);
  const schema = ANSWER_SCHEMAS[type];
  const limitMs = type === "assistant-request" ? ASSISTANT_REQUEST_LIMIT_MS : DEFAULT_TIMEOUT_MS;
  const problems: string[] = [];
  if (answered.durationMs > limitMs) {
    problems.push(
      `answered after ${Math.round(answered.durationMs)} ms; Vapi gives up after ${limitMs} ms`,
    );
  }
  if (schema === undefined) {
    if (answered.status < 200 || answered.status > 299) {
      problems.push(`status ${answered.status}: informational messages must get a 2xx`);
    }
    return problems;
  }
  if (answered.status !== 200) {
    problems.push(`status ${answered.status}: Vapi only reads a ${type} answer sent with 200`);
    return problems;
  }
  let json: unknown;
  try {
    json = JSON.parse(answered.body);
  } catch {
    problems.push("the body is not JSON");
    return problems;
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    problems.push(...parsed.error.issues.map((issue) => `${pathOf(issue.path)}: ${issue.message}`));
    return problems;
  }
  if (type === "tool-calls") problems.push(...checkToolResults(message, json));
  if (type === "function-call")
    problems.push(...checkSingleLine("result", (json as { result: string }).result));
  return problems;
}

/** One result per call, same order, matching ids and names, string result or non-empty error. */
function checkToolResults(message: Record<string, unknown> | undefined, json: unknown): string[] {
  const expected = requestedToolCalls(message);
  const { results } = ToolCallsAnswerSchema.parse(json);
  const problems: string[] = [];
  if (results.length !== expected.length) {
    problems.push(`results has ${results.length} entries for ${expected.length} tool calls`);
  }
  results.forEach((result, index) => {
    const where = `results[${index}]`;
    const call = expected[index];
    if (call !== undefined && result.toolCallId !== call.id) {
      problems.push(
        `${where}.toolCallId is "${result.toolCallId}", expected "${call.id}" (same order as the calls)`,
      );
    }
    if (call?.name !== undefined && result.name !== undefined && result.name !== call.name) {
      problems.push(`${where}.name is "${result.name}", expected "${call.name}"`);
    }
    const hasResult = result.result !== undefined;
    const hasError = result.error !== undefined;
    if (hasResult === hasError) {
      problems.push(`${where} must have exactly one of result and error`);
    }
    if (hasError && (result.error ?? "").trim() === "") problems.push(`${where}.error is empty`);
    problems.push(...checkSingleLine(`${where}.result`, result.result));
    problems.push(...checkSingleLine(`${where}.error`, result.error));
  });
  return problems;
}

function checkSingleLine(where: string, value: string | undefined): string[] {
  // Line breaks in a result have been reported to break Vapi's parsing (§4.2).
  return value !== undefined && /[\r\n]/.test(value) ? [`${where} contains a line break`] : [];
}

interface RequestedCall {
  id: string;
  name: string | undefined;
}

/**
 * The calls a tool-calls message asks for, each id once, in order: `toolCallList`, else
 * `toolWithToolCallList[].toolCall`, else the OpenAI-style `toolCalls` (§4.1).
 */
export function requestedToolCalls(message: Record<string, unknown> | undefined): RequestedCall[] {
  const list =
    nonEmptyArray(message?.toolCallList) ??
    nonEmptyArray(message?.toolWithToolCallList)?.map((item) => {
      const tool = asRecord(item);
      const toolCall = asRecord(tool?.toolCall);
      return { ...toolCall, name: toolCall?.name ?? asRecord(tool?.function)?.name };
    }) ??
    nonEmptyArray(message?.toolCalls) ??
    [];
  const seen = new Set<string>();
  const calls: RequestedCall[] = [];
  for (const item of list) {
    const entry = asRecord(item);
    const id = entry?.id;
    if (typeof id !== "string" || id === "" || seen.has(id)) continue;
    seen.add(id);
    const name = asRecord(entry?.function)?.name ?? entry?.name;
    calls.push({ id, name: typeof name === "string" ? name : undefined });
  }
  return calls;
}

export function messageOf(payload: unknown): Record<string, unknown> | undefined {
  return asRecord(asRecord(payload)?.message);
}

/** `message.type`; Vapi's SDK leaves it optional on tool-calls, so a tool-call list implies it. */
export function messageTypeOf(payload: unknown): string {
  const message = messageOf(payload);
  if (typeof message?.type === "string") return message.type;
  return Array.isArray(message?.toolCallList) ? "tool-calls" : "(no type)";
}

function pathOf(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "body";
  return path
    .map((key, index) =>
      typeof key === "number" ? `[${key}]` : `${index === 0 ? "" : "."}${String(key)}`,
    )
    .join("");
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function nonEmptyArray(value: unknown): unknown[] | undefined {
  return Array.isArray(value) && value.length > 0 ? (value as unknown[]) : undefined;
}
