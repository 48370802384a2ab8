/*
 * The required-work floor (BASELINE_STACK=fastify-sqlite-required of bench/baseline-server.ts):
 * what issue 4's tool-calls message and end-of-call report cost a server that does all the work
 * the issues require of them and nothing else, done the cheapest way this stack allows. Against
 * frontdesk it answers one question: are issue 4's targets out of reach because of frontdesk's
 * architecture (Kysely, async transactions, the handler layers), or because of the work itself?
 * A report is read into frontdesk's record (`readWebhookBody`) and upserted as frontdesk's call
 * repository does it; the rest of this header is about tool calls.
 *
 * Required, and done here with frontdesk's own pure code where it has it:
 * - the webhook's credentials, checked by frontdesk's `verifyWebhook` (401 otherwise);
 * - frontdesk's body reading (`readWebhookBody`: safe parse, depth and prototype-key checks,
 *   envelope, the dialed number, validation against the stripping message schema);
 * - the tenant from the dialed number (an in-memory map: frontdesk's cached lookup);
 * - each tool call's arguments validated by the tool's own schema, model-supplied tenant keys
 *   dropped with everything else the schema does not name;
 * - create_lead: the service matched against the tenant's, the call's lead upserted on
 *   frontdesk's schema (its indexes included), a notification job when the tenant subscribes,
 *   and the tool call recorded once: the invocation row is inserted last with its answer, and a
 *   duplicate tool call id rolls its savepoint back and answers what was stored (the least
 *   SQL for at-most-once: one statement on the common path, where frontdesk claims then
 *   completes);
 * - check_availability: the bookings read, the free slots computed in the tenant's time zone
 *   with frontdesk's slot and sentence code;
 * - group commit as frontdesk's (ADR 0010), answered after the COMMIT;
 * - one structured log line per request and a latency histogram.
 * Not done: everything runs synchronously on better-sqlite3 (no query builder, no promise per
 * statement), no time budget per tool, no per-tenant credentials, no metrics per tool.
 */
import type { Vapi } from "@vapi-ai/server-sdk";
import SQLite from "better-sqlite3";
import type { Logger } from "pino";
import { Histogram, Registry } from "prom-client";
import type { CallReportRecord } from "../src/calls/call-repo.js";
import type { WebhookAuthConfig } from "../src/config.js";
import { applySqliteSettings } from "../src/db/kysely.js";
import type { Tenant } from "../src/tenants/tenant-document.js";
import { CheckAvailabilityArgsSchema } from "../src/tools/check-availability.js";
import {
  CreateLeadArgsSchema,
  describeStoredLead,
  type CreateLeadArgs,
} from "../src/tools/create-lead.js";
import {
  describeBookableSlot,
  describeDay,
  describeFreeSlots,
  describeLength,
} from "../src/tools/describe-slots.js";
import { parseIsoDate, startOfNextLocalDate } from "../src/tools/local-time.js";
import { matchService, unknownServiceError } from "../src/tools/match-service.js";
import { newId } from "../src/tools/new-id.js";
import { compactPhone } from "../src/tools/phone-argument.js";
import {
  computeFreeSlots,
  daysInclusive,
  localDateOf,
  localDatesToInterval,
  MAX_RANGE_DAYS,
  slotRulesFor,
  type Interval,
  type SlotRules,
} from "../src/tools/slots.js";
import type { ToolOutcome } from "../src/tools/tool-definition.js";
import { isSubscribed } from "../src/notifications/notify-settings.js";
import type { PreparedOf } from "../src/vapi/prepared-messages.js";
import {
  FAILURE_ERROR,
  NO_TENANT_ERROR,
  toolCallResults,
} from "../src/vapi/handlers/tool-calls.js";
import { readWebhookBody } from "../src/vapi/read-webhook-body.js";
import { verifyWebhook, type HeaderBag } from "../src/vapi/verify-signature.js";
import { extractToolCalls, type ExtractedToolCall } from "../src/vapi/tool-arguments.js";
import { REPORT_ROW_COLUMNS, REPORT_ROW_PLACEHOLDERS, reportRowValues } from "./report-row.js";
import { createGroupCommit } from "./sqlite-group-commit.js";

