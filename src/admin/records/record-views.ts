import type { Selectable } from "kysely";
import type {
  BookingsTable,
  CallRow,
  CallStatusEventRow,
  DeliveryAttemptRow,
  DeliveryRow,
  LeadsTable,
  MessagesTable,
  ToolInvocationsTable,
  TransfersTable,
} from "../../db/schema.js";
import type {
  Booking,
  CallRecord,
  CallSummary,
  Delivery,
  DeliveryAttempt,
  Lead,
  Message,
  StatusEvent,
  ToolInvocation,
  Transfer,
} from "./record-schemas.js";

/*
 * Rows as the admin API shows them: camelCase, JSON columns parsed. What is left out is left out
 * on purpose: `calls.report` (the rest of Vapi's report) echoes the assistant configuration, which
 * can carry server credentials, and is the largest column; nothing here reads tenant documents,
 * so notify and vapiAuth secrets cannot appear.
 */

/** The columns a call list needs: not the transcript, conversation or report (the bulk). */
export const CALL_SUMMARY_COLUMNS = [
  "id",
  "tenant_id",
  "caller_number",
  "dialed_number",
  "vapi_phone_number_id",
  "status",
  "ended_reason",
  "started_at",
  "ended_at",
  "duration_seconds",
  "cost",
  "summary",
  "success_evaluation",
  "created_at",
  "updated_at",
] as const satisfies readonly (keyof CallRow)[];

export type CallSummaryRow = Pick<CallRow, (typeof CALL_SUMMARY_COLUMNS)[number]>;

export function toCallSummary(row: CallSummaryRow): CallSummary {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    callerNumber: row.caller_number,
    dialedNumber: row.dialed_number,
    vapiPhoneNumberId: row.vapi_phone_number_id,
    status: row.status,
    endedReason: row.ended_reason,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    durationSeconds: row.duration_seconds === null ? null : Number(row.duration_seconds),
    cost: row.cost === null ? null : Number(row.cost),
    summary: row.summary,
    successEvaluation: row.success_evaluation,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toCallRecord(row: CallRow): CallRecord {
  return {
    ...toCallSummary(row),
    costBreakdown: parseJsonColumn(row.cost_breakdown),
    structuredData: parseJsonColumn(row.structured_data),
    transcript: row.transcript,
    messages: parseJsonColumn(row.messages),
    recordingUrl: row.recording_url,
    stereoRecordingUrl: row.stereo_recording_url,
    reportReceivedAt: row.report_received_at,
    contentPurgedAt: row.content_purged_at,
  };
}

export function toStatusEvent(row: CallStatusEventRow): StatusEvent {
  return {
    status: row.status,
    endedReason: row.ended_reason,
    occurredAt: row.occurred_at,
    receivedAt: row.received_at,
  };
}

export function toLead(row: Selectable<LeadsTable>): Lead {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    callId: row.call_id,
    callerNumber: row.caller_number,
    callbackNumber: row.callback_number,
    name: row.name,
    service: row.service,
    urgency: row.urgency,
    suburb: row.suburb,
    notes: row.notes,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toBooking(row: Selectable<BookingsTable>): Booking {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    callId: row.call_id,
    slotStart: row.slot_start,
    slotEnd: row.slot_end,
    name: row.name,
    phone: row.phone,
    service: row.service,
    notes: row.notes,
    status: row.status,
    createdAt: row.created_at,
  };
}

export function toMessage(row: Selectable<MessagesTable>): Message {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    callId: row.call_id,
    callerNumber: row.caller_number,
    callbackNumber: row.callback_number,
    name: row.name,
    message: row.message,
    createdAt: row.created_at,
  };
}

export function toToolInvocation(row: Selectable<ToolInvocationsTable>): ToolInvocation {
  return {
    toolCallId: row.tool_call_id,
    toolName: row.tool_name,
    arguments: parseJsonColumn(row.arguments),
    outcome: row.outcome,
    result: row.result,
    createdAt: row.created_at,
  };
}

export function toTransfer(row: Selectable<TransfersTable>): Transfer {
  return {
    id: row.id,
    destinationNumber: row.destination_number,
    kind: row.kind,
    reason: row.reason,
    createdAt: row.created_at,
  };
}

/** A delivery's columns without its payload (a `call.ended` body carries the transcript). */
export const DELIVERY_COLUMNS = [
  "id",
  "tenant_id",
  "subject_id",
  "call_id",
  "event_type",
  "url",
  "status",
  "attempts",
  "last_status_code",
  "last_error",
  "next_attempt_at",
  "created_at",
  "updated_at",
] as const satisfies readonly (keyof DeliveryRow)[];

export type DeliverySummaryRow = Pick<DeliveryRow, (typeof DELIVERY_COLUMNS)[number]>;

export function toDelivery(row: DeliverySummaryRow): Delivery {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    eventType: row.event_type,
    subjectId: row.subject_id,
    callId: row.call_id,
    url: maskUrlCredentials(row.url),
    status: row.status,
    attempts: Number(row.attempts),
    lastStatusCode: row.last_status_code === null ? null : Number(row.last_status_code),
    lastError: row.last_error,
    nextAttemptAt: row.next_attempt_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toDeliveryAttempt(row: DeliveryAttemptRow): DeliveryAttempt {
  return {
    attempt: Number(row.attempt),
    statusCode: row.status_code === null ? null : Number(row.status_code),
    error: row.error,
    durationMs: row.duration_ms === null ? null : Number(row.duration_ms),
    at: row.at,
  };
}

/** A JSON text column as a value; text that does not parse is returned as it is, not lost. */
export function parseJsonColumn(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** A webhook URL with any `user:password@` replaced: that part is a credential. */
export function maskUrlCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username === "" && parsed.password === "") return url;
    parsed.username = "****";
    parsed.password = "";
    return parsed.toString();
  } catch {
    return url;
  }
}
