import type { Config } from "../../config.js";
import type { Deps } from "../../deps.js";
import { attemptDelivery, type DeliveryDeps } from "../../notifications/attempt-delivery.js";
import { createDeliveryRepo } from "../../notifications/delivery-repo.js";
import { notifyCallEnded } from "../../notifications/notify-call-ended.js";
import { notifyLeadCreated } from "../../notifications/notify-lead-created.js";
import { PermanentJobError, type JobHandlers } from "../queue.js";
import { purgeExpiredContent } from "./purge-expired-content.js";

/** The handler for every job name (the table's keys come from JOB_PAYLOAD_SCHEMAS). */
export function createJobHandlers(deps: Deps, config: Config): JobHandlers {
  const deliveries = createDeliveryRepo(deps.db);
  const delivery: DeliveryDeps = {
    deliveries,
    tenants: deps.tenants,
    clock: deps.clock,
    timeoutMs: config.notifyTimeoutMs,
    onAttempt: (outcome) => deps.metrics.deliveries.recordDeliveryAttempt("webhook", outcome),
  };
  return {
    "notify.call-ended": (payload, ctx) =>
      notifyCallEnded({ ...delivery, calls: deps.calls }, payload, ctx),
    "notify.lead-created": (payload, ctx) =>
      notifyLeadCreated({ ...delivery, db: deps.db }, payload, ctx),
    "notify.deliver": async ({ tenantId, deliveryId }, ctx) => {
      const found = await deliveries.find(tenantId, deliveryId);
      if (found === undefined) throw new PermanentJobError(`delivery ${deliveryId} not found`);
      await attemptDelivery(delivery, found, ctx);
    },
    "retention.purge": async (_payload, ctx) => {
      await purgeExpiredContent({ db: deps.db, clock: deps.clock }, ctx);
    },
  };
}