export interface FloorAnswer {
  statusCode: number;
  json: string;
}

export interface RequiredWorkFloor {
  answer(rawBody: Buffer, headers: HeaderBag, requestId: string): Promise<FloorAnswer>;
  close(): void;
}

const DAY_MS = 24 * 60 * 60_000;

/** `file` must already hold frontdesk's schema and `tenants` (bench/example-database.ts). */
export function createRequiredWorkFloor(options: {
  file: string;
  tenants: readonly Tenant[];
  /** The global credentials, as frontdesk's configuration reads them. */
  auth: WebhookAuthConfig;
  log: Logger;
}): RequiredWorkFloor {
  const sqlite = new SQLite(options.file);
  applySqliteSettings(sqlite);
  const tenants = indexTenants(options.tenants);
  const statements = prepareStatements(sqlite);
  const batch = createGroupCommit(sqlite);
  const registry = new Registry();
  const latency = new Histogram({
    name: "floor_webhook_seconds",
    help: "Webhook latency",
    labelNames: ["type"],
    registers: [registry],
  });

  const credentials = { secrets: options.auth.secrets, hmacSecrets: options.auth.hmac.secrets };

  return {
    async answer(rawBody, headers, requestId) {
      const started = performance.now();
      const verdict = verifyWebhook(
        { rawBody, headers, nowMs: Date.now() },
        credentials,
        options.auth,
      );
      if (!verdict.ok) {
        options.log.warn({ requestId, outcome: "unauthorized" }, "webhook");
        return { statusCode: 401, json: '{"error":"unauthorized"}' };
      }
      const reading = readWebhookBody(rawBody);
      if (reading.kind !== "message") {
        options.log.warn({ requestId, outcome: reading.kind }, "webhook");
        return { statusCode: 400, json: `{"error":"${reading.kind}"}` };
      }
      const tenant =
        tenants.get(reading.dialed?.vapiPhoneNumberId ?? "") ??
        tenants.get(reading.dialed?.number ?? "");
      if (reading.type === "end-of-call-report") {
        const { report } = reading.message as PreparedOf<"end-of-call-report">;
        const outcome =
          tenant === undefined || reading.callId === undefined
            ? "no-call"
            : await batch.write(() => {
                const callId = reading.callId ?? "";
                const stored = storeReport(statements, tenant.id, { ...report, callId });
                if (stored !== "other-tenant" && isSubscribed(tenant.notify, "call.ended")) {
                  queueJob(statements, `call-ended:${callId}`, "notify.call-ended", {
                    tenantId: tenant.id,
                    callId,
                  });
                }
                return stored;
              });
        const seconds = (performance.now() - started) / 1000;
        latency.observe({ type: reading.type }, seconds);
        options.log.info(
          {
            requestId,
            type: reading.type,
            tenantId: tenant?.id,
            callId: reading.callId,
            outcome,
            endedReason: report.endedReason,
            durationMs: Math.round(seconds * 10_000) / 10,
          },
          "webhook",
        );
        return { statusCode: 200, json: "{}" };
      }
      if (reading.type !== "tool-calls") return { statusCode: 200, json: "{}" };
      const message = reading.message as PreparedOf<"tool-calls">;
      const { calls } = extractToolCalls(message);
      const nowMs = Date.now();
      const outcomes =
        tenant === undefined
          ? calls.map((): ToolOutcome => ({ ok: false, error: NO_TENANT_ERROR }))
          : await batch.write(() =>
              calls.map((call) =>
                runTool(call, {
                  tenant,
                  callId: reading.callId,
                  callerNumber: reading.callerNumber,
                  nowMs,
                  sqlite,
                  statements,
                }),
              ),
            );
      const response: Vapi.ServerMessageResponseToolCalls = {
        results: toolCallResults(calls, outcomes),
      };
      const seconds = (performance.now() - started) / 1000;
      latency.observe({ type: "tool-calls" }, seconds);
      options.log.info(
        {
          requestId,
          type: "tool-calls",
          tenantId: tenant?.id,
          callId: reading.callId,
          outcome: "tool-results",
          tools: calls.map((call) => call.name),
          toolErrors: outcomes.filter((outcome) => !outcome.ok).length,
          durationMs: Math.round(seconds * 10_000) / 10,
        },
        "webhook",
      );
      return { statusCode: 200, json: JSON.stringify(response) };
    },
    close() {
      sqlite.close();
    },
  };
}

