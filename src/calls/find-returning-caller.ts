import { sql, type Kysely } from "kysely";
import { LRUCache } from "lru-cache";
import { prepareQuery } from "../db/prepared-query.js";
import type { Database } from "../db/schema.js";

export interface ReturningCaller {
  /** The name the caller gave last time, if any. */
  name: string | undefined;
  /** Their last enquiry (service and notes of the latest lead, or the latest call summary). */
  lastEnquiry: string | undefined;
  /** ISO time of their latest earlier call or lead. */
  lastContactAt: string;
}

interface CallerParams {
  tenantId: string;
  callerNumber: string;
  /** "" when the call has no id. */
  currentCallId: string;
}

// Run on nearly every assistant-request (each new caller): compiled once, not per call, and one
// statement for both tables: on PostgreSQL every statement is a round trip (a socket write and a
// wake-up of the server process), which costs more than either index lookup. Each side sits in a
// subquery because SQLite allows ORDER BY / LIMIT only on a whole compound select.
const callerHistory = prepareQuery((db, p: CallerParams) =>
  db
    .selectFrom(
      db
        .selectFrom("leads")
        .select([
          sql<"lead" | "call">`'lead'`.as("kind"),
          "name",
          "service",
          "notes",
          "suburb",
          sql<string | null>`null`.as("summary"),
          "updated_at as at",
        ])
        .where("tenant_id", "=", p.tenantId)
        .where("caller_number", "=", p.callerNumber)
        .orderBy("updated_at", "desc")
        .limit(1)
        .as("lead"),
    )
    .selectAll()
    .unionAll(
      db
        .selectFrom(
          db
            .selectFrom("calls")
            .select([
              sql<"lead" | "call">`'call'`.as("kind"),
              sql<string | null>`null`.as("name"),
              sql<string | null>`null`.as("service"),
              sql<string | null>`null`.as("notes"),
              sql<string | null>`null`.as("suburb"),
              "summary",
              "created_at as at",
            ])
            .where("tenant_id", "=", p.tenantId)
            .where("caller_number", "=", p.callerNumber)
            .where("id", "!=", p.currentCallId)
            .orderBy("created_at", "desc")
            .limit(1)
            .as("call"),
        )
        .selectAll(),
    ),
);

/**
 * Earlier contact from this caller with THIS tenant only: the latest lead (by caller or callback
 * number) and the latest earlier call. Undefined for first-time callers.
 */
export async function findReturningCaller(
  db: Kysely<Database>,
  tenantId: string,
  callerNumber: string,
  currentCallId: string | undefined,
): Promise<ReturningCaller | undefined> {
  const rows = await callerHistory.execute(db, {
    tenantId,
    callerNumber,
    currentCallId: currentCallId ?? "",
  });
  const lead = rows.find((row) => row.kind === "lead");
  const call = rows.find((row) => row.kind === "call");
  if (lead === undefined && call === undefined) return undefined;

  const enquiryFromLead =
    lead === undefined
      ? undefined
      : [lead.service, lead.suburb === null ? null : `in ${lead.suburb}`, lead.notes]
          .filter(Boolean)
          .join(", ");
  const lastContactAt = [lead?.at, call?.at]
    .filter((value): value is string => typeof value === "string")
    .sort()
    .at(-1);
  return {
    name: lead?.name ?? undefined,
    lastEnquiry: enquiryFromLead || call?.summary || undefined,
    lastContactAt: lastContactAt ?? "",
  };
}

/**
 * One line for the system prompt. Caller-provided text is quoted, shortened and flattened to
 * one line: it is data about the caller, never instructions.
 */
export function describeReturningCaller(caller: ReturningCaller): string {
  const parts = ["Returning caller: this number has contacted the business before"];
  if (caller.lastContactAt !== "") parts[0] += ` (last on ${caller.lastContactAt.slice(0, 10)})`;
  if (caller.name !== undefined) parts.push(`they gave the name "${clip(caller.name, 60)}"`);
  if (caller.lastEnquiry !== undefined)
    parts.push(`their last enquiry was "${clip(caller.lastEnquiry, 200)}"`);
  return `${parts.join("; ")}. Greet them warmly, confirm their name before using it, and ask whether they are calling about the same thing.`;
}

function clip(text: string, max: number): string {
  const line = text.replace(/\s+/g, " ").replaceAll('"', "'").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Answers synchronously from its cache, and with a promise when it has to ask the database. */
export type ReturningCallerLookup = (
  tenantId: string,
  callerNumber: string,
  currentCallId: string | undefined,
) => ReturningCaller | undefined | Promise<ReturningCaller | undefined>;

// A caller who rings twice within half a minute gets the same answer without a second query;
// anything they did in between is at most this old in the prompt.
const RETURNING_CALLER_TTL_MS = 30_000;

/**
 * findReturningCaller behind a small in-process cache keyed by tenant and caller. Lookups for the
 * same key while one is running share it (the cache would give them that answer a moment later
 * anyway): a burst of calls to one tenant from one number costs one query, not one each.
 */
export function createReturningCallerLookup(
  db: Kysely<Database>,
  maxEntries = 10_000,
): ReturningCallerLookup {
  const cache = new LRUCache<string, { value: ReturningCaller | null }>({
    max: maxEntries,
    ttl: RETURNING_CALLER_TTL_MS,
  });
  const inFlight = new Map<string, Promise<ReturningCaller | undefined>>();
  const load = async (
    key: string,
    tenantId: string,
    callerNumber: string,
    currentCallId: string | undefined,
  ) => {
    const value = await findReturningCaller(db, tenantId, callerNumber, currentCallId);
    cache.set(key, { value: value ?? null });
    return value;
  };
  return (tenantId, callerNumber, currentCallId) => {
    const key = `${tenantId}\u0000${callerNumber}`;
    const hit = cache.get(key);
    if (hit !== undefined) return hit.value ?? undefined;
    let pending = inFlight.get(key);
    if (pending === undefined) {
      pending = load(key, tenantId, callerNumber, currentCallId).finally(() =>
        inFlight.delete(key),
      );
      inFlight.set(key, pending);
    }
    return pending;
  };
}
