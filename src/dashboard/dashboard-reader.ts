import { sql, type Kysely, type Selectable } from "kysely";
import type { Clock } from "../clock.js";
import type { Database } from "../db/schema.js";

/*
 * Every query the dashboard runs, read-only and scoped: `tenantId` undefined means "all tenants"
 * (the operator), otherwise every query filters by it (a tenant's read-only session). The HTTP
 * layer never sees Kysely; it gets these plain view models.
 */

/** Calls in these statuses are shown as live. */
export const ACTIVE_STATUSES = ["scheduled", "queued", "ringing", "in-progress", "forwarding"];

// A call that never got its end-of-call report would otherwise look live forever.
const ACTIVE_WINDOW_MS = 2 * 60 * 60 * 1000;
const RECENT_ENDED_LIMIT = 8;
const SNIPPET_CHARS = 160;

export interface Scope {
  tenantId: string | undefined;
}

export interface TenantListItem {
  id: string;
  name: string;
  timezone: string;
  version: number;
  updatedAt: string;
  phoneNumbers: string[];
  callsLast7Days: number;
}

export interface CallListFilter extends Scope {
  status?: string | undefined;
  endedReason?: string | undefined;
  /** YYYY-MM-DD, UTC, inclusive. */
  from?: string | undefined;
  to?: string | undefined;
  /** Keyset cursor from a previous page: `createdAt~id`. */
  before?: string | undefined;
  limit?: number | undefined;
}

export interface CallListItem {
  id: string;
  tenantId: string;
  tenantName: string;
  callerNumber: string | null;
  dialedNumber: string | null;
  status: string | null;
  endedReason: string | null;
  startedAt: string | null;
  createdAt: string;
  updatedAt: string;
  durationSeconds: number | null;
  cost: number | null;
  summary: string | null;
  leadName: string | null;
  leadService: string | null;
}

export interface CallPage {
  calls: CallListItem[];
  /** Cursor for the next (older) page, when there is one. */
  nextBefore: string | undefined;
}

export interface LiveCall extends CallListItem {
  toolCount: number;
  lastTool: string | null;
  transferredTo: string | null;
}

export interface LiveSnapshot {
  active: LiveCall[];
  recent: LiveCall[];
}

export interface CallDetail {
  call: CallListItem & {
    vapiPhoneNumberId: string | null;
    endedAt: string | null;
    costBreakdown: unknown;
    structuredData: unknown;
    successEvaluation: string | null;
    transcript: string | null;
    messages: unknown;
    recordingUrl: string | null;
    stereoRecordingUrl: string | null;
    reportReceivedAt: string | null;
    contentPurgedAt: string | null;
  };
  statusEvents: { status: string; endedReason: string | null; occurredAt: string }[];
  toolInvocations: {
    toolCallId: string;
    toolName: string;
    arguments: unknown;
    outcome: string;
    result: string;
    createdAt: string;
  }[];
  transfers: {
    destinationNumber: string;
    kind: string;
    reason: string | null;
    createdAt: string;
  }[];
  leads: LeadItem[];
  bookings: BookingItem[];
  messages: MessageItem[];
}

