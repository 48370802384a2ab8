import type { Kysely } from "kysely";
import { prepareQuery } from "../db/prepared-query.js";
import type { Database } from "../db/schema.js";
import type { Interval } from "./slots.js";

export const CONFIRMED = "confirmed";

const selectBusy = prepareQuery((db, p: { tenantId: string; before: string; after: string }) =>
  db
    .selectFrom("bookings")
    .select(["slot_start", "slot_end"])
    .where("tenant_id", "=", p.tenantId)
    .where("status", "=", CONFIRMED)
    .where("slot_start", "<", p.before)
    .where("slot_end", ">", p.after),
);

/** Confirmed bookings of one tenant that overlap an interval. */
export async function findBusyIntervals(
  db: Kysely<Database>,
  tenantId: string,
  within: Interval,
): Promise<Interval[]> {
  // ISO-8601 UTC strings from toISOString() share one format, so text order is time order.
  const rows = await selectBusy.execute(db, {
    tenantId,
    before: new Date(within.endMs).toISOString(),
    after: new Date(within.startMs).toISOString(),
  });
  return rows.map((row) => ({
    startMs: Date.parse(row.slot_start),
    endMs: Date.parse(row.slot_end),
  }));
}

export interface NewBooking {
  id: string;
  tenantId: string;
  slot: Interval;
  name: string | null;
  phone: string | null;
  service: string | null;
  notes: string | null;
  callId: string | null;
  createdAt: string;
}

/**
 * Inserts a booking unless the slot is already taken. The UNIQUE (tenant_id, slot_start)
 * constraint decides, so two concurrent bookings cannot both win; `ON CONFLICT DO NOTHING`
 * reports the loser without aborting its (PostgreSQL) transaction.
 * @returns whether this booking got the slot.
 */
export async function insertBookingIfFree(
  db: Kysely<Database>,
  booking: NewBooking,
): Promise<boolean> {
  const inserted = await db
    .insertInto("bookings")
    .values({
      id: booking.id,
      tenant_id: booking.tenantId,
      slot_start: new Date(booking.slot.startMs).toISOString(),
      slot_end: new Date(booking.slot.endMs).toISOString(),
      name: booking.name,
      phone: booking.phone,
      service: booking.service,
      notes: booking.notes,
      call_id: booking.callId,
      status: CONFIRMED,
      created_at: booking.createdAt,
    })
    .onConflict((conflict) => conflict.columns(["tenant_id", "slot_start"]).doNothing())
    .returning("id")
    .executeTakeFirst();
  return inserted !== undefined;
}
