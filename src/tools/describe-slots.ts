import {
  MONTH_NAMES,
  WEEKDAY_NAMES,
  formatClockTime,
  formatIsoDate,
  fromLocalTime,
  pad,
  toLocalParts,
  zoneOffsetMinutes,
  type LocalParts,
} from "./local-time.js";
import type { Interval } from "./slots.js";

// An answer the assistant can read out: a week of days, a handful of times each.
const MAX_DAYS_LISTED = 7;
const MAX_TIMES_PER_DAY = 8;

/**
 * "9:00 am", in the tenant's zone. When clocks fall back a label occurs twice; `withSeason`
 * tells them apart as "2:00 am daylight time" and "2:00 am standard time".
 */
export function describeTime(epochMs: number, timezone: string, withSeason = false): string {
  const local = toLocalParts(timezone, epochMs);
  const text = formatClockTime(local);
  if (!withSeason) return text;
  return `${text} ${isInDst(timezone, local) ? "daylight time" : "standard time"}`;
}

/**
 * luxon's `isInDST`: the offset is larger than on 1 January or in May at the same wall-clock
 * time (which covers both hemispheres).
 */
function isInDst(timezone: string, local: LocalParts): boolean {
  const offsetIn = (month: number, day: number) =>
    zoneOffsetMinutes(
      timezone,
      fromLocalTime(
        timezone,
        {
          year: local.year,
          month,
          day,
          hour: local.hour,
          minute: local.minute,
          second: local.second,
          millisecond: local.millisecond,
        },
        local.offsetMinutes,
      ).epochMs,
    );
  return local.offsetMinutes > offsetIn(1, 1) || local.offsetMinutes > offsetIn(5, local.day);
}

/** "Wednesday 25 November" (the year is added when it is not the current one). */
export function describeDay(epochMs: number, timezone: string, nowMs?: number): string {
  const local = toLocalParts(timezone, epochMs);
  const sameYear = nowMs === undefined || toLocalParts(timezone, nowMs).year === local.year;
  const text = `${WEEKDAY_NAMES[local.weekday - 1] ?? ""} ${local.day} ${MONTH_NAMES[local.month - 1] ?? ""}`;
  return sameYear ? text : `${text} ${pad(local.year, 4)}`;
}

/** "Wednesday 25 November at 9:00 am". */
export function describeSlot(epochMs: number, timezone: string, nowMs?: number): string {
  return `${describeDay(epochMs, timezone, nowMs)} at ${describeTime(epochMs, timezone)}`;
}

/** "2026-11-25 09:00": the local form book_appointment accepts back. */
export function bookingKey(epochMs: number, timezone: string): string {
  const local = toLocalParts(timezone, epochMs);
  return `${formatIsoDate(local)} ${pad(local.hour, 2)}:${pad(local.minute, 2)}`;
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
    const date = formatIsoDate(toLocalParts(timezone, slot.startMs));
    const starts = byDay.get(date) ?? [];
    starts.push(slot.startMs);
    byDay.set(date, starts);
  }
  const days = [...byDay.entries()];
  const parts = days.slice(0, MAX_DAYS_LISTED).map(([date, starts]) => {
    const labels = starts.map((start) => describeTime(start, timezone));
    const repeated = new Set(labels.filter((label, index) => labels.indexOf(label) !== index));
    const times = starts.slice(0, MAX_TIMES_PER_DAY).map((start, index) => {
      const label = labels[index] ?? "";
      return repeated.has(label) ? describeTime(start, timezone, true) : label;
    });
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
