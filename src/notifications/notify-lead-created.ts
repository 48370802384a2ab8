import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import type { JobPayload } from "../jobs/job-types.js";
import type { JobContext } from "../jobs/queue.js";
import { attemptDelivery, type DeliveryDeps } from "./attempt-delivery.js";
import { buildLeadCreatedEvent } from "./build-event.js";
import { isSubscribed } from "./notify-settings.js";

/**
 * The `notify.lead-created` job: prepares the tenant's `lead.created` delivery from the stored
 * lead and makes one attempt. A lead not found yet is retried: with BullMQ the job is enqueued
 * inside the tool's transaction and can run before that commits; a lead whose transaction rolled
 * back (the tool timed out) leaves the job failed after its attempts, and nothing is sent.
 */
export async function notifyLeadCreated(
  deps: DeliveryDeps & { db: Kysely<Database> },
  { tenantId, leadId }: JobPayload<"notify.lead-created">,
  ctx: JobContext,
): Promise<void> {
  const notify = (await deps.tenants.findById(tenantId))?.tenant.notify;
  if (!isSubscribed(notify, "lead.created")) {
    ctx.log.info({ tenantId }, "lead.created not sent: the tenant is not subscribed to it");
    return;
  }
  const lead = await deps.db
    .selectFrom("leads")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("id", "=", leadId)
    .executeTakeFirst();
  if (lead === undefined) throw new Error(`lead ${leadId} not found for ${tenantId} (yet)`);
  const delivery = await deps.deliveries.ensure(
    {
      tenantId,
      eventType: "lead.created",
      subjectId: leadId,
      callId: lead.call_id,
      url: notify.webhookUrl,
      payload: JSON.stringify(buildLeadCreatedEvent(lead)),
    },
    new Date(deps.clock.now()).toISOString(),
  );
  await attemptDelivery(deps, delivery, ctx);
}
