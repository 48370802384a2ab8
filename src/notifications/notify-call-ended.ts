import type { CallRepo } from "../calls/call-repo.js";
import type { JobPayload } from "../jobs/job-types.js";
import { PermanentJobError, type JobContext } from "../jobs/queue.js";
import { attemptDelivery, type DeliveryDeps } from "./attempt-delivery.js";
import { buildCallEndedEvent } from "./build-event.js";
import { isSubscribed } from "./notify-settings.js";

/**
 * The `notify.call-ended` job: prepares the tenant's `call.ended` delivery from the stored call
 * (once; a rerun finds it) and makes one attempt. Skips tenants that are no longer subscribed.
 */
export async function notifyCallEnded(
  deps: DeliveryDeps & { calls: CallRepo },
  { tenantId, callId }: JobPayload<"notify.call-ended">,
  ctx: JobContext,
): Promise<void> {
  const notify = (await deps.tenants.findById(tenantId))?.tenant.notify;
  if (!isSubscribed(notify, "call.ended")) {
    ctx.log.info({ tenantId }, "call.ended not sent: the tenant is not subscribed to it");
    return;
  }
  const call = await deps.calls.findById(tenantId, callId);
  if (call === undefined) throw new PermanentJobError(`call ${callId} not found for ${tenantId}`);
  const delivery = await deps.deliveries.ensure(
    {
      tenantId,
      eventType: "call.ended",
      subjectId: callId,
      callId,
      url: notify.webhookUrl,
      payload: JSON.stringify(buildCallEndedEvent(call)),
    },
    new Date(deps.clock.now()).toISOString(),
  );
  await attemptDelivery(deps, delivery, ctx);
}
