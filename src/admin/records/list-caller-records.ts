import type { Kysely } from "kysely";
import type { Database } from "../../db/schema.js";
import { pageConditions, toPage } from "./keyset-page.js";
import type {
  Booking,
  Lead,
  ListBookingsQuery,
  ListLeadsQuery,
  ListMessagesQuery,
  Message,
  RecordPage,
} from "./record-schemas.js";
import { toBooking, toLead, toMessage } from "./record-views.js";

/*
 * What callers left behind (tools' writes): leads, bookings and messages, each newest first by
 * `created_at`. A lead that a later create_lead updated keeps its place (its created_at).
 */

export async function listLeads(
  db: Kysely<Database>,
  query: ListLeadsQuery,
): Promise<RecordPage<Lead>> {
  let select = db.selectFrom("leads").selectAll();
  for (const condition of pageConditions("leads", query)) select = select.where(condition);
  const rows = await select
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(query.limit + 1)
    .execute();
  return toPage(rows, query.limit, toLead);
}

/** Bookings by when they were made (not by slot). */
export async function listBookings(
  db: Kysely<Database>,
  query: ListBookingsQuery,
): Promise<RecordPage<Booking>> {
  let select = db.selectFrom("bookings").selectAll();
  for (const condition of pageConditions("bookings", query)) select = select.where(condition);
  if (query.status !== undefined) select = select.where("status", "=", query.status);
  const rows = await select
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(query.limit + 1)
    .execute();
  return toPage(rows, query.limit, toBooking);
}

export async function listMessages(
  db: Kysely<Database>,
  query: ListMessagesQuery,
): Promise<RecordPage<Message>> {
  let select = db.selectFrom("messages").selectAll();
  for (const condition of pageConditions("messages", query)) select = select.where(condition);
  const rows = await select
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(query.limit + 1)
    .execute();
  return toPage(rows, query.limit, toMessage);
}