function indexTenants(tenants: readonly Tenant[]): Map<string, Tenant> {
  const byKey = new Map<string, Tenant>();
  for (const tenant of tenants) {
    for (const phone of tenant.phoneNumbers) {
      byKey.set(phone.number, tenant);
      if (phone.vapiPhoneNumberId !== undefined) byKey.set(phone.vapiPhoneNumberId, tenant);
    }
  }
  return byKey;
}

type Statements = ReturnType<typeof prepareStatements>;

/** Frontdesk's own statements on its own schema, prepared once. */
function prepareStatements(sqlite: SQLite.Database) {
  return {
    upsertLead: sqlite.prepare<
      unknown[],
      { id: string; callback_number: string | null; service: string | null; urgency: string | null }
    >(`insert into leads (id, tenant_id, call_id, caller_number, name, callback_number, service,
        urgency, suburb, notes, created_at, updated_at)
      values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      on conflict (tenant_id, call_id) do update set name = excluded.name,
        callback_number = coalesce(?, leads.callback_number),
        service = coalesce(?, leads.service), urgency = coalesce(?, leads.urgency),
        suburb = coalesce(?, leads.suburb), notes = coalesce(?, leads.notes), updated_at = ?
      returning id, callback_number, service, urgency`),
    insertJob: sqlite.prepare(`insert into jobs (id, name, payload, status, attempts,
        max_attempts, run_at, locked_until, locked_by, last_error, created_at, updated_at)
      values (?, ?, ?, 'queued', 0, 8, ?, null, null, null, ?, ?) on conflict (id) do nothing`),
    recordInvocation: sqlite.prepare(`insert into tool_invocations (tenant_id, tool_call_id,
        call_id, tool_name, arguments, outcome, result, created_at)
      values (?, ?, ?, ?, ?, ?, ?, ?) on conflict (tenant_id, call_id, tool_call_id) do nothing`),
    storedInvocation: sqlite.prepare<unknown[], { outcome: string; result: string }>(
      `select outcome, result from tool_invocations
        where tenant_id = ? and call_id = ? and tool_call_id = ?`,
    ),
    // The report stored as frontdesk's call repository stores it (call-repo.ts, upsertReportCall):
    // one upsert of the call's row, the first report kept byte for byte, the tenant guarded.
    upsertReport: sqlite.prepare<unknown[], { id: string }>(`insert into calls
        (${REPORT_ROW_COLUMNS}) values (${REPORT_ROW_PLACEHOLDERS})
      on conflict (id) do update set
        caller_number = coalesce(excluded.caller_number, calls.caller_number),
        vapi_phone_number_id = coalesce(excluded.vapi_phone_number_id, calls.vapi_phone_number_id),
        dialed_number = coalesce(excluded.dialed_number, calls.dialed_number),
        status = excluded.status,
        ended_reason = coalesce(excluded.ended_reason, calls.ended_reason),
        started_at = coalesce(excluded.started_at, calls.started_at),
        ended_at = excluded.ended_at, duration_seconds = excluded.duration_seconds,
        cost = excluded.cost, cost_breakdown = excluded.cost_breakdown,
        summary = excluded.summary, structured_data = excluded.structured_data,
        success_evaluation = excluded.success_evaluation, transcript = excluded.transcript,
        messages = excluded.messages, recording_url = excluded.recording_url,
        stereo_recording_url = excluded.stereo_recording_url, report = excluded.report,
        report_received_at = excluded.report_received_at, updated_at = excluded.updated_at
      where calls.tenant_id = ? and calls.report_received_at is null
      returning id`),
    callTenant: sqlite.prepare<unknown[], { tenant_id: string }>(
      "select tenant_id from calls where id = ?",
    ),
    busyIntervals: sqlite.prepare<unknown[], { slot_start: string; slot_end: string }>(
      `select slot_start, slot_end from bookings
        where tenant_id = ? and status = 'confirmed' and slot_start < ? and slot_end > ?`,
    ),
  };
}

