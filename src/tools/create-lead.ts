import { z } from "zod";
import { prepareQuery } from "../db/prepared-query.js";
import { enqueueLeadCreated } from "../notifications/enqueue-notifications.js";
import { matchService, unknownServiceError } from "./match-service.js";
import { newId, speakableReference } from "./new-id.js";
import { compactPhone, describePhoneEnding, PhoneArgumentSchema } from "./phone-argument.js";
import { defineTool } from "./tool-definition.js";

export const URGENCIES = ["emergency", "today", "this_week", "quote"] as const;

// Models drift between spellings ("this-week", "Quote only"); accept them as the enum value.
const URGENCY_ALIASES: Record<string, (typeof URGENCIES)[number]> = {
  this_week: "this_week",
  thisweek: "this_week",
  week: "this_week",
  quote_only: "quote",
  quote: "quote",
  emergency: "emergency",
  urgent: "emergency",
  today: "today",
};

const UrgencySchema = z.preprocess(
  (value) =>
    typeof value === "string"
      ? (URGENCY_ALIASES[
          value
            .trim()
            .toLowerCase()
            .replace(/[\s-]+/g, "_")
        ] ?? value)
      : value,
  z.enum(URGENCIES),
);

export const CreateLeadArgsSchema = z.object({
  name: z.string().trim().min(1).max(120).describe("The caller's name."),
  callbackNumber: PhoneArgumentSchema.optional().describe(
    "Best number to call back on; defaults to the number the caller is calling from.",
  ),
  service: z
    .string()
    .trim()
    .min(1)
    .max(120)
    .optional()
    .describe("Which of the business's services is needed."),
  urgency: UrgencySchema.optional().describe(
    "emergency (now), today, this_week, or quote (no rush, wants a price).",
  ),
  suburb: z.string().trim().min(1).max(120).optional().describe("Suburb or area of the job."),
  notes: z.string().trim().max(2000).optional().describe("The problem in the caller's words."),
});
export type CreateLeadArgs = z.infer<typeof CreateLeadArgsSchema>;

interface LeadFields {
  name: string;
  callback_number: string | null;
  service: string | null;
  urgency: (typeof URGENCIES)[number] | null;
  suburb: string | null;
  notes: string | null;
}

// Upsert on (tenant_id, call_id) rather than check-then-insert: two create_lead calls of one
// call running at once still end as one lead. A NULL call id never conflicts. On a correction,
// fields not given keep their earlier values. The returned id tells the two apart: an update
// keeps the stored lead's id, so only a new lead comes back with the id generated for it.
const upsertCallLead = prepareQuery(
  (
    db,
    p: LeadFields & {
      id: string;
      tenantId: string;
      callId: string | null;
      callerNumber: string | null;
      /** The callback number to store on a new lead (the caller's when none was given). */
      newCallbackNumber: string | null;
      nowIso: string;
    },
  ) =>
    db
      .insertInto("leads")
      .values({
        id: p.id,
        tenant_id: p.tenantId,
        call_id: p.callId,
        caller_number: p.callerNumber,
        name: p.name,
        callback_number: p.newCallbackNumber,
        service: p.service,
        urgency: p.urgency,
        suburb: p.suburb,
        notes: p.notes,
        created_at: p.nowIso,
        updated_at: p.nowIso,
      })
      .onConflict((conflict) =>
        conflict.columns(["tenant_id", "call_id"]).doUpdateSet((eb) => ({
          name: eb.ref("excluded.name"),
          callback_number: eb.fn.coalesce(
            eb.val(p.callback_number),
            eb.ref("leads.callback_number"),
          ),
          service: eb.fn.coalesce(eb.val(p.service), eb.ref("leads.service")),
          urgency: eb.fn.coalesce(eb.val(p.urgency), eb.ref("leads.urgency")),
          suburb: eb.fn.coalesce(eb.val(p.suburb), eb.ref("leads.suburb")),
          notes: eb.fn.coalesce(eb.val(p.notes), eb.ref("leads.notes")),
          updated_at: eb.val(p.nowIso),
        })),
      )
      .returning(["id", "callback_number", "service", "urgency"]),
);

/**
 * Records the caller's enquiry. One lead per call: calling it again in the same call fills in
 * or corrects that lead (fields not given keep their earlier values).
 */
export const createLeadTool = defineTool<CreateLeadArgs>({
  name: "create_lead",
  description:
    "Saves the caller's enquiry (name, callback number, service, urgency, suburb, notes) for the team. Call it again in the same call to add or correct details.",
  argsSchema: CreateLeadArgsSchema,
  sideEffects: true,
  async execute(ctx, args) {
    let service: string | undefined = args.service;
    if (args.service !== undefined && ctx.tenant.services.length > 0) {
      service = matchService(ctx.tenant.services, args.service);
      if (service === undefined) {
        return { ok: false, error: unknownServiceError(ctx.tenant.services, args.service) };
      }
    }
    const nowIso = new Date(ctx.clock.now()).toISOString();
    const callerNumber = compactPhone(ctx.callerNumber) ?? null;
    const values = {
      name: args.name,
      callback_number: args.callbackNumber ?? null,
      service: service ?? null,
      urgency: args.urgency ?? null,
      suburb: args.suburb ?? null,
      notes: args.notes ?? null,
    };

    const candidateId = newId("ld", ctx.clock.now());
    const row = await upsertCallLead.executeTakeFirst(ctx.db, {
      ...values,
      id: candidateId,
      tenantId: ctx.tenant.id,
      callId: ctx.callId ?? null,
      callerNumber,
      newCallbackNumber: values.callback_number ?? callerNumber,
      nowIso,
    });
    if (row === undefined) throw new Error("the lead upsert returned no row");
    const isNew = row.id === candidateId;
    // A new lead (not a correction of this call's lead) is announced to the tenant; queued in
    // this transaction, so with the database queue the job exists exactly when the lead does.
    if (isNew) await enqueueLeadCreated(ctx.jobs, ctx.tenant, row.id, ctx.db);

    return { ok: true, result: describeStoredLead(args.name, row, isNew) };
  },
});

/** The sentence the assistant gets for a stored lead: what was kept and its reference. */
export function describeStoredLead(
  name: string,
  row: {
    id: string;
    callback_number: string | null;
    service: string | null;
    urgency: string | null;
  },
  isNew: boolean,
): string {
  const details = [row.service, row.urgency?.replace("_", " ")].filter(
    (part): part is string => part !== null && part !== undefined,
  );
  const about = details.length > 0 ? ` (${details.join(", ")})` : "";
  const callback =
    row.callback_number === null
      ? " No callback number yet; please ask for one."
      : ` Callback on ${describePhoneEnding(row.callback_number)}.`;
  return `${isNew ? "Lead saved" : "Lead updated"} for ${name}${about}, reference ${speakableReference(row.id)}.${callback}`;
}
