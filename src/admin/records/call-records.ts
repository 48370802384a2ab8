import type { Kysely } from "kysely";
import type { Database } from "../../db/schema.js";
import { pageConditions, toPage } from "./keyset-page.js";
import type { CallDetail, CallSummary, ListCallsQuery, RecordPage } from "./record-schemas.js";
import {
  CALL_SUMMARY_COLUMNS,
  DELIVERY_COLUMNS,
  toBooking,
  toCallRecord,
  toCallSummary,
  toDelivery,
  toLead,
  toMessage,
  toStatusEvent,
  toToolInvocation,
  toTransfer,
} from "./record-views.js";

/**
 * One page of calls, newest first by `created_at` (when frontdesk first heard of the call). Not
 * `started_at`: that is missing for calls that failed before they started and arrives only with
 * some messages, while `created_at` is always set, indexed with the tenant, and the paging key.
 */
export async function listCalls(
  db: Kysely<Database>,
  query: ListCallsQuery,
): Promise<RecordPage<CallSummary>> {
  let select = db.selectFrom("calls").select(CALL_SUMMARY_COLUMNS);
  for (const condition of pageConditions("calls", query)) select = select.where(condition);
  if (query.status !== undefined) select = select.where("status", "=", query.status);
  if (query.endedReason !== undefined) {
    select = select.where("ended_reason", "=", query.endedReason);
  }
  const rows = await select
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(query.limit + 1)
    .execute();
  return toPage(rows, query.limit, toCallSummary);
}

/**
 * A call with everything recorded about it. Every attached record is read under the call's own
 * tenant: a row another tenant's traffic wrote with the same call id is never shown here.
 * Undefined when the call does not exist or (with `tenantId`) belongs to another tenant.
 */
export async function findCallDetail(
  db: Kysely<Database>,
  callId: string,
  tenantId: string | undefined,
): Promise<CallDetail | undefined> {
  const call = await db
    .selectFrom("calls")
    .selectAll()
    .where("id", "=", callId)
    .$if(tenantId !== undefined, (query) => query.where("tenant_id", "=", tenantId ?? ""))
    .executeTakeFirst();
  if (call === undefined) return undefined;
  const owner = call.tenant_id;

  const [statusEvents, leads, bookings, messages, toolInvocations, transfers, deliveries] =
    await Promise.all([
      db
        .selectFrom("call_status_events")
        .selectAll()
        .where("tenant_id", "=", owner)
        .where("call_id", "=", callId)
        .orderBy("occurred_at")
        .orderBy("received_at")
        .execute(),
      db
        .selectFrom("leads")
        .selectAll()
        .where("tenant_id", "=", owner)
        .where("call_id", "=", callId)
        .orderBy("created_at")
        .orderBy("id")
        .execute(),
      db
        .selectFrom("bookings")
        .selectAll()
        .where("tenant_id", "=", owner)
        .where("call_id", "=", callId)
        .orderBy("created_at")
        .orderBy("id")
        .execute(),
      db
        .selectFrom("messages")
        .selectAll()
        .where("tenant_id", "=", owner)
        .where("call_id", "=", callId)
        .orderBy("created_at")
        .orderBy("id")
        .execute(),
      db
        .selectFrom("tool_invocations")
        .selectAll()
        .where("tenant_id", "=", owner)
        .where("call_id", "=", callId)
        // Only the transaction that claimed a tool call id ever sees it pending; be explicit.
        .where("outcome", "!=", "pending")
        .orderBy("created_at")
        .orderBy("tool_call_id")
        .execute(),
      db
        .selectFrom("transfers")
        .selectAll()
        .where("tenant_id", "=", owner)
        .where("call_id", "=", callId)
        .orderBy("created_at")
        .orderBy("id")
        .execute(),
      db
        .selectFrom("deliveries")
        .select(DELIVERY_COLUMNS)
        .where("tenant_id", "=", owner)
        .where("call_id", "=", callId)
        .orderBy("created_at")
        .orderBy("id")
        .execute(),
    ]);

  return {
    call: toCallRecord(call),
    statusEvents: statusEvents.map(toStatusEvent),
    leads: leads.map(toLead),
    bookings: bookings.map(toBooking),
    messages: messages.map(toMessage),
    toolInvocations: toolInvocations.map(toToolInvocation),
    transfers: transfers.map(toTransfer),
    deliveries: deliveries.map(toDelivery),
  };
}
