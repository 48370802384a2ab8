import type { Selectable } from "kysely";
import type { CallRow, LeadsTable } from "../db/schema.js";
import type { NotifyEvent } from "./notify-settings.js";

/** The body of every webhook, in the Standard Webhooks payload shape. */
export interface WebhookEvent<TType extends NotifyEvent, TData> {
  type: TType;
  /** ISO-8601: when the event happened. */
  timestamp: string;
  data: TData;
}

export type CallEndedEvent = WebhookEvent<"call.ended", ReturnType<typeof callEndedData>>;
export type LeadCreatedEvent = WebhookEvent<"lead.created", ReturnType<typeof leadCreatedData>>;

/** What a tenant is told when a call ends: the stored report, minus Vapi's raw message history. */
export function buildCallEndedEvent(call: CallRow): CallEndedEvent {
  return {
    type: "call.ended",
    timestamp: call.ended_at ?? call.report_received_at ?? call.updated_at,
    data: callEndedData(call),
  };
}

function callEndedData(call: CallRow) {
  return {
    tenantId: call.tenant_id,
    callId: call.id,
    callerNumber: call.caller_number,
    dialedNumber: call.dialed_number,
    endedReason: call.ended_reason,
    startedAt: call.started_at,
    endedAt: call.ended_at,
    durationSeconds: call.duration_seconds,
    cost: call.cost,
    summary: call.summary,
    successEvaluation: call.success_evaluation,
    structuredData: parseJson(call.structured_data),
    transcript: call.transcript,
    recordingUrl: call.recording_url,
    stereoRecordingUrl: call.stereo_recording_url,
  };
}

/** What a tenant is told about a new lead (its state when the delivery was first prepared). */
export function buildLeadCreatedEvent(lead: Selectable<LeadsTable>): LeadCreatedEvent {
  return { type: "lead.created", timestamp: lead.created_at, data: leadCreatedData(lead) };
}

function leadCreatedData(lead: Selectable<LeadsTable>) {
  return {
    tenantId: lead.tenant_id,
    leadId: lead.id,
    callId: lead.call_id,
    name: lead.name,
    callerNumber: lead.caller_number,
    callbackNumber: lead.callback_number,
    service: lead.service,
    urgency: lead.urgency,
    suburb: lead.suburb,
    notes: lead.notes,
    createdAt: lead.created_at,
  };
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
