import { z } from "zod";
import { CALL_LIFECYCLE } from "../../calls/call-status.js";
import { NOTIFY_EVENTS } from "../../notifications/notify-settings.js";
import { decodeCursor, type PagePosition } from "./page-cursor.js";

/*
 * The admin API's read-side shapes: calls, leads, bookings, messages and deliveries. Queries are
 * parsed with these schemas, responses are typed by them, and the OpenAPI document is generated
 * from them (as for tenants in ../admin-schemas.ts).
 */

// Record rows are small, but a call page is one query per page and a client rarely needs more
// than a screenful; 200 keeps a page's JSON well under a megabyte.
export const MAX_RECORD_PAGE_SIZE = 200;
export const DEFAULT_RECORD_PAGE_SIZE = 50;

const ISO_DATE_LENGTH = "YYYY-MM-DD".length;

/** An ISO-8601 date-time with an offset, or a date (midnight UTC), normalised to `toISOString`. */
const InstantSchema = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()])
  // Stored timestamps are `Date#toISOString` text, so the bound must be too to compare as text.
  .transform((value) =>
    new Date(value.length === ISO_DATE_LENGTH ? `${value}T00:00:00Z` : value).toISOString(),
  );

const CursorSchema = z
  .string()
  .min(1)
  .max(400)
  .transform((value, ctx): PagePosition => {
    const position = decodeCursor(value);
    if (position === undefined) {
      ctx.addIssue({ code: "custom", message: "is not a nextCursor returned by this API" });
      return z.NEVER;
    }
    return position;
  });

const TenantIdSchema = z.string().min(1).max(200);

/**
 * Query parameters every record list takes, around the resource's own filters. Strict: a
 * misspelt filter is a 400, not a silently unfiltered list.
 */
function listQuerySchema<TShape extends z.ZodRawShape>(filters: TShape) {
  return z.strictObject({
    tenantId: TenantIdSchema.optional().describe(
      "Only this tenant's records (an unknown tenant gives an empty list).",
    ),
    ...filters,
    from: InstantSchema.optional().describe(
      "Created at or after this instant (inclusive): ISO-8601 date-time with offset, or a date meaning 00:00 UTC.",
    ),
    to: InstantSchema.optional().describe(
      "Created before this instant (exclusive), same formats as `from`; `from=2026-11-24&to=2026-11-25` is one UTC day.",
    ),
    cursor: CursorSchema.optional().describe(
      "The `nextCursor` of the previous page; omit for the first page. Keep the same filters.",
    ),
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(MAX_RECORD_PAGE_SIZE)
      .default(DEFAULT_RECORD_PAGE_SIZE)
      .describe(`Page size, 1 to ${MAX_RECORD_PAGE_SIZE}.`),
  });
}