export interface LeadItem {
  id: string;
  callId: string | null;
  callerNumber: string | null;
  callbackNumber: string | null;
  name: string | null;
  service: string | null;
  urgency: string | null;
  suburb: string | null;
  notes: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface BookingItem {
  id: string;
  callId: string | null;
  slotStart: string;
  slotEnd: string;
  name: string | null;
  phone: string | null;
  service: string | null;
  notes: string | null;
  status: string;
  createdAt: string;
}

export interface MessageItem {
  id: string;
  callId: string | null;
  callerNumber: string | null;
  callbackNumber: string | null;
  name: string | null;
  message: string;
  createdAt: string;
}

export interface FailedDelivery {
  id: string;
  tenantId: string;
  tenantName: string;
  callId: string | null;
  eventType: string;
  url: string;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Overview {
  tenants: number;
  callsToday: number;
  leadsToday: number;
}

export interface Page<TItem> {
  items: TItem[];
  /** Offset of the next page, when there is one. */
  nextOffset: number | undefined;
}

export interface DashboardReader {
  overview(scope: Scope): Promise<Overview>;
  searchTenants(query: { q: string; offset: number; limit: number }): Promise<Page<TenantListItem>>;
  listCalls(filter: CallListFilter): Promise<CallPage>;
  endedReasons(scope: Scope): Promise<string[]>;
  findCall(scope: Scope, callId: string): Promise<CallDetail | undefined>;
  listLeads(tenantId: string, offset: number, limit: number): Promise<Page<LeadItem>>;
  listBookings(tenantId: string, offset: number, limit: number): Promise<Page<BookingItem>>;
  listMessages(tenantId: string, offset: number, limit: number): Promise<Page<MessageItem>>;
  liveSnapshot(scope: Scope): Promise<LiveSnapshot>;
  /** Tenant webhook deliveries that gave up, newest first. */
  listFailedDeliveries(scope: Scope, offset: number, limit: number): Promise<Page<FailedDelivery>>;
}

/** Read-only queries behind the dashboard pages; identical on SQLite and PostgreSQL. */
export function createDashboardReader(db: Kysely<Database>, clock: Clock): DashboardReader {
  const isoAgo = (ms: number) => new Date(clock.now() - ms).toISOString();
  const startOfTodayUtc = () => `${new Date(clock.now()).toISOString().slice(0, 10)}T00:00:00.000Z`;

  function callsQuery() {
    return db
      .selectFrom("calls")
      .innerJoin("tenants", "tenants.id", "calls.tenant_id")
      .leftJoin("leads", (join) =>
        join
          .onRef("leads.call_id", "=", "calls.id")
          .onRef("leads.tenant_id", "=", "calls.tenant_id"),
      )
      .select([
        "calls.id",
        "calls.tenant_id",
        "tenants.name as tenant_name",
        "calls.caller_number",
        "calls.dialed_number",
        "calls.status",
        "calls.ended_reason",
        "calls.started_at",
        "calls.created_at",
        "calls.updated_at",
        "calls.duration_seconds",
        "calls.cost",
        "calls.summary",
        "leads.name as lead_name",
        "leads.service as lead_service",
      ]);
  }

  type CallsQueryRow = Awaited<ReturnType<ReturnType<typeof callsQuery>["execute"]>>[number];
  const toItem = (row: CallsQueryRow): CallListItem => ({
    id: row.id,
    tenantId: row.tenant_id,
    tenantName: row.tenant_name,
    callerNumber: row.caller_number,
    dialedNumber: row.dialed_number,
    status: row.status,
    endedReason: row.ended_reason,
    startedAt: row.started_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    durationSeconds: row.duration_seconds === null ? null : Number(row.duration_seconds),
    cost: row.cost === null ? null : Number(row.cost),
    summary: row.summary === null ? null : snippet(row.summary),
    leadName: row.lead_name,
    leadService: row.lead_service,
  });

  async function toLive(rows: CallsQueryRow[]): Promise<LiveCall[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((row) => row.id);
    // Filtering by the owning tenants too lets the (tenant_id, call_id) indexes serve these, and
    // keeps another tenant's rows out even if a call id were ever reused.
    const owners = [...new Set(rows.map((row) => row.tenant_id))];
    const tools = db
      .selectFrom("tool_invocations")
      .select(["call_id", "tenant_id", "tool_name", "created_at"])
      .where("tenant_id", "in", owners)
      .where("call_id", "in", ids)
      .orderBy("created_at");
    const transfers = db
      .selectFrom("transfers")
      .select(["call_id", "tenant_id", "destination_number"])
      .where("tenant_id", "in", owners)
      .where("call_id", "in", ids);
    const [toolRows, transferRows] = await Promise.all([tools.execute(), transfers.execute()]);
    return rows.map((row) => {
      const own = toolRows.filter(
        (tool) => tool.call_id === row.id && tool.tenant_id === row.tenant_id,
      );
      return {
        ...toItem(row),
        toolCount: own.length,
        lastTool: own.at(-1)?.tool_name ?? null,
        transferredTo:
          transferRows.find(
            (transfer) => transfer.call_id === row.id && transfer.tenant_id === row.tenant_id,
          )?.destination_number ?? null,
      };
    });
  }

  return {
    async overview({ tenantId }) {
      const count = { n: sql<number | string>`count(*)` };
      let tenants = db.selectFrom("tenants").select(count.n.as("n"));
      let callsToday = db
        .selectFrom("calls")
        .select(count.n.as("n"))
        .where("created_at", ">=", startOfTodayUtc());
      let leadsToday = db
        .selectFrom("leads")
        .select(count.n.as("n"))
        .where("created_at", ">=", startOfTodayUtc());
      if (tenantId !== undefined) {
        tenants = tenants.where("id", "=", tenantId);
        callsToday = callsToday.where("tenant_id", "=", tenantId);
        leadsToday = leadsToday.where("tenant_id", "=", tenantId);
      }
      const [a, b, d] = await Promise.all(
        [tenants, callsToday, leadsToday].map((query) => query.executeTakeFirst()),
      );
      return {
        tenants: Number(a?.n ?? 0),
        callsToday: Number(b?.n ?? 0),
        leadsToday: Number(d?.n ?? 0),
      };
    },

    async searchTenants({ q, offset, limit }) {
      let query = db
        .selectFrom("tenants")
        .select(["id", "name", "timezone", "version", "updated_at"])
        .orderBy("name")
        .orderBy("id")
        .limit(limit + 1)
        .offset(offset);
      const term = q.trim().toLowerCase();
      if (term !== "") {
        const like = `%${escapeLike(term)}%`;
        const digits = term.replace(/[^\d+]/g, "");
        query = query.where((eb) =>
          eb.or([
            eb(sql`lower(tenants.id)`, "like", sql`${like} escape '\\'`),
            eb(sql`lower(tenants.name)`, "like", sql`${like} escape '\\'`),
            ...(digits.length >= 3
              ? [
                  eb(
                    "tenants.id",
                    "in",
                    eb
                      .selectFrom("phone_numbers")
                      .select("tenant_id")
                      .where("number", "like", `%${escapeLike(digits)}%`),
                  ),
                ]
              : []),
          ]),
        );
      }
      const rows = await query.execute();
      const page = rows.slice(0, limit);
      if (page.length === 0) return { items: [], nextOffset: undefined };
      const ids = page.map((row) => row.id);
      const [numbers, counts] = await Promise.all([
        db
          .selectFrom("phone_numbers")
          .select(["tenant_id", "number"])
          .where("tenant_id", "in", ids)
          .orderBy("number")
          .execute(),
        db
          .selectFrom("calls")
          .select(["tenant_id", sql<number | string>`count(*)`.as("n")])
          .where("tenant_id", "in", ids)
          .where("created_at", ">=", isoAgo(7 * 24 * 60 * 60 * 1000))
          .groupBy("tenant_id")
          .execute(),
      ]);
      return {
        items: page.map((row) => ({
          id: row.id,
          name: row.name,
          timezone: row.timezone,
          version: Number(row.version),
          updatedAt: row.updated_at,
          phoneNumbers: numbers.filter((n) => n.tenant_id === row.id).map((n) => n.number),
          callsLast7Days: Number(counts.find((c) => c.tenant_id === row.id)?.n ?? 0),
        })),
        nextOffset: rows.length > limit ? offset + limit : undefined,
      };
    },

    async listCalls(filter) {
      const limit = filter.limit ?? 50;
      let query = callsQuery()
        .orderBy("calls.created_at", "desc")
        .orderBy("calls.id", "desc")
        .limit(limit + 1);
      if (filter.tenantId !== undefined)
        query = query.where("calls.tenant_id", "=", filter.tenantId);
      if (filter.status === "active") {
        query = query.where("calls.status", "in", ACTIVE_STATUSES);
      } else if (filter.status === "unknown") {
        query = query.where("calls.status", "is", null);
      } else if (filter.status !== undefined) {
        query = query.where("calls.status", "=", filter.status);
      }
      if (filter.endedReason !== undefined) {
        query = query.where("calls.ended_reason", "=", filter.endedReason);
      }
      if (filter.from !== undefined) {
        query = query.where("calls.created_at", ">=", `${filter.from}T00:00:00.000Z`);
      }
      if (filter.to !== undefined) {
        query = query.where("calls.created_at", "<", nextDayIso(filter.to));
      }
      const cursor = parseCursor(filter.before);
      if (cursor !== undefined) {
        query = query.where((eb) =>
          eb.or([
            eb("calls.created_at", "<", cursor.createdAt),
            eb.and([eb("calls.created_at", "=", cursor.createdAt), eb("calls.id", "<", cursor.id)]),
          ]),
        );
      }
      const rows = await query.execute();
      const calls = rows.slice(0, limit).map(toItem);
      const last = calls.at(-1);
      return {
        calls,
        nextBefore:
          rows.length > limit && last !== undefined ? `${last.createdAt}~${last.id}` : undefined,
      };
    },

    async endedReasons({ tenantId }) {
      let query = db
        .selectFrom("calls")
        .select("ended_reason")
        .distinct()
        .where("ended_reason", "is not", null)
        .orderBy("ended_reason")
        .limit(200);
      if (tenantId !== undefined) query = query.where("tenant_id", "=", tenantId);
      const rows = await query.execute();
      return rows.flatMap((row) => (row.ended_reason === null ? [] : [row.ended_reason]));
    },

    async findCall({ tenantId }, callId) {
      let query = db
        .selectFrom("calls")
        .innerJoin("tenants", "tenants.id", "calls.tenant_id")
        .selectAll("calls")
        .select("tenants.name as tenant_name")
        .where("calls.id", "=", callId);
      if (tenantId !== undefined) query = query.where("calls.tenant_id", "=", tenantId);
      const row = await query.executeTakeFirst();
      if (row === undefined) return undefined;
      const owner = row.tenant_id;
      const [events, tools, transfers, leads, bookings, messages] = await Promise.all([
        db
          .selectFrom("call_status_events")
          .selectAll()
          .where("tenant_id", "=", owner)
          .where("call_id", "=", callId)
          .orderBy("occurred_at")
          .execute(),
        db
          .selectFrom("tool_invocations")
          .selectAll()
          .where("tenant_id", "=", owner)
          .where("call_id", "=", callId)
          .orderBy("created_at")
          .execute(),
        db
          .selectFrom("transfers")
          .selectAll()
          .where("tenant_id", "=", owner)
          .where("call_id", "=", callId)
          .orderBy("created_at")
          .execute(),
        db
          .selectFrom("leads")
          .selectAll()
          .where("tenant_id", "=", owner)
          .where("call_id", "=", callId)
          .execute(),
        db
          .selectFrom("bookings")
          .selectAll()
          .where("tenant_id", "=", owner)
          .where("call_id", "=", callId)
          .orderBy("slot_start")
          .execute(),
        db
          .selectFrom("messages")
          .selectAll()
          .where("tenant_id", "=", owner)
          .where("call_id", "=", callId)
          .orderBy("created_at")
          .execute(),
      ]);
      const lead = leads[0];
      return {
        call: {
          id: row.id,
          tenantId: owner,
          tenantName: row.tenant_name,
          callerNumber: row.caller_number,
          dialedNumber: row.dialed_number,
          vapiPhoneNumberId: row.vapi_phone_number_id,
          status: row.status,
          endedReason: row.ended_reason,
          startedAt: row.started_at,
          endedAt: row.ended_at,
          createdAt: row.created_at,
          updatedAt: row.updated_at,
          durationSeconds: row.duration_seconds === null ? null : Number(row.duration_seconds),
          cost: row.cost === null ? null : Number(row.cost),
          costBreakdown: parseJson(row.cost_breakdown),
          summary: row.summary,
          structuredData: parseJson(row.structured_data),
          successEvaluation: row.success_evaluation,
          transcript: row.transcript,
          messages: parseJson(row.messages),
          recordingUrl: row.recording_url,
          stereoRecordingUrl: row.stereo_recording_url,
          reportReceivedAt: row.report_received_at,
          contentPurgedAt: row.content_purged_at ?? null,
          leadName: lead?.name ?? null,
          leadService: lead?.service ?? null,
        },
        statusEvents: events.map((event) => ({
          status: event.status,
          endedReason: event.ended_reason,
          occurredAt: event.occurred_at,
        })),
        toolInvocations: tools.map((tool) => ({
          toolCallId: tool.tool_call_id,
          toolName: tool.tool_name,
          arguments: parseJson(tool.arguments),
          outcome: tool.outcome,
          result: tool.result,
          createdAt: tool.created_at,
        })),
        transfers: transfers.map((transfer) => ({
          destinationNumber: transfer.destination_number,
          kind: transfer.kind,
          reason: transfer.reason,
          createdAt: transfer.created_at,
        })),
        leads: leads.map(toLead),
        bookings: bookings.map(toBooking),
        messages: messages.map(toMessage),
      };
    },

    async listLeads(tenantId, offset, limit) {
      const rows = await db
        .selectFrom("leads")
        .selectAll()
        .where("tenant_id", "=", tenantId)
        .orderBy("created_at", "desc")
        .orderBy("id", "desc")
        .limit(limit + 1)
        .offset(offset)
        .execute();
      return toPage(rows.map(toLead), offset, limit);
    },

    async listBookings(tenantId, offset, limit) {
      const rows = await db
        .selectFrom("bookings")
        .selectAll()
        .where("tenant_id", "=", tenantId)
        .orderBy("slot_start", "desc")
        .orderBy("id", "desc")
        .limit(limit + 1)
        .offset(offset)
        .execute();
      return toPage(rows.map(toBooking), offset, limit);
    },

    async listMessages(tenantId, offset, limit) {
      const rows = await db
        .selectFrom("messages")
        .selectAll()
        .where("tenant_id", "=", tenantId)
        .orderBy("created_at", "desc")
        .orderBy("id", "desc")
        .limit(limit + 1)
        .offset(offset)
        .execute();
      return toPage(rows.map(toMessage), offset, limit);
    },

    async liveSnapshot({ tenantId }) {
      let active = callsQuery()
        .where("calls.status", "in", ACTIVE_STATUSES)
        .where("calls.updated_at", ">=", isoAgo(ACTIVE_WINDOW_MS))
        .orderBy("calls.created_at", "desc")
        .limit(50);
      let recent = callsQuery()
        .where("calls.status", "=", "ended")
        .orderBy("calls.updated_at", "desc")
        .orderBy("calls.id", "desc")
        .limit(RECENT_ENDED_LIMIT);
      if (tenantId !== undefined) {
        active = active.where("calls.tenant_id", "=", tenantId);
        recent = recent.where("calls.tenant_id", "=", tenantId);
      }
      const [activeRows, recentRows] = await Promise.all([active.execute(), recent.execute()]);
      const [activeCalls, recentCalls] = await Promise.all([
        toLive(activeRows),
        toLive(recentRows),
      ]);
      return { active: activeCalls, recent: recentCalls };
    },

    async listFailedDeliveries({ tenantId }, offset, limit) {
      let query = db
        .selectFrom("deliveries")
        .innerJoin("tenants", "tenants.id", "deliveries.tenant_id")
        .select([
          "deliveries.id",
          "deliveries.tenant_id",
          "tenants.name as tenant_name",
          "deliveries.call_id",
          "deliveries.event_type",
          "deliveries.url",
          "deliveries.attempts",
          "deliveries.last_status_code",
          "deliveries.last_error",
          "deliveries.created_at",
          "deliveries.updated_at",
        ])
        .where("deliveries.status", "=", "failed")
        .orderBy("deliveries.updated_at", "desc")
        .orderBy("deliveries.id", "desc")
        .limit(limit + 1)
        .offset(offset);
      if (tenantId !== undefined) query = query.where("deliveries.tenant_id", "=", tenantId);
      const rows = await query.execute();
      return toPage(
        rows.map((row) => ({
          id: row.id,
          tenantId: row.tenant_id,
          tenantName: row.tenant_name,
          callId: row.call_id,
          eventType: row.event_type,
          url: row.url,
          attempts: Number(row.attempts),
          lastStatusCode: row.last_status_code === null ? null : Number(row.last_status_code),
          lastError: row.last_error,
          createdAt: row.created_at,
          updatedAt: row.updated_at,
        })),
        offset,
        limit,
      );
    },
  };
}

function toLead(row: Selectable<Database["leads"]>): LeadItem {
  return {
    id: row.id,
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

function toBooking(row: Selectable<Database["bookings"]>): BookingItem {
  return {
    id: row.id,
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

function toMessage(row: Selectable<Database["messages"]>): MessageItem {
  return {
    id: row.id,
    callId: row.call_id,
    callerNumber: row.caller_number,
    callbackNumber: row.callback_number,
    name: row.name,
    message: row.message,
    createdAt: row.created_at,
  };
}

function toPage<TItem>(rows: TItem[], offset: number, limit: number): Page<TItem> {
  return {
    items: rows.slice(0, limit),
    nextOffset: rows.length > limit ? offset + limit : undefined,
  };
}

function parseCursor(value: string | undefined): { createdAt: string; id: string } | undefined {
  if (value === undefined) return undefined;
  const index = value.indexOf("~");
  if (index <= 0) return undefined;
  return { createdAt: value.slice(0, index), id: value.slice(index + 1) };
}

function nextDayIso(date: string): string {
  const next = new Date(`${date}T00:00:00.000Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  return next.toISOString();
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

function snippet(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > SNIPPET_CHARS ? `${line.slice(0, SNIPPET_CHARS - 1)}…` : line;
}

function parseJson(text: string | null): unknown {
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
