import type { Kysely } from "kysely";
import type { Database } from "../../db/schema.js";
import { pageConditions, toPage } from "./keyset-page.js";
import type {
  Delivery,
  DeliveryDetail,
  ListDeliveriesQuery,
  RecordPage,
} from "./record-schemas.js";
import {
  DELIVERY_COLUMNS,
  parseJsonColumn,
  toDelivery,
  toDeliveryAttempt,
} from "./record-views.js";

/** One page of tenant webhook deliveries, newest first; payloads are left out (see the detail). */
export async function listDeliveries(
  db: Kysely<Database>,
  query: ListDeliveriesQuery,
): Promise<RecordPage<Delivery>> {
  let select = db.selectFrom("deliveries").select(DELIVERY_COLUMNS);
  for (const condition of pageConditions("deliveries", query)) select = select.where(condition);
  if (query.status !== undefined) select = select.where("status", "=", query.status);
  if (query.eventType !== undefined) select = select.where("event_type", "=", query.eventType);
  const rows = await select
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(query.limit + 1)
    .execute();
  return toPage(rows, query.limit, toDelivery);
}

/**
 * A delivery with its body and attempt log; undefined when absent or (with `tenantId`) another
 * tenant's.
 */
export async function findDeliveryDetail(
  db: Kysely<Database>,
  deliveryId: string,
  tenantId: string | undefined,
): Promise<DeliveryDetail | undefined> {
  const delivery = await db
    .selectFrom("deliveries")
    .selectAll()
    .where("id", "=", deliveryId)
    .$if(tenantId !== undefined, (query) => query.where("tenant_id", "=", tenantId ?? ""))
    .executeTakeFirst();
  if (delivery === undefined) return undefined;
  const attempts = await db
    .selectFrom("delivery_attempts")
    .selectAll()
    .where("delivery_id", "=", deliveryId)
    .orderBy("attempt")
    .execute();
  return {
    ...toDelivery(delivery),
    payload: parseJsonColumn(delivery.payload),
    attemptLog: attempts.map(toDeliveryAttempt),
  };
}

/** The tenant a delivery belongs to (delivery ids are unique across tenants). */
export async function findDeliveryTenant(
  db: Kysely<Database>,
  deliveryId: string,
): Promise<string | undefined> {
  const row = await db
    .selectFrom("deliveries")
    .select("tenant_id")
    .where("id", "=", deliveryId)
    .executeTakeFirst();
  return row?.tenant_id;
}
