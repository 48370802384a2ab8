import { z } from "zod";

/*
 * Loose schemas for what we read from Vapi server messages. Vapi sends far more than we model
 * and adds fields and types over time (protocol reference §0), so every object passes unknown
 * keys through and only the fields we act on are checked.
 */

const looseString = z.string().max(10_000);

export const PhoneNumberSchema = z.looseObject({
  id: looseString.optional().catch(undefined),
  number: looseString.optional().catch(undefined),
  name: looseString.nullish().catch(undefined),
});

export const CustomerSchema = z.looseObject({
  number: looseString.nullish().catch(undefined),
  name: looseString.nullish().catch(undefined),
  sipUri: looseString.nullish().catch(undefined),
});

/** What we read of a call object; `CallSchema` keeps the rest, `CallReferenceSchema` drops it. */
const callFields = {
  id: looseString.optional().catch(undefined),
  type: looseString.optional().catch(undefined),
  status: looseString.optional().catch(undefined),
  phoneNumberId: looseString.nullish().catch(undefined),
  customer: CustomerSchema.nullish().catch(undefined),
  startedAt: looseString.nullish().catch(undefined),
};
export const CallSchema = z.looseObject(callFields);

const assistantEchoFields = {
  metadata: z.record(z.string(), z.unknown()).nullish().catch(undefined),
};
const AssistantEchoSchema = z.looseObject(assistantEchoFields);

/** Fields that (almost) every message carries. All optional: a chat event has no call. */
const common = {
  timestamp: z.union([z.number(), z.string()]).optional().catch(undefined),
  call: CallSchema.nullish().catch(undefined),
  phoneNumber: PhoneNumberSchema.nullish().catch(undefined),
  customer: CustomerSchema.nullish().catch(undefined),
  assistant: AssistantEchoSchema.nullish().catch(undefined),
};

/**
 * One tool call as Vapi sends it: `{id, function:{name, arguments}}` or flattened variants.
 * Strips what it does not name, like the tool-calls message around it (below).
 */
export const ToolCallItemSchema = z.object({
  id: looseString.optional(),
  name: looseString.optional(),
  arguments: z.unknown().optional(),
  parameters: z.unknown().optional(),
  function: z
    .object({
      name: looseString.optional(),
      arguments: z.unknown().optional(),
      parameters: z.unknown().optional(),
    })
    .optional(),
});
export type ToolCallItem = z.infer<typeof ToolCallItemSchema>;

// Each entry also repeats the tool's whole definition (its JSON Schema, server, messages).
const ToolWithToolCallSchema = z.object({
  toolCall: ToolCallItemSchema.optional(),
  function: z.object({ name: looseString.optional() }).optional(),
});

const OpenAiMessageSchema = z.looseObject({
  role: looseString.optional().catch(undefined),
  content: z.unknown().optional(),
});

const HistoryMessageSchema = z.looseObject({
  role: looseString.optional().catch(undefined),
  message: z.unknown().optional(),
  content: z.unknown().optional(),
});

// Transcripts and summaries of long calls are far longer than looseString allows; a field that
// failed its check would be dropped (`.catch`), so these get a bound near the body limit instead.
const longText = z.string().max(20_000_000);
const optionalUrl = looseString.nullish().catch(undefined);
const optionalNumber = z.number().nullish().catch(undefined);
// Lists and records of a report that are only stored, never read item by item (the message
// history, per-component costs): checked for their shape and passed through as they are. An
// element schema, even z.unknown(), would copy every list on every report.
const optionalList = z
  .custom<unknown[]>((value) => Array.isArray(value))
  .nullish()
  .catch(undefined);
const optionalRecord = z
  .custom<Record<string, unknown>>(
    (value) => value !== null && typeof value === "object" && !Array.isArray(value),
  )
  .nullish()
  .catch(undefined);

/** `end-of-call-report.analysis`; `{}` when analysis is off or the call failed early (§6.2). */
export const AnalysisSchema = z.looseObject({
  summary: longText.nullish().catch(undefined),
  structuredData: z.unknown().optional(),
  // A string per the schema ("true", "8"), but read booleans and numbers too.
  successEvaluation: z
    .union([z.string().max(10_000), z.number(), z.boolean()])
    .nullish()
    .catch(undefined),
});

/** `end-of-call-report.artifact`: what the call produced (§6.2). */
export const ArtifactSchema = z.looseObject({
  transcript: longText.nullish().catch(undefined),
  messages: optionalList,
  recordingUrl: optionalUrl,
  stereoRecordingUrl: optionalUrl,
  recording: z
    .looseObject({
      stereoUrl: optionalUrl,
      mono: z.looseObject({ combinedUrl: optionalUrl }).nullish().catch(undefined),
    })
    .nullish()
    .catch(undefined),
});

const message = <TType extends string, TShape extends z.ZodRawShape>(type: TType, shape: TShape) =>
  z.looseObject({ type: z.literal(type), ...common, ...shape });

/*
 * Messages whose handlers act on a few fields and store nothing else of them (tool calls, status
 * changes) get stripping schemas instead: what a schema does not name is dropped rather than
 * copied, so the echoed assistant and the artifact (most of a 15 KB tool-calls body) never
 * reach the handler, and the compiler stops a handler from reading a field nobody checked.
 */