/** A notification job in the database queue's table, in the writer's transaction. */
function queueJob(statements: Statements, id: string, name: string, payload: object): void {
  const nowIso = new Date().toISOString();
  statements.insertJob.run(id, name, JSON.stringify(payload), nowIso, nowIso, nowIso);
}

function storeReport(
  statements: Statements,
  tenantId: string,
  report: CallReportRecord,
): "stored" | "duplicate" | "other-tenant" {
  const written = statements.upsertReport.get(
    ...reportRowValues(report, tenantId, new Date().toISOString()),
    tenantId,
  );
  if (written !== undefined) return "stored";
  return statements.callTenant.get(report.callId)?.tenant_id === tenantId
    ? "duplicate"
    : "other-tenant";
}

interface ToolRun {
  tenant: Tenant;
  callId: string | undefined;
  callerNumber: string | undefined;
  nowMs: number;
  sqlite: SQLite.Database;
  statements: Statements;
}

function runTool(call: ExtractedToolCall, run: ToolRun): ToolOutcome {
  if (!call.args.ok) return { ok: false, error: call.args.error };
  try {
    if (call.name === "create_lead") {
      const args = CreateLeadArgsSchema.safeParse(call.args.value);
      if (!args.success) return { ok: false, error: "Some details were missing or invalid." };
      return runOnce(call, args.data, run, () => createLead(args.data, run));
    }
    if (call.name === "check_availability") {
      const args = CheckAvailabilityArgsSchema.safeParse(call.args.value);
      if (!args.success) return { ok: false, error: "Some details were missing or invalid." };
      return checkAvailability(args.data.date, args.data.endDate, run);
    }
    return { ok: false, error: `The tool "${call.name.slice(0, 60)}" is not available here.` };
  } catch {
    return { ok: false, error: FAILURE_ERROR };
  }
}

/**
 * At most once per (tenant, call, tool call id): the tool's writes and its invocation row in
 * one savepoint, the row last. A duplicate finds the row taken, undoes its own writes and
 * answers what the first one stored. Synchronous on one connection, so nothing interleaves.
 */
function runOnce(
  call: ExtractedToolCall,
  args: unknown,
  run: ToolRun,
  execute: () => ToolOutcome,
): ToolOutcome {
  const { sqlite, statements } = run;
  sqlite.exec("savepoint tool");
  try {
    const outcome = execute();
    const recorded = statements.recordInvocation.run(
      run.tenant.id,
      call.id,
      run.callId ?? "",
      call.name,
      JSON.stringify(args),
      outcome.ok ? "ok" : "error",
      outcome.ok ? outcome.result : outcome.error,
      new Date(run.nowMs).toISOString(),
    );
    if (recorded.changes === 1) {
      sqlite.exec("release tool");
      return outcome;
    }
    sqlite.exec("rollback to tool; release tool");
    const first = statements.storedInvocation.get(run.tenant.id, run.callId ?? "", call.id);
    return first?.outcome === "ok"
      ? { ok: true, result: first.result }
      : { ok: false, error: first?.result ?? FAILURE_ERROR };
  } catch (error) {
    sqlite.exec("rollback to tool; release tool");
    throw error;
  }
}

