import { sql, type Expression, type Kysely, type RawBuilder } from "kysely";
import { prepareQuery } from "../db/prepared-query.js";
import type { CallRow, CallStatusEventRow, Database } from "../db/schema.js";
import { CALL_LIFECYCLE, isCallLifecycleStatus, type CallLifecycleStatus } from "./call-status.js";

/** Who called which of the tenant's numbers; any part may be unknown. */
export interface CallParties {
  callerNumber: string | undefined;
  vapiPhoneNumberId: string | undefined;
  dialedNumber: string | undefined;
}

/** One status change of a call, as the protocol layer read it. */
export interface CallStatusUpdate extends CallParties {
  callId: string;
  /** Undefined when the message carried none: the call is still recorded, with no event. */
  status: string | undefined;
  endedReason: string | undefined;
  startedAt: string | undefined;
  /** ISO-8601; when Vapi says the change happened. */
  occurredAt: string;
}

/** What an end-of-call report tells us; every part may be missing (a call that failed early). */
export interface CallReport extends CallParties {
  callId: string;
  endedReason: string | undefined;
  /** ISO-8601. */
  startedAt: string | undefined;
  endedAt: string | undefined;
  durationSeconds: number | undefined;
  /** USD. */
  cost: number | undefined;
  /** JSON-serializable documents, stored as JSON text. */
  costBreakdown: unknown;
  summary: string | undefined;
  structuredData: unknown;
  successEvaluation: string | undefined;
  transcript: string | undefined;
  messages: unknown;
  recordingUrl: string | undefined;
  stereoRecordingUrl: string | undefined;
  /** The report itself, minus what has its own column. */
  report: unknown;
}

/** The documents of a report, which are stored as JSON text. */
type ReportDocuments = "costBreakdown" | "structuredData" | "messages" | "report";

/**
 * A report ready to store: its documents already JSON text. Serializing them is most of what
 * storing a large report costs, so it happens where the body is read (`serializeCallReport`,
 * possibly on a worker thread: src/vapi/body-reader.ts), not on the event loop that writes.
 */
export type CallReportRecord = Omit<CallReport, ReportDocuments> & {
  [K in ReportDocuments]: string | undefined;
};

/**
 * - `stored`: written (for a status, a new event).
 * - `duplicate`: already known (a retried status, or a second report for the call); no change
 *   to what was recorded.
 * - `other-tenant`: the call id belongs to another tenant; nothing was written.
 */
export type RecordOutcome = "stored" | "duplicate" | "other-tenant";

export interface CallRepo {
  /** Upserts the call (highest status wins) and records the status event once per status. */
  recordStatus(tenantId: string, update: CallStatusUpdate, nowIso: string): Promise<RecordOutcome>;
  /** Upserts the call with its report; the first report for a call wins, later ones are no-ops. */
  recordReport(tenantId: string, report: CallReportRecord, nowIso: string): Promise<RecordOutcome>;
  findById(tenantId: string, callId: string): Promise<CallRow | undefined>;
  /** The call's status events, oldest first. */
  listStatusEvents(tenantId: string, callId: string): Promise<CallStatusEventRow[]>;
}

/**
 * Call persistence over Kysely; identical on SQLite and PostgreSQL. Every write is one upsert
 * keyed by Vapi's call id and guarded by the tenant, so duplicates, retries and out-of-order
 * delivery converge on one row, and one tenant's messages can never change another's call.
 * Throws whatever the database throws: callers must not acknowledge a message that was not stored.
 */