const CallReferenceSchema = z.object(callFields);
const referenced = {
  ...common,
  call: CallReferenceSchema.nullish().catch(undefined),
  assistant: z.object(assistantEchoFields).nullish().catch(undefined),
};
const strippedMessage = <TType extends string, TShape extends z.ZodRawShape>(
  type: TType,
  shape: TShape,
) => z.object({ type: z.literal(type), ...referenced, ...shape });

/*
 * assistant-request is the hot path (every call starts with one) and is answered, never stored:
 * the pipeline reads only the call id and the caller's number from the validated message (the
 * tenant comes from the raw message, before validation). So its schema checks just those, with
 * the same rules as the shared schemas, and drops the rest instead of copying it (a loose copy
 * of the whole message was most of this message's zod cost).
 */
const CallerOnlySchema = z.object({ number: looseString.nullish().catch(undefined) });
const AssistantRequestSchema = z.object({
  type: z.literal("assistant-request"),
  call: z
    .object({
      id: looseString.optional().catch(undefined),
      customer: CallerOnlySchema.nullish().catch(undefined),
    })
    .nullish()
    .catch(undefined),
  customer: CallerOnlySchema.nullish().catch(undefined),
});

/**
 * Every message type we model. The union, the list of known types and the router's handler
 * table are all derived from this one object.
 */
export const MESSAGE_SCHEMAS = {
  "assistant-request": AssistantRequestSchema,
  "tool-calls": strippedMessage("tool-calls", {
    toolCallList: z.array(ToolCallItemSchema).max(128).optional(),
    toolWithToolCallList: z.array(ToolWithToolCallSchema).max(128).optional(),
    toolCalls: z.array(ToolCallItemSchema).max(128).optional(),
  }),
  "function-call": message("function-call", {
    functionCall: z.looseObject({
      name: looseString,
      parameters: z.unknown().optional(),
      arguments: z.unknown().optional(),
    }),
  }),
  // The conversation so far, to choose the destination (§5.1): artifact first, legacy top level.
  "transfer-destination-request": message("transfer-destination-request", {
    artifact: z
      .looseObject({
        messages: z.array(HistoryMessageSchema).optional().catch(undefined),
        messagesOpenAIFormatted: z.array(OpenAiMessageSchema).optional().catch(undefined),
      })
      .nullish()
      .catch(undefined),
    messages: z.array(HistoryMessageSchema).optional().catch(undefined),
  }),
  "knowledge-base-request": message("knowledge-base-request", {
    messages: z.array(HistoryMessageSchema).optional().catch(undefined),
    messagesOpenAIFormatted: z.array(OpenAiMessageSchema).optional().catch(undefined),
  }),
  // Every field is optional and self-healing (`.catch`): a report is sent once, so one odd field
  // must never turn it into a 400 and lose the rest. Top-level summary/transcript/messages/
  // recording URLs/costBreakdown/duration* are observed legacy copies (§6.2), read as fallbacks.
  "end-of-call-report": message("end-of-call-report", {
    endedReason: looseString.optional().catch(undefined),
    startedAt: looseString.nullish().catch(undefined),
    endedAt: looseString.nullish().catch(undefined),
    cost: optionalNumber,
    costs: optionalList,
    costBreakdown: optionalRecord,
    durationSeconds: optionalNumber,
    durationMs: optionalNumber,
    analysis: AnalysisSchema.nullish().catch(undefined),
    artifact: ArtifactSchema.nullish().catch(undefined),
    summary: longText.nullish().catch(undefined),
    transcript: longText.nullish().catch(undefined),
    messages: optionalList,
    recordingUrl: optionalUrl,
    stereoRecordingUrl: optionalUrl,
  }),
  "status-update": strippedMessage("status-update", {
    status: looseString.optional().catch(undefined),
    endedReason: looseString.optional().catch(undefined),
  }),
  transcript: message("transcript", {}),
  'transcript[transcriptType="final"]': message('transcript[transcriptType="final"]', {}),
  hang: message("hang", {}),
  "speech-update": message("speech-update", {}),
  "conversation-update": message("conversation-update", {}),
  "model-output": message("model-output", {}),
  "user-interrupted": message("user-interrupted", {}),
  "transfer-update": message("transfer-update", {}),
  "language-change-detected": message("language-change-detected", {}),
  "phone-call-control": message("phone-call-control", {}),
  "voice-input": message("voice-input", {}),
  "assistant.started": message("assistant.started", {}),
  "assistant.speechStarted": message("assistant.speechStarted", {}),
  "call.deleted": message("call.deleted", {}),
  "call.delete.failed": message("call.delete.failed", {}),
  "call.artifact.upload": message("call.artifact.upload", {}),
  "chat.created": message("chat.created", {}),
  "chat.deleted": message("chat.deleted", {}),
  "session.created": message("session.created", {}),
  "session.updated": message("session.updated", {}),
  "session.deleted": message("session.deleted", {}),
} as const;

export type MessageType = keyof typeof MESSAGE_SCHEMAS;
export const MESSAGE_TYPES = Object.keys(MESSAGE_SCHEMAS) as MessageType[];

export type MessageOf<TType extends MessageType> = z.infer<(typeof MESSAGE_SCHEMAS)[TType]>;
export type ServerMessage = { [K in MessageType]: MessageOf<K> }[MessageType];

export function isKnownMessageType(type: string): type is MessageType {
  return Object.hasOwn(MESSAGE_SCHEMAS, type);
}
