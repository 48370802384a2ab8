import { sql, type Expression, type Kysely, type RawBuilder } from "kysely";
import type { CallRow, CallStatusEventRow, Database } from "../db/schema.js";
import { CALL_LIFECYCLE, isCallLifecycleStatus } from "./call-status.js";

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
  recordReport(tenantId: string, report: CallReport, nowIso: string): Promise<RecordOutcome>;
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
        const call = await trx
          .insertInto("calls")
          .values({
            id: update.callId,
            tenant_id: tenantId,
            caller_number: update.callerNumber ?? null,
            vapi_phone_number_id: update.vapiPhoneNumberId ?? null,
            dialed_number: update.dialedNumber ?? null,
            status: lifecycleStatus,
            ended_reason: update.endedReason ?? null,
            started_at: update.startedAt ?? null,
            created_at: nowIso,
            updated_at: nowIso,
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
              .where("calls.tenant_id", "=", tenantId),
          )
          .returning("id")
          .executeTakeFirst();
        if (call === undefined) return "other-tenant";
        if (update.status === undefined) return "stored";

        const event = await trx
          .insertInto("call_status_events")
          .values({
            call_id: update.callId,
            tenant_id: tenantId,
            status: update.status,
            ended_reason: update.endedReason ?? null,
            occurred_at: update.occurredAt,
            received_at: nowIso,
          })
          .onConflict((oc) => oc.columns(["call_id", "status"]).doNothing())
          .returning("call_id")
          .executeTakeFirst();
        return event === undefined ? "duplicate" : "stored";
      });
    },

    async recordReport(tenantId, report, nowIso) {
      const written = await db
        .insertInto("calls")
        .values({
          id: report.callId,
          tenant_id: tenantId,
          caller_number: report.callerNumber ?? null,
          vapi_phone_number_id: report.vapiPhoneNumberId ?? null,
          dialed_number: report.dialedNumber ?? null,
          // A report is only sent once the call is over, whatever status-updates said or missed.
          status: "ended",
          ended_reason: report.endedReason ?? null,
          started_at: report.startedAt ?? null,
          ended_at: report.endedAt ?? null,
          duration_seconds: report.durationSeconds ?? null,
          cost: report.cost ?? null,
          cost_breakdown: toJson(report.costBreakdown),
          summary: report.summary ?? null,
          structured_data: toJson(report.structuredData),
          success_evaluation: report.successEvaluation ?? null,
          transcript: report.transcript ?? null,
          messages: toJson(report.messages),
          recording_url: report.recordingUrl ?? null,
          stereo_recording_url: report.stereoRecordingUrl ?? null,
          report: toJson(report.report),
          report_received_at: nowIso,
          created_at: nowIso,
          updated_at: nowIso,
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
                eb("calls.tenant_id", "=", tenantId),
                eb("calls.report_received_at", "is", null),
              ]),
            ),
        )
        .returning("id")
        .executeTakeFirst();
      if (written !== undefined) return "stored";
      const existing = await db
        .selectFrom("calls")
        .select("tenant_id")
        .where("id", "=", report.callId)
        .executeTakeFirst();
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

function toJson(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}