export function createCallRepo(db: Kysely<Database>): CallRepo {
  return {
    async recordStatus(tenantId, update, nowIso) {
      const lifecycleStatus =
        update.status !== undefined && isCallLifecycleStatus(update.status) ? update.status : null;
      return db.transaction().execute(async (trx) => {
        const call = await upsertStatusCall.executeTakeFirst(trx, {
          callId: update.callId,
          tenantId,
          callerNumber: update.callerNumber ?? null,
          vapiPhoneNumberId: update.vapiPhoneNumberId ?? null,
          dialedNumber: update.dialedNumber ?? null,
          status: lifecycleStatus,
          endedReason: update.endedReason ?? null,
          startedAt: update.startedAt ?? null,
          nowIso,
        });
        if (call === undefined) return "other-tenant";
        if (update.status === undefined) return "stored";

        const event = await insertStatusEvent.executeTakeFirst(trx, {
          callId: update.callId,
          tenantId,
          status: update.status,
          endedReason: update.endedReason ?? null,
          occurredAt: update.occurredAt,
          nowIso,
        });
        return event === undefined ? "duplicate" : "stored";
      });
    },

    async recordReport(tenantId, report, nowIso) {
      const written = await upsertReportCall.executeTakeFirst(db, {
        callId: report.callId,
        tenantId,
        callerNumber: report.callerNumber ?? null,
        vapiPhoneNumberId: report.vapiPhoneNumberId ?? null,
        dialedNumber: report.dialedNumber ?? null,
        endedReason: report.endedReason ?? null,
        startedAt: report.startedAt ?? null,
        endedAt: report.endedAt ?? null,
        durationSeconds: report.durationSeconds ?? null,
        cost: report.cost ?? null,
        costBreakdown: report.costBreakdown ?? null,
        summary: report.summary ?? null,
        structuredData: report.structuredData ?? null,
        successEvaluation: report.successEvaluation ?? null,
        transcript: report.transcript ?? null,
        messages: report.messages ?? null,
        recordingUrl: report.recordingUrl ?? null,
        stereoRecordingUrl: report.stereoRecordingUrl ?? null,
        report: report.report ?? null,
        nowIso,
      });
      if (written !== undefined) return "stored";
      const existing = await findCallTenant.executeTakeFirst(db, { callId: report.callId });
      return existing !== undefined && existing.tenant_id !== tenantId
        ? "other-tenant"
        : "duplicate";
    },

    async findById(tenantId, callId) {
      return db
        .selectFrom("calls")
        .selectAll()
        .where("tenant_id", "=", tenantId)
        .where("id", "=", callId)
        .executeTakeFirst();
    },

    async listStatusEvents(tenantId, callId) {
      return db
        .selectFrom("call_status_events")
        .selectAll()
        .where("tenant_id", "=", tenantId)
        .where("call_id", "=", callId)
        .orderBy("occurred_at")
        .orderBy("received_at")
        .execute();
    },
  };
}

interface StatusCallParams {
  callId: string;
  tenantId: string;
  callerNumber: string | null;
  vapiPhoneNumberId: string | null;
  dialedNumber: string | null;
  status: CallLifecycleStatus | null;
  endedReason: string | null;
  startedAt: string | null;
  nowIso: string;
}

const upsertStatusCall = prepareQuery((db, p: StatusCallParams) =>
  db
    .insertInto("calls")
    .values({
      id: p.callId,
      tenant_id: p.tenantId,
      caller_number: p.callerNumber,
      vapi_phone_number_id: p.vapiPhoneNumberId,
      dialed_number: p.dialedNumber,
      status: p.status,
      ended_reason: p.endedReason,
      started_at: p.startedAt,
      created_at: p.nowIso,
      updated_at: p.nowIso,
    })
    .onConflict((oc) =>
      oc
        .column("id")
        .doUpdateSet((eb) => ({
          caller_number: eb.fn.coalesce("excluded.caller_number", "calls.caller_number"),
          vapi_phone_number_id: eb.fn.coalesce(
            "excluded.vapi_phone_number_id",
            "calls.vapi_phone_number_id",
          ),
          dialed_number: eb.fn.coalesce("excluded.dialed_number", "calls.dialed_number"),
          status: higherStatus(eb.ref("excluded.status"), eb.ref("calls.status")),
          // The report's ended reason, when it came first, is the authoritative one.
          ended_reason: eb.fn.coalesce("calls.ended_reason", "excluded.ended_reason"),
          started_at: eb.fn.coalesce("calls.started_at", "excluded.started_at"),
          updated_at: eb.ref("excluded.updated_at"),
        }))
        .where("calls.tenant_id", "=", p.tenantId),
    )
    .returning("id"),
);

const insertStatusEvent = prepareQuery(
  (
    db,
    p: {
      callId: string;
      tenantId: string;
      status: string;
      endedReason: string | null;
      occurredAt: string;
      nowIso: string;
    },
  ) =>
    db
      .insertInto("call_status_events")
      .values({
        call_id: p.callId,
        tenant_id: p.tenantId,
        status: p.status,
        ended_reason: p.endedReason,
        occurred_at: p.occurredAt,
        received_at: p.nowIso,
      })
      .onConflict((oc) => oc.columns(["call_id", "status"]).doNothing())
      .returning("call_id"),
);