function createLead(args: CreateLeadArgs, run: ToolRun): ToolOutcome {
  const { tenant, nowMs, statements } = run;
  let service = args.service;
  if (args.service !== undefined && tenant.services.length > 0) {
    service = matchService(tenant.services, args.service);
    if (service === undefined) {
      return { ok: false, error: unknownServiceError(tenant.services, args.service) };
    }
  }
  const nowIso = new Date(nowMs).toISOString();
  const callerNumber = compactPhone(run.callerNumber) ?? null;
  const callback = args.callbackNumber ?? null;
  const candidateId = newId("ld", nowMs);
  const row = statements.upsertLead.get(
    candidateId,
    tenant.id,
    run.callId ?? null,
    callerNumber,
    args.name,
    callback ?? callerNumber,
    service ?? null,
    args.urgency ?? null,
    args.suburb ?? null,
    args.notes ?? null,
    nowIso,
    nowIso,
    callback,
    service ?? null,
    args.urgency ?? null,
    args.suburb ?? null,
    args.notes ?? null,
    nowIso,
  );
  if (row === undefined) throw new Error("the lead upsert returned no row");
  const isNew = row.id === candidateId;
  if (isNew && isSubscribed(tenant.notify, "lead.created")) {
    queueJob(statements, `lead-created:${row.id}`, "notify.lead-created", {
      tenantId: tenant.id,
      leadId: row.id,
    });
  }
  return { ok: true, result: describeStoredLead(args.name, row, isNew) };
}

function checkAvailability(
  date: string | undefined,
  endDate: string | undefined,
  run: ToolRun,
): ToolOutcome {
  const { tenant, nowMs } = run;
  const timezone = tenant.timezone;
  const today = localDateOf(timezone, nowMs);
  const requestedFrom = date ?? today;
  const to = endDate ?? requestedFrom;
  if (to < requestedFrom) {
    return { ok: false, error: "The end date is before the start date; please check the dates." };
  }
  if (daysInclusive(timezone, requestedFrom, to) > MAX_RANGE_DAYS) {
    return { ok: false, error: `I can check up to ${MAX_RANGE_DAYS} days at a time.` };
  }
  if (to < today) {
    return {
      ok: false,
      error: `That date has already passed; today is ${describeDay(nowMs, timezone)}.`,
    };
  }
  const from = requestedFrom < today ? today : requestedFrom;
  const rules = slotRulesFor(tenant);
  const free = freeSlots(rules, from, to, run);
  const length = describeLength(rules.slotMinutes);
  if (free.length > 0) {
    return {
      ok: true,
      result: `Free ${length} appointments (${timezone} time): ${describeFreeSlots(free, timezone, nowMs)}.`,
    };
  }
  const endOfRangeMs = endOfDayMs(to, timezone);
  const afterFrom = localDateOf(timezone, Math.max(endOfRangeMs, nowMs));
  const afterTo = localDateOf(
    timezone,
    Math.max(endOfRangeMs, nowMs) + (MAX_RANGE_DAYS - 1) * DAY_MS,
  );
  const next = freeSlots(rules, afterFrom, afterTo, run).find(
    (slot) => slot.startMs > endOfRangeMs,
  );
  return {
    ok: true,
    result:
      next === undefined
        ? "There are no free appointments then, nor in the two weeks after."
        : `There are no free appointments then. The next free time is ${describeBookableSlot(next.startMs, timezone, nowMs)}.`,
  };
}

function freeSlots(rules: SlotRules, fromDate: string, toDate: string, run: ToolRun): Interval[] {
  const within = localDatesToInterval(rules.timezone, fromDate, toDate);
  const busy = run.statements.busyIntervals
    .all(
      run.tenant.id,
      new Date(within.endMs).toISOString(),
      new Date(within.startMs).toISOString(),
    )
    .map((row) => ({ startMs: Date.parse(row.slot_start), endMs: Date.parse(row.slot_end) }));
  return computeFreeSlots(rules, { fromDate, toDate, nowMs: run.nowMs, busy });
}

function endOfDayMs(isoDate: string, timezone: string): number {
  const date = parseIsoDate(isoDate);
  return date === undefined ? Number.NaN : startOfNextLocalDate(timezone, date) - 1;
}
