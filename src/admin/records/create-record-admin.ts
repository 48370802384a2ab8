import { AppError } from "../../errors.js";
import { resendDelivery, type ResendDeps } from "../../notifications/resend-delivery.js";
import { findCallDetail, listCalls } from "./call-records.js";
import { findDeliveryDetail, findDeliveryTenant, listDeliveries } from "./delivery-records.js";
import { listBookings, listLeads, listMessages } from "./list-caller-records.js";
import { parseQuery } from "./parse-query.js";
import {
  ListBookingsQuerySchema,
  ListCallsQuerySchema,
  ListDeliveriesQuerySchema,
  ListLeadsQuerySchema,
  ListMessagesQuerySchema,
  RecordScopeQuerySchema,
  type Booking,
  type CallDetail,
  type CallSummary,
  type Delivery,
  type DeliveryDetail,
  type Lead,
  type Message,
  type RecordPage,
} from "./record-schemas.js";
import { toDelivery } from "./record-views.js";

/** The database, plus what a re-send needs (the queue, the tenant's current webhook URL, time). */
export type RecordAdminDeps = ResendDeps;

/**
 * The admin API's read side over calls and what they produced, framework-free. Queries arrive
 * unparsed (`request.query`) and are validated here.
 */
export interface RecordAdmin {
  /** @throws AppError VALIDATION_FAILED */
  listCalls(query: unknown): Promise<RecordPage<CallSummary>>;
  /** @throws AppError NOT_FOUND (also when `tenantId` names another tenant), VALIDATION_FAILED */
  getCall(callId: string, query: unknown): Promise<CallDetail>;
  /** @throws AppError VALIDATION_FAILED */
  listLeads(query: unknown): Promise<RecordPage<Lead>>;
  /** @throws AppError VALIDATION_FAILED */
  listBookings(query: unknown): Promise<RecordPage<Booking>>;
  /** @throws AppError VALIDATION_FAILED */
  listMessages(query: unknown): Promise<RecordPage<Message>>;
  /** @throws AppError VALIDATION_FAILED */
  listDeliveries(query: unknown): Promise<RecordPage<Delivery>>;
  /** @throws AppError NOT_FOUND, VALIDATION_FAILED */
  getDelivery(deliveryId: string, query: unknown): Promise<DeliveryDetail>;
  /**
   * Re-queues a failed delivery to the tenant's current webhook URL; returns it, now pending.
   * @throws AppError NOT_FOUND; CONFLICT when it is not failed (pending is still being retried,
   * succeeded was received) or the tenant has no notify settings any more.
   */
  resendDelivery(deliveryId: string, query: unknown): Promise<Delivery>;
}

export function createRecordAdmin(deps: RecordAdminDeps): RecordAdmin {
  const { db } = deps;
  return {
    listCalls: async (query) => listCalls(db, parseQuery(ListCallsQuerySchema, query)),

    async getCall(callId, query) {
      const { tenantId } = parseQuery(RecordScopeQuerySchema, query);
      const detail = await findCallDetail(db, callId, tenantId);
      if (detail === undefined) throw new AppError("NOT_FOUND", `no call "${callId}"`);
      return detail;
    },

    listLeads: async (query) => listLeads(db, parseQuery(ListLeadsQuerySchema, query)),
    listBookings: async (query) => listBookings(db, parseQuery(ListBookingsQuerySchema, query)),
    listMessages: async (query) => listMessages(db, parseQuery(ListMessagesQuerySchema, query)),
    listDeliveries: async (query) =>
      listDeliveries(db, parseQuery(ListDeliveriesQuerySchema, query)),

    async getDelivery(deliveryId, query) {
      const { tenantId } = parseQuery(RecordScopeQuerySchema, query);
      const detail = await findDeliveryDetail(db, deliveryId, tenantId);
      if (detail === undefined) throw deliveryNotFound(deliveryId);
      return detail;
    },

    async resendDelivery(deliveryId, query) {
      const { tenantId } = parseQuery(RecordScopeQuerySchema, query);
      const owner = await findDeliveryTenant(db, deliveryId);
      if (owner === undefined || (tenantId !== undefined && tenantId !== owner)) {
        throw deliveryNotFound(deliveryId);
      }
      const result = await resendDelivery(deps, owner, deliveryId);
      switch (result.status) {
        case "queued":
          return toDelivery(result.delivery);
        case "not-found":
          throw deliveryNotFound(deliveryId);
        case "not-failed":
          throw new AppError(
            "CONFLICT",
            `delivery "${deliveryId}" is ${result.delivery.status}: only a failed delivery can be re-sent`,
            { details: { status: result.delivery.status } },
          );
        case "not-configured":
          throw new AppError(
            "CONFLICT",
            `tenant "${owner}" has no notify settings any more: set notify.webhookUrl, then re-send`,
            { details: { status: result.delivery.status } },
          );
      }
    },
  };
}

function deliveryNotFound(deliveryId: string): AppError {
  return new AppError("NOT_FOUND", `no delivery "${deliveryId}"`);
}
