import type { CallRepo } from "../../calls/call-repo.js";
import { readCallReport } from "../read-call-report.js";
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
): MessageHandler<"end-of-call-report"> {
  return async (message, ctx) => {
    const target = resolveCallTarget(ctx, "end-of-call-report");
    if (target === undefined) return {};
    const report = readCallReport(message, target.callId);
    const nowIso = new Date(ctx.clock.now()).toISOString();
    const outcome = await calls.recordReport(target.tenantId, report, nowIso);
    switch (outcome) {
      case "other-tenant":
        rejectForeignCall(ctx, "end-of-call-report");
        return {};
      case "duplicate":
        ctx.annotate({ outcome: "call-report-duplicate" });
        ctx.log.info("end-of-call-report already stored for this call; the first one is kept");
        return {};
      case "stored":
        ctx.annotate({ outcome: "call-report-stored", endedReason: report.endedReason });
        return {};
    }
  };
}
