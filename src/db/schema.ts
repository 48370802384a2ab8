import type { ColumnType, Generated, Insertable, Selectable, Updateable } from "kysely";

/**
 * Table types for Kysely. Timestamps are ISO-8601 strings in UTC on both SQLite and PostgreSQL
 * (stored as text) so that the two dialects return identical values. JSON documents are stored
 * as text and parsed through their zod schema when read.
 */
export interface Database {
  tenants: TenantsTable;
  phone_numbers: PhoneNumbersTable;
  tenant_changes: TenantChangesTable;
  calls: CallsTable;
  call_status_events: CallStatusEventsTable;
  leads: LeadsTable;
  messages: MessagesTable;
  bookings: BookingsTable;
  tool_invocations: ToolInvocationsTable;
  transfers: TransfersTable;
  jobs: JobsTable;
  deliveries: DeliveriesTable;
  delivery_attempts: DeliveryAttemptsTable;
}

export interface TenantsTable {
  id: string;
  name: string;
  timezone: string;
  /** The whole tenant document as JSON text (validated by TenantDocumentSchema). */
  document: string;
  version: ColumnType<number, number | undefined, number>;
  created_at: string;
  updated_at: string;
}

/** A committed tenant change, for processes that have no Redis to hear of it (tenant-change-feed). */
export interface TenantChangesTable {
  id: string;
  /** The tenant changed, or "*" when one transaction changed too many to list. */
  tenant_id: string;
  /** The process that made the change (it has invalidated its own cache already). */
  origin: string;
  changed_at: string;
}

export interface PhoneNumbersTable {
  /** E.164, normalised. */
  number: string;
  vapi_phone_number_id: string | null;
  tenant_id: string;
  created_at: string;
}

/** A caller's enquiry; at most one per tenant and call (a repeat updates it). */
export interface LeadsTable {
  id: string;
  tenant_id: string;
  call_id: string | null;
  caller_number: string | null;
  callback_number: string | null;
  name: string | null;
  service: string | null;
  urgency: string | null;
  suburb: string | null;
  notes: string | null;
  created_at: string;
  updated_at: string;
}

export interface MessagesTable {
  id: string;
  tenant_id: string;
  call_id: string | null;
  caller_number: string | null;
  callback_number: string | null;
  name: string | null;
  message: string;
  created_at: string;
}

/** UNIQUE (tenant_id, slot_start): the database refuses a second booking of one slot. */
export interface BookingsTable {
  id: string;
  tenant_id: string;
  /** ISO-8601 UTC, always written by `Date#toISOString` so equal instants compare equal. */
  slot_start: string;
  slot_end: string;
  name: string | null;
  phone: string | null;
  service: string | null;
  notes: string | null;
  call_id: string | null;
  status: ColumnType<string, string | undefined, string>;
  created_at: string;
}

/** The first answer to each tool call id (idempotency); primary key (tenant_id, tool_call_id). */
export interface ToolInvocationsTable {
  tenant_id: string;
  tool_call_id: string;
  /** '' for a tool call that came without a call id: it is part of the key (migration 008). */
  call_id: string;
  tool_name: string;
  /** JSON text of the validated arguments. */
  arguments: string;
  /** "pending" exists only inside the transaction that claimed the id; others never see it. */
  outcome: "pending" | "ok" | "error";
  /** The result, or the error sentence, exactly as first answered. */
  result: string;
  created_at: string;
}

export interface TransfersTable {
  id: string;
  tenant_id: string;
  call_id: string | null;
  destination_number: string;
  kind: "emergency" | "front-desk";
  /** The escalation trigger that matched, for emergency transfers. */
  reason: string | null;
  created_at: string;
}

/** One Vapi call, keyed by Vapi's call id; built from status-updates and the end-of-call report. */
export interface CallsTable {
  id: string;
  tenant_id: string;
  caller_number: string | null;
  vapi_phone_number_id: string | null;
  dialed_number: string | null;
  /** Highest lifecycle status seen (scheduled < queued < ringing < in-progress < forwarding < ended). */
  status: string | null;
  ended_reason: string | null;
  started_at: string | null;
  ended_at: string | null;
  duration_seconds: number | null;
  /** USD. */
  cost: number | null;
  /** JSON text: `{ costs?: [...], costBreakdown?: {...} }` as Vapi sent them. */
  cost_breakdown: string | null;
  summary: string | null;
  /** JSON text: the tenant's analysis schema output. */
  structured_data: string | null;
  success_evaluation: string | null;
  transcript: string | null;
  /** JSON text: `artifact.messages`. */
  messages: string | null;
  recording_url: string | null;
  stereo_recording_url: string | null;
  /** JSON text: the report message minus the fields stored in their own columns. */
  report: string | null;
  report_received_at: string | null;
  /** When the retention job removed the transcript, messages and recordings (migration 005). */
  content_purged_at: string | null;
  created_at: string;
  updated_at: string;
}

/** Each status a call went through, once per (call, status). */
export interface CallStatusEventsTable {
  call_id: string;
  tenant_id: string;
  status: string;
  ended_reason: string | null;
  /** When Vapi says it happened (the message timestamp), else when we received it. */
  occurred_at: string;
  received_at: string;
}

/** The database-backed job queue (src/jobs/database-queue.ts); also used when Redis is absent. */
export interface JobsTable {
  /** The dedupe key given at enqueue time (`call-ended:<callId>`). */
  id: string;
  name: string;
  /** JSON text, validated by the job's schema when it runs. */
  payload: string;
  status: "queued" | "running" | "succeeded" | "failed";
  /** Attempts started, including one in progress. */
  attempts: number;
  max_attempts: number;
  /** Not claimed before this instant (delays and retry backoff). */
  run_at: string;
  /** While running: the claim's lease; past it, the job is claimable again (its worker died). */
  locked_until: string | null;
  /** While running: the claim token of the worker holding the lease. */
  locked_by: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

/** One event to send to one tenant's webhook, with its retry state; id is the `webhook-id`. */
export interface DeliveriesTable {
  id: string;
  tenant_id: string;
  /** What the event is about (call id or lead id); unique per tenant and event type. */
  subject_id: string;
  call_id: string | null;
  event_type: string;
  url: string;
  /** The exact JSON body sent (and signed) on every attempt. */
  payload: string;
  status: "pending" | "succeeded" | "failed";
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: string | null;
  created_at: string;
  updated_at: string;
}

/** The delivery log: one row per HTTP attempt, written before the request and completed after. */
export interface DeliveryAttemptsTable {
  delivery_id: string;
  attempt: number;
  status_code: number | null;
  error: string | null;
  duration_ms: number | null;
  at: string;
}

export type TenantRow = Selectable<TenantsTable>;
export type NewTenantRow = Insertable<TenantsTable>;
export type TenantRowUpdate = Updateable<TenantsTable>;
export type PhoneNumberRow = Selectable<PhoneNumbersTable>;
export type CallRow = Selectable<CallsTable>;
export type CallStatusEventRow = Selectable<CallStatusEventsTable>;
export type JobRow = Selectable<JobsTable>;
export type DeliveryRow = Selectable<DeliveriesTable>;
export type DeliveryAttemptRow = Selectable<DeliveryAttemptsTable>;
export type { Generated };
