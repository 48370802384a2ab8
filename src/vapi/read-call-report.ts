import type { CallReport, CallReportRecord } from "../calls/call-repo.js";
import type { MessageOf } from "./messages.js";
import { readCallParties, toIsoTime } from "./read-call-parties.js";

type EndOfCallReport = MessageOf<"end-of-call-report">;

/**
 * Reads an end-of-call report into what we store (protocol reference §6.2). Nested fields come
 * first; the observed legacy top-level copies are fallbacks because the schema does not promise
 * them. A report from a call that failed early (empty `analysis`, no `startedAt`, no recording)
 * simply leaves those parts undefined.
 */
export function readCallReport(message: EndOfCallReport, callId: string): CallReport {
  const call = asRecord(message.call);
  const analysis = message.analysis ?? undefined;
  const artifact = message.artifact ?? undefined;

  const startedAt = toIsoTime(message.startedAt ?? call?.startedAt);
  const endedAt = toIsoTime(message.endedAt ?? call?.endedAt);
  // The schema puts the breakdown on `call.costBreakdown`; reports also carry a top-level copy.
  const costBreakdown = asRecord(call?.costBreakdown) ?? message.costBreakdown ?? undefined;
  const costs = message.costs ?? asArray(call?.costs);
  const successEvaluation = analysis?.successEvaluation;

  return {
    callId,
    ...readCallParties(message),
    endedReason: text(message.endedReason) ?? text(call?.endedReason),
    startedAt,
    endedAt,
    durationSeconds: durationSeconds(message, startedAt, endedAt),
    cost: message.cost ?? asNumber(call?.cost) ?? asNumber(costBreakdown?.total),
    costBreakdown:
      costs === undefined && costBreakdown === undefined ? undefined : { costs, costBreakdown },
    summary: text(analysis?.summary) ?? text(message.summary),
    structuredData: analysis?.structuredData ?? undefined,
    successEvaluation:
      successEvaluation === undefined || successEvaluation === null
        ? undefined
        : String(successEvaluation),
    transcript: text(artifact?.transcript) ?? text(message.transcript),
    messages: artifact?.messages ?? message.messages ?? undefined,
    recordingUrl:
      text(artifact?.recordingUrl) ??
      text(artifact?.recording?.mono?.combinedUrl) ??
      text(message.recordingUrl),
    stereoRecordingUrl:
      text(artifact?.stereoRecordingUrl) ??
      text(artifact?.recording?.stereoUrl) ??
      text(message.stereoRecordingUrl),
    report: withoutStoredCopies(message),
  };
}

/** `durationSeconds`, else `durationMs`, else the time between start and end. */
function durationSeconds(
  message: EndOfCallReport,
  startedAt: string | undefined,
  endedAt: string | undefined,
): number | undefined {
  if (message.durationSeconds !== undefined && message.durationSeconds !== null) {
    return message.durationSeconds;
  }
  if (message.durationMs !== undefined && message.durationMs !== null) {
    return message.durationMs / 1000;
  }
  if (startedAt === undefined || endedAt === undefined) return undefined;
  const ms = Date.parse(endedAt) - Date.parse(startedAt);
  return ms >= 0 ? ms / 1000 : undefined;
}

/**
 * The report minus what is stored in its own column or repeated elsewhere in it: the
 * transcript and message history (both formats, nested and legacy top-level copies), the costs
 * (`cost_breakdown` has them) and the stale `call` snapshot's assistant and artifact (the report
 * has its own). Of the assistant, which frontdesk itself built for this call from the tenant's
 * document, only its name and metadata (tenant id and name) are kept: its prompt, tools and
 * settings were ~4 KB of every ~18 KB row, read by nothing, and on SQLite a report's cost
 * follows its bytes (ADR 0010, "What a stored report holds"). What remains (analysis,
 * destination, performance metrics, recording details, log URL, …) stays queryable.
 */
function withoutStoredCopies(message: EndOfCallReport): Record<string, unknown> {
  const report: Record<string, unknown> = omit(message, [
    "transcript",
    "messages",
    "messagesOpenAIFormatted",
    "costs",
    "costBreakdown",
  ]);
  if (message.artifact !== undefined && message.artifact !== null) {
    report.artifact = omit(message.artifact, ["transcript", "messages", "messagesOpenAIFormatted"]);
  }
  if (message.call !== undefined && message.call !== null) {
    report.call = omit(message.call, ["assistant", "artifact"]);
  }
  const assistant = asRecord(message.assistant);
  if (assistant !== undefined) report.assistant = assistantReference(assistant);
  return report;
}

/** Which assistant the call ran with, without the configuration frontdesk generated for it. */
function assistantReference(assistant: Record<string, unknown>): Record<string, unknown> {
  const reference: Record<string, unknown> = {};
  for (const key of ["id", "name", "metadata"]) {
    if (assistant[key] !== undefined) reference[key] = assistant[key];
  }
  return reference;
}

// Copies the kept keys rather than deleting from a full copy: `delete` turns the copy into a
// dictionary-mode object, which JSON.stringify (the report is stored as JSON) walks more slowly
// (~30 -> ~27 µs to build and serialize a 30 KB report's remainder). `value` is a plain object
// built by the schema, so for…in sees only its own keys.
function omit(value: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const key in value) {
    if (!keys.includes(key)) copy[key] = value[key];
  }
  return copy;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

function asNumber(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

function asArray(value: unknown): unknown[] | undefined {
  return Array.isArray(value) ? value : undefined;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** The report with its documents as JSON text, as the call repository stores it. */
export function serializeCallReport(report: CallReport): CallReportRecord {
  return {
    ...report,
    costBreakdown: toJson(report.costBreakdown),
    structuredData: toJson(report.structuredData),
    messages: toJson(report.messages),
    report: toJson(report.report),
  };
}

function toJson(value: unknown): string | undefined {
  return value === undefined || value === null ? undefined : JSON.stringify(value);
}
