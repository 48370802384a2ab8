import { DateTime } from "luxon";
import type { Interval } from "./slots.js";

// An answer the assistant can read out: a week of days, a handful of times each.
const MAX_DAYS_LISTED = 7;
const MAX_TIMES_PER_DAY = 8;

/**
 * "9:00 am", in the tenant's zone. When clocks fall back a label occurs twice; `withSeason`
 * tells them apart as "2:00 am daylight time" and "2:00 am standard time".
 */
export function describeTime(epochMs: number, timezone: string, withSeason = false): string {
  const local = DateTime.fromMillis(epochMs, { zone: timezone });
  const text = local.toFormat("h:mm a").toLowerCase();
  if (!withSeason) return text;
  return `${text} ${local.isInDST ? "daylight time" : "standard time"}`;
}

/** "Wednesday 25 November" (the year is added when it is not the current one). */
export function describeDay(epochMs: number, timezone: string, nowMs?: number): string {
  const local = DateTime.fromMillis(epochMs, { zone: timezone });
  const sameYear =
    nowMs === undefined || DateTime.fromMillis(nowMs, { zone: timezone }).year === local.year;
  return local.toFormat(sameYear ? "cccc d LLLL" : "cccc d LLLL yyyy");
}

/** "Wednesday 25 November at 9:00 am". */
export function describeSlot(epochMs: number, timezone: string, nowMs?: number): string {
  return `${describeDay(epochMs, timezone, nowMs)} at ${describeTime(epochMs, timezone)}`;
}

/** "2026-11-25 09:00": the local form book_appointment accepts back. */
export function bookingKey(epochMs: number, timezone: string): string {
  return DateTime.fromMillis(epochMs, { zone: timezone }).toFormat("yyyy-MM-dd HH:mm");
}

/** "Wednesday 25 November at 9:00 am (2026-11-25 09:00)", for offering a specific slot. */
export function describeBookableSlot(epochMs: number, timezone: string, nowMs?: number): string {
  return `${describeSlot(epochMs, timezone, nowMs)} (${bookingKey(epochMs, timezone)})`;
}

/** "one-hour", "30-minute", "90-minute", "two-hour". */
export function describeLength(minutes: number): string {
  if (minutes === 60) return "one-hour";
  if (minutes === 120) return "two-hour";
  return `${minutes}-minute`;
}

/**
 * Free slots grouped by local day on one line: "Wednesday 25 November (2026-11-25): 9:00 am,
 * 10:00 am; Thursday 26 November (2026-11-26): 7:00 am". The ISO date lets the model build a
 * booking argument without date arithmetic.
 */
export function describeFreeSlots(
  slots: readonly Interval[],
  timezone: string,
  nowMs: number,
): string {
  const byDay = new Map<string, number[]>();
  for (const slot of slots) {
    const date = DateTime.fromMillis(slot.startMs, { zone: timezone }).toISODate() ?? "";
    const starts = byDay.get(date) ?? [];
    starts.push(slot.startMs);
    byDay.set(date, starts);
  }
  const days = [...byDay.entries()];
  const parts = days.slice(0, MAX_DAYS_LISTED).map(([date, starts]) => {
    const labels = starts.map((start) => describeTime(start, timezone));
    const repeated = new Set(labels.filter((label, index) => labels.indexOf(label) !== index));
    const times = starts
      .slice(0, MAX_TIMES_PER_DAY)
      .map((start, index) => describeTime(start, timezone, repeated.has(labels[index] ?? "")));
    const more = starts.length - times.length;
    const first = starts[0] ?? 0;
    const list =
      more > 0
        ? `${times.join(", ")}, plus ${more} later ${more === 1 ? "time" : "times"}`
        : joinSpoken(times);
    return `${describeDay(first, timezone, nowMs)} (${date}): ${list}`;
  });
  const moreDays = days.length - MAX_DAYS_LISTED;
  const tail = moreDays > 0 ? `; and ${moreDays} more ${moreDays === 1 ? "day" : "days"}` : "";
  return `${parts.join("; ")}${tail}`;
}

/** "a, b and c". */
export function joinSpoken(items: readonly string[], conjunction = "and"): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} ${conjunction} ${items[items.length - 1] ?? ""}`;
}
