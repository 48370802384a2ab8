import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import type { JobEnqueuer } from "../jobs/queue.js";
import type { Tenant } from "../tenants/tenant-document.js";
import { isSubscribed } from "./notify-settings.js";

/**
 * Queues the tenant's `call.ended` notification, if it wants one. The job id is the call's, so a
 * duplicate or retried report queues nothing more. Returns whether a job was requested.
 */
export async function enqueueCallEnded(
  jobs: JobEnqueuer,
  tenant: Tenant,
  callId: string,
): Promise<boolean> {
  if (!isSubscribed(tenant.notify, "call.ended")) return false;
  await jobs.enqueue(
    "notify.call-ended",
    { tenantId: tenant.id, callId },
    { jobId: `call-ended:${callId}` },
  );
  return true;
}

/**
 * Queues the tenant's `lead.created` notification, if it wants one, in the transaction `db` that
 * wrote the lead (so with the database queue the job exists exactly when the lead does).
 */
export async function enqueueLeadCreated(
  jobs: JobEnqueuer,
  tenant: Tenant,
  leadId: string,
  db: Kysely<Database>,
): Promise<boolean> {
  if (!isSubscribed(tenant.notify, "lead.created")) return false;
  await jobs.enqueue(
    "notify.lead-created",
    { tenantId: tenant.id, leadId },
    { jobId: `lead-created:${leadId}`, db },
  );
  return true;
}
