import type { CallReportRecord } from "../src/calls/call-repo.js";

/** The SQL columns of a stored report, in the order `reportRowValues` gives their values. */
export const REPORT_ROW_COLUMNS = `id, tenant_id, caller_number, vapi_phone_number_id,
  dialed_number, status, ended_reason, started_at, ended_at, duration_seconds, cost,
  cost_breakdown, summary, structured_data, success_evaluation, transcript, messages,
  recording_url, stereo_recording_url, report, report_received_at, created_at, updated_at`;

/** Placeholders for REPORT_ROW_COLUMNS: a report is only stored once the call has ended. */
export const REPORT_ROW_PLACEHOLDERS =
  "?, ?, ?, ?, ?, 'ended', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?";

/**
 * A report's row of the `calls` table as frontdesk's call repository writes it, for the
 * benchmarks that store reports with better-sqlite3 alone.
 */
export function reportRowValues(
  report: CallReportRecord,
  tenantId: string,
  nowIso: string,
): unknown[] {
  return [
    report.callId,
    tenantId,
    report.callerNumber ?? null,
    report.vapiPhoneNumberId ?? null,
    report.dialedNumber ?? null,
    report.endedReason ?? null,
    report.startedAt ?? null,
    report.endedAt ?? null,
    report.durationSeconds ?? null,
    report.cost ?? null,
    report.costBreakdown ?? null,
    report.summary ?? null,
    report.structuredData ?? null,
    report.successEvaluation ?? null,
    report.transcript ?? null,
    report.messages ?? null,
    report.recordingUrl ?? null,
    report.stereoRecordingUrl ?? null,
    report.report ?? null,
    nowIso,
    nowIso,
    nowIso,
  ];
}