interface ReportCallParams {
  callId: string;
  tenantId: string;
  callerNumber: string | null;
  vapiPhoneNumberId: string | null;
  dialedNumber: string | null;
  endedReason: string | null;
  startedAt: string | null;
  endedAt: string | null;
  durationSeconds: number | null;
  cost: number | null;
  costBreakdown: string | null;
  summary: string | null;
  structuredData: string | null;
  successEvaluation: string | null;
  transcript: string | null;
  messages: string | null;
  recordingUrl: string | null;
  stereoRecordingUrl: string | null;
  report: string | null;
  nowIso: string;
}

const upsertReportCall = prepareQuery((db, p: ReportCallParams) =>
  db
    .insertInto("calls")
    .values({
      id: p.callId,
      tenant_id: p.tenantId,
      caller_number: p.callerNumber,
      vapi_phone_number_id: p.vapiPhoneNumberId,
      dialed_number: p.dialedNumber,
      // A report is only sent once the call is over, whatever status-updates said or missed.
      status: "ended",
      ended_reason: p.endedReason,
      started_at: p.startedAt,
      ended_at: p.endedAt,
      duration_seconds: p.durationSeconds,
      cost: p.cost,
      cost_breakdown: p.costBreakdown,
      summary: p.summary,
      structured_data: p.structuredData,
      success_evaluation: p.successEvaluation,
      transcript: p.transcript,
      messages: p.messages,
      recording_url: p.recordingUrl,
      stereo_recording_url: p.stereoRecordingUrl,
      report: p.report,
      report_received_at: p.nowIso,
      created_at: p.nowIso,
      updated_at: p.nowIso,
    })
    .onConflict((oc) =>
      oc
        .column("id")
        .doUpdateSet((eb) => ({
          // Status-updates only ever set these few columns; the report completes them.
          caller_number: eb.fn.coalesce("excluded.caller_number", "calls.caller_number"),
          vapi_phone_number_id: eb.fn.coalesce(
            "excluded.vapi_phone_number_id",
            "calls.vapi_phone_number_id",
          ),
          dialed_number: eb.fn.coalesce("excluded.dialed_number", "calls.dialed_number"),
          status: eb.ref("excluded.status"),
          ended_reason: eb.fn.coalesce("excluded.ended_reason", "calls.ended_reason"),
          started_at: eb.fn.coalesce("excluded.started_at", "calls.started_at"),
          ended_at: eb.ref("excluded.ended_at"),
          duration_seconds: eb.ref("excluded.duration_seconds"),
          cost: eb.ref("excluded.cost"),
          cost_breakdown: eb.ref("excluded.cost_breakdown"),
          summary: eb.ref("excluded.summary"),
          structured_data: eb.ref("excluded.structured_data"),
          success_evaluation: eb.ref("excluded.success_evaluation"),
          transcript: eb.ref("excluded.transcript"),
          messages: eb.ref("excluded.messages"),
          recording_url: eb.ref("excluded.recording_url"),
          stereo_recording_url: eb.ref("excluded.stereo_recording_url"),
          report: eb.ref("excluded.report"),
          report_received_at: eb.ref("excluded.report_received_at"),
          updated_at: eb.ref("excluded.updated_at"),
        }))
        // Vapi sends the same report again on retry: the first one stays, byte for byte.
        .where((eb) =>
          eb.and([
            eb("calls.tenant_id", "=", p.tenantId),
            eb("calls.report_received_at", "is", null),
          ]),
        ),
    )
    .returning("id"),
);

const findCallTenant = prepareQuery((db, p: { callId: string }) =>
  db.selectFrom("calls").select("tenant_id").where("id", "=", p.callId),
);

/** `candidate` if it is later in the lifecycle than `current`, else `current` (in SQL, atomic). */
function higherStatus(
  candidate: Expression<string | null>,
  current: Expression<string | null>,
): RawBuilder<string | null> {
  return sql<
    string | null
  >`case when ${statusRank(candidate)} > ${statusRank(current)} then ${candidate} else ${current} end`;
}

// Literals, not parameters: PostgreSQL cannot infer the type of a parameter in a CASE branch,
// and these come from a constant list.
function statusRank(status: Expression<string | null>): RawBuilder<number> {
  const whens = CALL_LIFECYCLE.map(
    (name, index) => sql`when ${sql.lit(name)} then ${sql.lit(index + 1)}`,
  );
  return sql<number>`(case ${status} ${sql.join(whens, sql` `)} else 0 end)`;
}
