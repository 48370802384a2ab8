import type { Kysely } from "kysely";
import type { Database, DeliveryAttemptRow, DeliveryRow } from "../db/schema.js";
import { newId } from "../tools/new-id.js";
import type { NotifyEvent } from "./notify-settings.js";

export interface NewDelivery {
  tenantId: string;
  eventType: NotifyEvent;
  /** The call or lead the event is about; one delivery per (tenant, event type, subject). */
  subjectId: string;
  callId: string | null;
  url: string;
  /** The JSON body, sent byte for byte on every attempt. */
  payload: string;
}

/** How an attempt ended, for the attempt log and the delivery's summary columns. */
export interface AttemptResult {
  statusCode: number | undefined;
  error: string | undefined;
  durationMs: number;
  /** The delivery's status afterwards. */
  status: DeliveryRow["status"];
  nextAttemptAt: string | null;
}

// What an attempt row says until its outcome is written: if it stays, the worker died mid-request
// and the receiver may or may not have seen it (the webhook-id lets it tell).
export const IN_FLIGHT_ERROR = "no outcome recorded: the worker stopped during the request";

export interface DeliveryRepo {
  /** The delivery for this event, created now or found from an earlier run of the same job. */
  ensure(delivery: NewDelivery, nowIso: string): Promise<DeliveryRow>;
  find(tenantId: string, id: string): Promise<DeliveryRow | undefined>;
  /** Newest first, optionally only those in one status. */
  list(
    tenantId: string,
    options: { limit: number; status?: DeliveryRow["status"] | undefined },
  ): Promise<DeliveryRow[]>;
  /** The attempt log of one delivery, oldest first. */
  listAttempts(tenantId: string, id: string): Promise<DeliveryAttemptRow[]>;
  /**
   * Counts a new attempt and logs it as in flight; returns its number, or undefined when another
   * worker changed the delivery since it was read (that worker is attempting it).
   */
  startAttempt(delivery: DeliveryRow, nowIso: string): Promise<number | undefined>;
  finishAttempt(id: string, attempt: number, result: AttemptResult, nowIso: string): Promise<void>;
  /** Gives up on a delivery that can no longer be sent (the tenant removed its settings). */
  markFailed(id: string, reason: string, nowIso: string): Promise<void>;
  /** A failed delivery back to pending (to `url`); undefined unless it was failed. */
  reopen(
    tenantId: string,
    id: string,
    url: string,
    nowIso: string,
  ): Promise<DeliveryRow | undefined>;
}

/** Deliveries and their attempt log over Kysely; identical on SQLite and PostgreSQL. */
export function createDeliveryRepo(db: Kysely<Database>): DeliveryRepo {
  return {
    async ensure(delivery, nowIso) {
      await db
        .insertInto("deliveries")
        .values({
          // Doubles as the Standard Webhooks `webhook-id`: stable across retries and re-sends.
          id: newId("msg", Date.parse(nowIso)),
          tenant_id: delivery.tenantId,
          subject_id: delivery.subjectId,
          call_id: delivery.callId,
          event_type: delivery.eventType,
          url: delivery.url,
          payload: delivery.payload,
          status: "pending",
          attempts: 0,
          last_status_code: null,
          last_error: null,
          next_attempt_at: nowIso,
          created_at: nowIso,
          updated_at: nowIso,
        })
        .onConflict((oc) => oc.columns(["tenant_id", "event_type", "subject_id"]).doNothing())
        .execute();
      return db
        .selectFrom("deliveries")
        .selectAll()
        .where("tenant_id", "=", delivery.tenantId)
        .where("event_type", "=", delivery.eventType)
        .where("subject_id", "=", delivery.subjectId)
        .executeTakeFirstOrThrow();
    },

    async find(tenantId, id) {
      return db
        .selectFrom("deliveries")
        .selectAll()
        .where("tenant_id", "=", tenantId)
        .where("id", "=", id)
        .executeTakeFirst();
    },

    async list(tenantId, { limit, status }) {
      return db
        .selectFrom("deliveries")
        .selectAll()
        .where("tenant_id", "=", tenantId)
        .$if(status !== undefined, (query) => query.where("status", "=", status ?? "pending"))
        .orderBy("created_at", "desc")
        .orderBy("id", "desc")
        .limit(limit)
        .execute();
    },

    async listAttempts(tenantId, id) {
      return db
        .selectFrom("delivery_attempts")
        .innerJoin("deliveries", "deliveries.id", "delivery_attempts.delivery_id")
        .selectAll("delivery_attempts")
        .where("deliveries.tenant_id", "=", tenantId)
        .where("delivery_attempts.delivery_id", "=", id)
        .orderBy("delivery_attempts.attempt")
        .execute();
    },

    async startAttempt(delivery, nowIso) {
      const attempt = delivery.attempts + 1;
      return db.transaction().execute(async (trx) => {
        // Compare-and-set on the attempt count: two workers never log the same attempt.
        const counted = await trx
          .updateTable("deliveries")
          .set({ attempts: attempt, updated_at: nowIso })
          .where("id", "=", delivery.id)
          .where("attempts", "=", delivery.attempts)
          .where("status", "!=", "succeeded")
          .executeTakeFirst();
        if (Number(counted.numUpdatedRows) === 0) return undefined;
        await trx
          .insertInto("delivery_attempts")
          .values({
            delivery_id: delivery.id,
            attempt,
            status_code: null,
            error: IN_FLIGHT_ERROR,
            duration_ms: null,
            at: nowIso,
          })
          .execute();
        return attempt;
      });
    },

    async finishAttempt(id, attempt, result, nowIso) {
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable("delivery_attempts")
          .set({
            status_code: result.statusCode ?? null,
            error: result.error ?? null,
            duration_ms: result.durationMs,
          })
          .where("delivery_id", "=", id)
          .where("attempt", "=", attempt)
          .execute();
        await trx
          .updateTable("deliveries")
          .set({
            status: result.status,
            last_status_code: result.statusCode ?? null,
            last_error: result.error ?? null,
            next_attempt_at: result.nextAttemptAt,
            updated_at: nowIso,
          })
          .where("id", "=", id)
          .execute();
      });
    },

    async markFailed(id, reason, nowIso) {
      await db
        .updateTable("deliveries")
        .set({ status: "failed", last_error: reason, next_attempt_at: null, updated_at: nowIso })
        .where("id", "=", id)
        .where("status", "!=", "succeeded")
        .execute();
    },

    async reopen(tenantId, id, url, nowIso) {
      return db
        .updateTable("deliveries")
        .set({ status: "pending", url, next_attempt_at: nowIso, updated_at: nowIso })
        .where("tenant_id", "=", tenantId)
        .where("id", "=", id)
        .where("status", "=", "failed")
        .returningAll()
        .executeTakeFirst();
    },
  };
}
