import type { CallRepo } from "../../calls/call-repo.js";
import { readCallParties, toIsoTime } from "../read-call-parties.js";
import type { MessageHandler } from "../router.js";
import { rejectForeignCall, resolveCallTarget } from "./call-target.js";

// Vapi's statuses are short words ("in-progress"); a longer value is not one, and it becomes
// part of the status event's key.
const MAX_STATUS_LENGTH = 64;

/**
 * Records a call's status change before answering: the call row (tenant, caller, numbers) is
 * upserted, keeping the highest lifecycle status when updates arrive out of order, and the
 * event is stored once per (call, status), so retries and duplicates change nothing.
 * Throws when the database does, so the webhook answers 503 and a Vapi backoffPlan retries.
 */
export function createStatusUpdateHandler(calls: CallRepo): MessageHandler<"status-update"> {
  return async (message, ctx) => {
    const target = resolveCallTarget(ctx, "status-update");
    if (target === undefined) return {};
    const status =
      message.status !== undefined &&
      message.status.length > 0 &&
      message.status.length <= MAX_STATUS_LENGTH
        ? message.status
        : undefined;
    const nowIso = new Date(ctx.clock.now()).toISOString();
    const outcome = await calls.recordStatus(
      target.tenantId,
      {
        callId: target.callId,
        ...readCallParties(message),
        status,
        endedReason: message.endedReason || undefined,
        startedAt: toIsoTime(message.call?.startedAt),
        occurredAt: toIsoTime(message.timestamp) ?? nowIso,
      },
      nowIso,
    );
    if (outcome === "other-tenant") {
      rejectForeignCall(ctx, "status-update");
      return {};
    }
    ctx.annotate({
      outcome: outcome === "stored" ? "call-status-stored" : "call-status-duplicate",
      callStatus: status,
    });
    return {};
  };
}
