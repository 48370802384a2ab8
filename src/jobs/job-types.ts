import { z } from "zod";

const id = z.string().min(1).max(200);

/**
 * Every job frontdesk runs, with its payload schema: the one list that drives the job-name type,
 * the handler table's keys and the runtime validation of stored payloads.
 */
export const JOB_PAYLOAD_SCHEMAS = {
  /** Notify the tenant that a call ended (after its end-of-call report was stored). */
  "notify.call-ended": z.object({ tenantId: id, callId: id }),
  /** Notify the tenant of a new lead (after create_lead stored it). */
  "notify.lead-created": z.object({ tenantId: id, leadId: id }),
  /** Attempt an existing delivery again (a re-send of a failed one). */
  "notify.deliver": z.object({ tenantId: id, deliveryId: id }),
  /** Purge transcripts and recordings past each tenant's retentionDays. */
  "retention.purge": z.object({}),
} as const;

export type JobName = keyof typeof JOB_PAYLOAD_SCHEMAS;
export type JobPayload<TName extends JobName> = z.infer<(typeof JOB_PAYLOAD_SCHEMAS)[TName]>;

export const JOB_NAMES = Object.keys(JOB_PAYLOAD_SCHEMAS) as JobName[];

export function isJobName(name: string): name is JobName {
  return Object.hasOwn(JOB_PAYLOAD_SCHEMAS, name);
}