/** Refinement for each list query (zod cannot infer it through the generic builder above). */
function checkDateRange(
  query: { from?: string | undefined; to?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  if (query.from !== undefined && query.to !== undefined && query.from >= query.to) {
    ctx.addIssue({ code: "custom", path: ["to"], message: "must be later than from" });
  }
}

export const ListCallsQuerySchema = listQuerySchema({
  status: z
    .enum(CALL_LIFECYCLE)
    .optional()
    .describe("The call's lifecycle status (the highest one seen)."),
  endedReason: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('Vapi\'s ended reason, exactly ("customer-ended-call", "silence-timed-out", …).'),
}).superRefine(checkDateRange);
export type ListCallsQuery = z.output<typeof ListCallsQuerySchema>;

export const ListLeadsQuerySchema = listQuerySchema({}).superRefine(checkDateRange);
export type ListLeadsQuery = z.output<typeof ListLeadsQuerySchema>;

export const ListBookingsQuerySchema = listQuerySchema({
  status: z.string().min(1).max(40).optional().describe('The booking status ("confirmed").'),
}).superRefine(checkDateRange);
export type ListBookingsQuery = z.output<typeof ListBookingsQuerySchema>;

export const ListMessagesQuerySchema = listQuerySchema({}).superRefine(checkDateRange);
export type ListMessagesQuery = z.output<typeof ListMessagesQuerySchema>;

export const DELIVERY_STATUSES = ["pending", "succeeded", "failed"] as const;

export const ListDeliveriesQuerySchema = listQuerySchema({
  status: z
    .enum(DELIVERY_STATUSES)
    .optional()
    .describe("pending (being retried), succeeded, or failed (gave up; can be re-sent)."),
  eventType: z.enum(NOTIFY_EVENTS).optional().describe("The webhook event type."),
}).superRefine(checkDateRange);
export type ListDeliveriesQuery = z.output<typeof ListDeliveriesQuerySchema>;

/** The query of a single-record request: `tenantId` scopes it (another tenant's id is a 404). */
export const RecordScopeQuerySchema = z.strictObject({
  tenantId: TenantIdSchema.optional().describe(
    "When given, the record must belong to this tenant; otherwise 404 (as if absent).",
  ),
});
export type RecordScopeQuery = z.output<typeof RecordScopeQuerySchema>;

// ---- responses ----

const timestamp = () => z.string().describe("ISO-8601 UTC.");
const nullableTimestamp = () => z.string().nullable().describe("ISO-8601 UTC.");

export const CallSummarySchema = z.object({
  id: z.string().describe("Vapi's call id."),
  tenantId: z.string(),
  callerNumber: z.string().nullable(),
  dialedNumber: z.string().nullable(),
  vapiPhoneNumberId: z.string().nullable(),
  status: z.string().nullable().describe("The highest lifecycle status seen."),
  endedReason: z.string().nullable(),
  startedAt: nullableTimestamp(),
  endedAt: nullableTimestamp(),
  durationSeconds: z.number().nullable(),
  cost: z.number().nullable().describe("USD."),
  summary: z.string().nullable(),
  successEvaluation: z.string().nullable(),
  createdAt: timestamp().describe("When frontdesk first heard of the call (ISO-8601 UTC)."),
  updatedAt: timestamp(),
});
export type CallSummary = z.infer<typeof CallSummarySchema>;

export const CallRecordSchema = CallSummarySchema.extend({
  costBreakdown: z.unknown().describe("`{costs?, costBreakdown?}` as Vapi sent them."),
  structuredData: z.unknown().describe("The tenant's analysis schema output."),
  transcript: z.string().nullable(),
  messages: z.unknown().describe("Vapi's `artifact.messages`: the conversation."),
  recordingUrl: z.string().nullable(),
  stereoRecordingUrl: z.string().nullable(),
  reportReceivedAt: nullableTimestamp(),
  contentPurgedAt: nullableTimestamp().describe(
    "When retention removed the transcript, messages and recordings.",
  ),
});
export type CallRecord = z.infer<typeof CallRecordSchema>;

export const StatusEventSchema = z.object({
  status: z.string(),
  endedReason: z.string().nullable(),
  occurredAt: timestamp().describe("When Vapi says it happened (ISO-8601 UTC)."),
  receivedAt: timestamp(),
});
export type StatusEvent = z.infer<typeof StatusEventSchema>;

export const LeadSchema = z.object({
  id: z.string(),
  tenantId: z.string(),
  callId: z.string().nullable(),
  callerNumber: z.string().nullable(),
  callbackNumber: z.string().nullable(),
  name: z.string().nullable(),
  service: z.string().nullable(),
  urgency: z.string().nullable(),
  suburb: z.string().nullable(),
  notes: z.string().nullable(),
  createdAt: timestamp(),
  updatedAt: timestamp(),
});
export type Lead = z.infer<typeof LeadSchema>;

export const BookingSchema = z.object({
  id: z.string(),
  tenantId: z.string(),
  callId: z.string().nullable(),
  slotStart: timestamp(),
  slotEnd: timestamp(),
  name: z.string().nullable(),
  phone: z.string().nullable(),
  service: z.string().nullable(),
  notes: z.string().nullable(),
  status: z.string(),
  createdAt: timestamp(),
});
export type Booking = z.infer<typeof BookingSchema>;

export const MessageSchema = z.object({
  id: z.string(),
  tenantId: z.string(),
  callId: z.string().nullable(),
  callerNumber: z.string().nullable(),
  callbackNumber: z.string().nullable(),
  name: z.string().nullable(),
  message: z.string(),
  createdAt: timestamp(),
});
export type Message = z.infer<typeof MessageSchema>;

export const ToolInvocationSchema = z.object({
  toolCallId: z.string(),
  toolName: z.string(),
  arguments: z.unknown().describe("The validated arguments."),
  outcome: z.string().describe("ok or error."),
  result: z.string().describe("The result, or the error sentence, as first answered."),
  createdAt: timestamp(),
});
export type ToolInvocation = z.infer<typeof ToolInvocationSchema>;

export const TransferSchema = z.object({
  id: z.string(),
  destinationNumber: z.string(),
  kind: z.string().describe("emergency or front-desk."),
  reason: z.string().nullable().describe("The escalation trigger that matched."),
  createdAt: timestamp(),
});
export type Transfer = z.infer<typeof TransferSchema>;

export const DeliverySchema = z.object({
  id: z.string().describe("Also the `webhook-id` header, the same on every attempt."),
  tenantId: z.string(),
  eventType: z.string(),
  subjectId: z.string().describe("The call or lead the event is about."),
  callId: z.string().nullable(),
  url: z.string().describe("Where it is sent; any user:password in it is masked."),
  status: z.enum(DELIVERY_STATUSES),
  attempts: z.number().int(),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  nextAttemptAt: nullableTimestamp(),
  createdAt: timestamp(),
  updatedAt: timestamp(),
});
export type Delivery = z.infer<typeof DeliverySchema>;

export const DeliveryAttemptSchema = z.object({
  attempt: z.number().int().min(1),
  statusCode: z.number().int().nullable(),
  error: z.string().nullable(),
  durationMs: z.number().int().nullable(),
  at: timestamp(),
});
export type DeliveryAttempt = z.infer<typeof DeliveryAttemptSchema>;

export const DeliveryDetailSchema = DeliverySchema.extend({
  payload: z.unknown().describe("The exact JSON body sent (and signed) on every attempt."),
  attemptLog: z.array(DeliveryAttemptSchema).describe("Every HTTP attempt, oldest first."),
});
export type DeliveryDetail = z.infer<typeof DeliveryDetailSchema>;

export const CallDetailSchema = z.object({
  call: CallRecordSchema,
  statusEvents: z.array(StatusEventSchema).describe("Oldest first."),
  leads: z.array(LeadSchema),
  bookings: z.array(BookingSchema),
  messages: z.array(MessageSchema).describe("Messages the caller left (take_message)."),
  toolInvocations: z.array(ToolInvocationSchema).describe("Oldest first."),
  transfers: z.array(TransferSchema),
  deliveries: z.array(DeliverySchema).describe("Webhooks to the tenant about this call."),
});
export type CallDetail = z.infer<typeof CallDetailSchema>;

/** `{data, nextCursor}` for one resource. */
function pageSchema<TItem extends z.ZodType>(item: TItem, order: string) {
  return z.object({
    data: z.array(item).describe(order),
    nextCursor: z
      .string()
      .nullable()
      .describe("Pass as `cursor` for the next page; null at the end."),
  });
}

const NEWEST_FIRST = "Newest first (by createdAt, then id).";
export const CallPageSchema = pageSchema(CallSummarySchema, NEWEST_FIRST);
export const LeadPageSchema = pageSchema(LeadSchema, NEWEST_FIRST);
export const BookingPageSchema = pageSchema(BookingSchema, NEWEST_FIRST);
export const MessagePageSchema = pageSchema(MessageSchema, NEWEST_FIRST);
export const DeliveryPageSchema = pageSchema(DeliverySchema, NEWEST_FIRST);

export interface RecordPage<TItem> {
  data: TItem[];
  nextCursor: string | null;
}
