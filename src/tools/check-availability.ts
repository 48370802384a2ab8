import { z } from "zod";
import { loadFreeSlots, loadNextFreeSlots } from "./availability.js";
import {
  describeBookableSlot,
  describeDay,
  describeFreeSlots,
  describeLength,
} from "./describe-slots.js";
import { parseIsoDate, startOfLocalDate, startOfNextLocalDate } from "./local-time.js";
import { daysInclusive, localDateOf, MAX_RANGE_DAYS, slotRulesFor } from "./slots.js";
import { defineTool } from "./tool-definition.js";

// A short pattern for the model (zod's own ISO-date regex would add a long one to every
// assistant), the calendar check here.
const IsoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date like 2026-11-25")
  .refine((value) => parseIsoDate(value) !== undefined, "must be a real calendar date");

export const CheckAvailabilityArgsSchema = z.object({
  date: IsoDate.optional().describe(
    "The day to check (or the first day of a range), YYYY-MM-DD in the business's local time. Defaults to today.",
  ),
  endDate: IsoDate.optional().describe(
    `The last day of a range to check, YYYY-MM-DD, at most ${MAX_RANGE_DAYS} days including the first.`,
  ),
});
export type CheckAvailabilityArgs = z.infer<typeof CheckAvailabilityArgsSchema>;

/** Free appointment times for a day or a range of up to two weeks, in the tenant's time zone. */
export const checkAvailabilityTool = defineTool<CheckAvailabilityArgs>({
  name: "check_availability",
  description:
    "Lists free appointment start times for one day or a range of days (local time). Use it before offering any time; each day is given with its YYYY-MM-DD date for book_appointment.",
  argsSchema: CheckAvailabilityArgsSchema,
  async execute(ctx, args) {
    const timezone = ctx.tenant.timezone;
    const nowMs = ctx.clock.now();
    const today = localDateOf(timezone, nowMs);
    const requestedFrom = args.date ?? today;
    const to = args.endDate ?? requestedFrom;

    if (to < requestedFrom) {
      return { ok: false, error: "The end date is before the start date; please check the dates." };
    }
    if (daysInclusive(timezone, requestedFrom, to) > MAX_RANGE_DAYS) {
      return {
        ok: false,
        error: `I can check up to ${MAX_RANGE_DAYS} days at a time; please ask about a shorter range.`,
      };
    }
    if (to < today) {
      return {
        ok: false,
        error: `That date has already passed; today is ${describeDay(nowMs, timezone)}.`,
      };
    }
    const from = requestedFrom < today ? today : requestedFrom;

    const free = await loadFreeSlots(ctx, from, to);
    const length = describeLength(slotRulesFor(ctx.tenant).slotMinutes);
    if (free.length > 0) {
      return {
        ok: true,
        result: `Free ${length} appointments (${timezone} time): ${describeFreeSlots(free, timezone, nowMs)}.`,
      };
    }

    const period =
      from === to
        ? `on ${describeDay(startOfDayMs(from, timezone), timezone, nowMs)}`
        : `between ${describeDay(startOfDayMs(from, timezone), timezone, nowMs)} and ${describeDay(startOfDayMs(to, timezone), timezone, nowMs)}`;
    const endOfRangeMs = endOfDayMs(to, timezone);
    const [next] = await loadNextFreeSlots(ctx, endOfRangeMs, 1);
    return {
      ok: true,
      result:
        next === undefined
          ? `There are no free appointments ${period}, nor in the two weeks after.`
          : `There are no free appointments ${period}. The next free time is ${describeBookableSlot(next.startMs, timezone, nowMs)}.`,
    };
  },
});

// Both dates passed the IsoDate check.
function startOfDayMs(isoDate: string, timezone: string): number {
  const date = parseIsoDate(isoDate);
  return date === undefined ? Number.NaN : startOfLocalDate(timezone, date);
}

/** The last millisecond of a local date. */
function endOfDayMs(isoDate: string, timezone: string): number {
  const date = parseIsoDate(isoDate);
  return date === undefined ? Number.NaN : startOfNextLocalDate(timezone, date) - 1;
}
