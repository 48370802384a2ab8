import type { Clock } from "../clock.js";
import type { DeliveryRow } from "../db/schema.js";
import type { JobContext } from "../jobs/queue.js";
import type { TenantRepo } from "../tenants/tenant-repo.js";
import type { DeliveryRepo } from "./delivery-repo.js";
import { sendWebhook } from "./send-webhook.js";

export interface DeliveryDeps {
  deliveries: DeliveryRepo;
  tenants: TenantRepo;
  clock: Clock;
  /** Per request; NOTIFY_TIMEOUT_MS. */
  timeoutMs: number;
  /** Told how each attempt that reached the receiver's URL ended (metrics). */
  onAttempt?: (outcome: "delivered" | "retrying" | "failed") => void;
}

/** Thrown after a failed attempt so that the queue schedules the next one (or gives up). */
export class DeliveryAttemptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DeliveryAttemptError";
  }
}

/**
 * Makes one attempt at a delivery, as one run of a job: the job's retries are the delivery's.
 * The attempt is logged before the request (so a worker killed mid-request leaves a visible
 * trace) and completed after it. On the job's final attempt a failure marks the delivery
 * `failed`, where it stays until re-sent. The body is the stored one; the secret is the tenant's
 * current one, so a rotated secret applies to retries.
 * @throws DeliveryAttemptError when the attempt failed (the queue retries the job).
 */
export async function attemptDelivery(
  deps: DeliveryDeps,
  delivery: DeliveryRow,
  ctx: JobContext,
): Promise<void> {
  const log = ctx.log.child({ deliveryId: delivery.id, tenantId: delivery.tenant_id });
  // The receiver already answered 2xx (a job re-run after its worker died at the very end).
  if (delivery.status === "succeeded") {
    log.info("delivery already succeeded; nothing to send");
    return;
  }
  const nowIso = () => new Date(deps.clock.now()).toISOString();
  const notify = (await deps.tenants.findById(delivery.tenant_id))?.tenant.notify;
  if (notify === undefined) {
    await deps.deliveries.markFailed(
      delivery.id,
      "the tenant no longer has notify settings",
      nowIso(),
    );
    log.warn("delivery dropped: the tenant no longer has notify settings");
    return;
  }

  const attempt = await deps.deliveries.startAttempt(delivery, nowIso());
  if (attempt === undefined) {
    throw new DeliveryAttemptError("another worker is attempting this delivery right now");
  }
  const outcome = await sendWebhook({
    url: delivery.url,
    webhookId: delivery.id,
    body: delivery.payload,
    secret: notify.secret,
    now: new Date(deps.clock.now()),
    timeoutMs: deps.timeoutMs,
    signal: ctx.signal,
  });

  const fields = { attempt, statusCode: outcome.statusCode, durationMs: outcome.durationMs };
  if (outcome.ok) {
    deps.onAttempt?.("delivered");
    await deps.deliveries.finishAttempt(
      delivery.id,
      attempt,
      { ...outcome, status: "succeeded", nextAttemptAt: null },
      nowIso(),
    );
    log.info(fields, "webhook delivered");
    return;
  }
  // A shutdown interrupts the job without counting it: the delivery stays pending for the rerun.
  const givesUp = ctx.isFinalAttempt && !ctx.signal.aborted;
  deps.onAttempt?.(givesUp ? "failed" : "retrying");
  const retryAt =
    givesUp || ctx.nextRetryDelayMs === undefined
      ? null
      : new Date(deps.clock.now() + ctx.nextRetryDelayMs).toISOString();
  await deps.deliveries.finishAttempt(
    delivery.id,
    attempt,
    { ...outcome, status: givesUp ? "failed" : "pending", nextAttemptAt: retryAt },
    nowIso(),
  );
  if (givesUp) log.error({ ...fields, error: outcome.error }, "webhook delivery failed for good");
  else log.warn({ ...fields, error: outcome.error, retryAt }, "webhook attempt failed; will retry");
  throw new DeliveryAttemptError(outcome.error ?? "the attempt failed");
}
