import type { Kysely } from "kysely";
import type { Clock } from "../clock.js";
import type { Database, DeliveryRow } from "../db/schema.js";
import type { JobQueue } from "../jobs/queue.js";
import type { TenantRepo } from "../tenants/tenant-repo.js";
import { createDeliveryRepo } from "./delivery-repo.js";

export interface ResendDeps {
  db: Kysely<Database>;
  jobs: JobQueue;
  tenants: TenantRepo;
  clock: Clock;
}

export type ResendResult =
  | { status: "queued"; delivery: DeliveryRow }
  | { status: "not-found" }
  /** Only failed deliveries are re-sent; a pending one is still being retried. */
  | { status: "not-failed"; delivery: DeliveryRow }
  /** The tenant has no notify settings any more: there is nowhere to send it. */
  | { status: "not-configured"; delivery: DeliveryRow };

/**
 * Re-queues a failed delivery (for the admin API): back to `pending`, pointed at the tenant's
 * current webhook URL (the usual fix for a failure), with a fresh run of attempts. The body and
 * the `webhook-id` stay the same, so a receiver that did process it can tell. The status change
 * and the job are one transaction on the database queue; with BullMQ the job is added inside it
 * and the transaction rolls back if that fails.
 * @throws when the database or the queue is unreachable (nothing changed then).
 */
export async function resendDelivery(
  deps: ResendDeps,
  tenantId: string,
  deliveryId: string,
): Promise<ResendResult> {
  const existing = await createDeliveryRepo(deps.db).find(tenantId, deliveryId);
  if (existing === undefined) return { status: "not-found" };
  if (existing.status !== "failed") return { status: "not-failed", delivery: existing };
  const notify = (await deps.tenants.findById(tenantId))?.tenant.notify;
  if (notify === undefined) return { status: "not-configured", delivery: existing };

  const nowIso = new Date(deps.clock.now()).toISOString();
  const reopened = await deps.db.transaction().execute(async (trx) => {
    const row = await createDeliveryRepo(trx).reopen(
      tenantId,
      deliveryId,
      notify.webhookUrl,
      nowIso,
    );
    if (row === undefined) return undefined;
    await deps.jobs.enqueue(
      "notify.deliver",
      { tenantId, deliveryId },
      // One job per re-send: the attempt count differs each time, a double click adds one.
      { jobId: `deliver:${deliveryId}:${row.attempts}`, db: trx },
    );
    return row;
  });
  if (reopened !== undefined) return { status: "queued", delivery: reopened };
  // Changed between the read and the update (another re-send won): report what it is now.
  const current = await createDeliveryRepo(deps.db).find(tenantId, deliveryId);
  return current === undefined
    ? { status: "not-found" }
    : { status: "not-failed", delivery: current };
}
