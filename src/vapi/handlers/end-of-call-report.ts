import type { CallRepo } from "../../calls/call-repo.js";
import type { JobEnqueuer } from "../../jobs/queue.js";
import { enqueueCallEnded } from "../../notifications/enqueue-notifications.js";
import type { HandlerContext } from "../handler-context.js";
import type { MessageHandler } from "../router.js";
import { rejectForeignCall, resolveCallTarget } from "./call-target.js";

/**
 * Stores the end-of-call report durably, then answers `{}`. Vapi sends the report once unless a
 * backoffPlan is set (protocol reference §6.1), so the write happens before the 200: if the
 * database fails the handler throws, the webhook answers 503, and a retry can still deliver it.
 * Upserted by call id: a duplicate or retry never makes a second record, and a report that
 * arrives before any status-update creates the call.
 */
export function createEndOfCallReportHandler(
  calls: CallRepo,
  jobs: JobEnqueuer,
): MessageHandler<"end-of-call-report"> {
  return async (message, ctx) => {
    const target = resolveCallTarget(ctx, "end-of-call-report");
    if (target === undefined) return {};
    const report = { ...message.report, callId: target.callId };
    const nowIso = new Date(ctx.clock.now()).toISOString();
    const outcome = await calls.recordReport(target.tenantId, report, nowIso);
    switch (outcome) {
      case "other-tenant":
        rejectForeignCall(ctx, "end-of-call-report");
        return {};
      case "duplicate":
        ctx.annotate({ outcome: "call-report-duplicate" });
        ctx.log.info("end-of-call-report already stored for this call; the first one is kept");
        // Queued again on purpose: the job id dedupes, and if the first delivery of this report
        // was stored but its job was lost (a crash in between), Vapi's retry brings it back.
        await queueCallEnded(jobs, ctx, target.callId);
        return {};
      case "stored":
        ctx.annotate({ outcome: "call-report-stored", endedReason: report.endedReason });
        await queueCallEnded(jobs, ctx, target.callId);
        return {};
    }
  };
}

/**
 * Queues the tenant's call.ended notification after the report is stored. Not in the report's
 * transaction (the call repository owns that write), so an enqueue failure cannot undo the
 * report: the report stays stored and acknowledged, and the failure is logged at error for an
 * operator (a duplicate of the report, if Vapi sends one, queues it again). The alternative,
 * answering 503 so that Vapi retries, would turn a Redis outage into failed webhooks.
 */
async function queueCallEnded(jobs: JobEnqueuer, ctx: HandlerContext, callId: string) {
  const tenant = ctx.tenant?.tenant;
  if (tenant === undefined) return;
  try {
    if (await enqueueCallEnded(jobs, tenant, callId)) ctx.annotate({ notification: "queued" });
  } catch (error) {
    ctx.annotate({ notification: "enqueue-failed" });
    ctx.log.error(
      { err: error },
      "could not queue the call.ended notification; the report is stored",
    );
  }
}
