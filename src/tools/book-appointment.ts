import { z } from "zod";
import { loadFreeSlots, loadNextFreeSlots } from "./availability.js";
import { insertBookingIfFree } from "./booking-store.js";
import {
  describeBookableSlot,
  describeFreeSlots,
  describeLength,
  describeSlot,
  joinSpoken,
} from "./describe-slots.js";
import { matchService, unknownServiceError } from "./match-service.js";
import { newId, speakableReference } from "./new-id.js";
import { compactPhone, PhoneArgumentSchema } from "./phone-argument.js";
import {
  earliestBookableMs,
  localDateOf,
  parseSlotStart,
  slotRulesFor,
  slotsOnDate,
} from "./slots.js";
import { defineTool, type ToolContext, type ToolOutcome } from "./tool-definition.js";

// How many other times to offer when the asked-for one cannot be booked.
const ALTERNATIVES = 3;

export const BookAppointmentArgsSchema = z.object({
  start: z
    .string()
    .trim()
    .min(10)
    .max(40)
    .describe(
      'The slot start from check_availability: "YYYY-MM-DD HH:MM" in 24-hour local time (e.g. "2026-11-25 13:00"), or ISO 8601 with an offset.',
    ),
  name: z.string().trim().min(1).max(120).optional().describe("The caller's name."),
  phone: PhoneArgumentSchema.optional().describe(
    "Number to confirm the booking on; defaults to the number the caller is calling from.",
  ),
  service: z.string().trim().min(1).max(120).optional().describe("Which service is needed."),
  notes: z.string().trim().max(1000).optional().describe("Anything the technician should know."),
});
export type BookAppointmentArgs = z.infer<typeof BookAppointmentArgsSchema>;

/**
 * Books one free slot. The slot must be one check_availability would offer; the database's
 * UNIQUE (tenant_id, slot_start) settles races, and the loser is offered the next free times.
 */
export const bookAppointmentTool = defineTool<BookAppointmentArgs>({
  name: "book_appointment",
  description:
    "Books an appointment at a free start time from check_availability, after the caller agrees to it. Returns a booking reference, or the next free times if that one is gone.",
  argsSchema: BookAppointmentArgsSchema,
  sideEffects: true,
  async execute(ctx, args) {
    const timezone = ctx.tenant.timezone;
    const nowMs = ctx.clock.now();
    const startMs = parseSlotStart(args.start, timezone);
    if (startMs === undefined) {
      return {
        ok: false,
        error:
          'I could not read that time; give the date and local start time like "2026-11-25 13:00".',
      };
    }

    let service: string | null = null;
    if (args.service !== undefined && ctx.tenant.services.length > 0) {
      const matched = matchService(ctx.tenant.services, args.service);
      if (matched === undefined) {
        return { ok: false, error: unknownServiceError(ctx.tenant.services, args.service) };
      }
      service = matched;
    } else if (args.service !== undefined) {
      service = args.service;
    }

    const rules = slotRulesFor(ctx.tenant);
    const date = localDateOf(timezone, startMs);
    const slot = slotsOnDate(rules, date).find((candidate) => candidate.startMs === startMs);
    if (slot === undefined) return notASlot(ctx, date, startMs);
    if (slot.startMs < earliestBookableMs(rules, nowMs)) {
      return unavailable(
        ctx,
        `${describeSlot(startMs, timezone, nowMs)} is too soon or has passed`,
      );
    }
    // Free means no confirmed booking overlaps it, including one made under another slot length
    // that the unique constraint (same start only) would not catch.
    const free = await loadFreeSlots(ctx, date, date);
    if (!free.some((candidate) => candidate.startMs === slot.startMs)) {
      return unavailable(
        ctx,
        `${describeSlot(startMs, timezone, nowMs)} is already booked`,
        slot.startMs,
      );
    }

    const lead = await findCallLead(ctx);
    const name = args.name ?? lead?.name ?? null;
    const id = newId("bk", ctx.clock.now());
    const won = await insertBookingIfFree(ctx.db, {
      id,
      tenantId: ctx.tenant.id,
      slot,
      name,
      phone: args.phone ?? lead?.callback_number ?? compactPhone(ctx.callerNumber) ?? null,
      service: service ?? lead?.service ?? null,
      notes: args.notes ?? null,
      callId: ctx.callId ?? null,
      createdAt: new Date(nowMs).toISOString(),
    });
    if (!won) {
      return unavailable(
        ctx,
        `Sorry, ${describeSlot(startMs, timezone, nowMs)} was just taken`,
        slot.startMs,
      );
    }
    const who = name === null ? "" : ` for ${name}`;
    const what = service === null ? "" : ` (${service})`;
    return {
      ok: true,
      result: `Booked${who}${what} on ${describeSlot(startMs, timezone, nowMs)}, a ${describeLength(
        rules.slotMinutes,
      )} appointment. Booking reference ${speakableReference(id)}.`,
    };
  },
});

async function findCallLead(ctx: ToolContext) {
  if (ctx.callId === undefined) return undefined;
  return ctx.db
    .selectFrom("leads")
    .select(["name", "callback_number", "service"])
    .where("tenant_id", "=", ctx.tenant.id)
    .where("call_id", "=", ctx.callId)
    .executeTakeFirst();
}

/**
 * The asked-for time cannot be booked: say so and offer the next free times after it (or after
 * now, when nothing is free after it).
 */
async function unavailable(ctx: ToolContext, what: string, afterMs?: number): Promise<ToolOutcome> {
  const timezone = ctx.tenant.timezone;
  const nowMs = ctx.clock.now();
  let next = afterMs === undefined ? [] : await loadNextFreeSlots(ctx, afterMs, ALTERNATIVES);
  if (next.length === 0) next = await loadNextFreeSlots(ctx, nowMs, ALTERNATIVES);
  if (next.length === 0) {
    return {
      ok: false,
      error: `${what}, and there are no other free times in the next two weeks; please offer to take a message.`,
    };
  }
  const offers = next.map((slot) => describeBookableSlot(slot.startMs, timezone, nowMs));
  return {
    ok: false,
    error: `${what}. The next free times are ${joinSpoken(offers, "or")}.`,
  };
}

/** The time is not an appointment slot at all (closed, or not on the slot grid). */
async function notASlot(ctx: ToolContext, date: string, startMs: number): Promise<ToolOutcome> {
  const timezone = ctx.tenant.timezone;
  const nowMs = ctx.clock.now();
  const free = await loadFreeSlots(ctx, date, date);
  const asked = describeSlot(startMs, timezone, nowMs);
  if (free.length > 0) {
    return {
      ok: false,
      error: `${asked} is not an appointment time. Free times that day: ${describeFreeSlots(
        free,
        timezone,
        nowMs,
      )}.`,
    };
  }
  return unavailable(ctx, `${asked} is not an appointment time and that day has none free`);
}
