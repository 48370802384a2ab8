import { DateTime } from "luxon";
import { parseRange } from "../tenants/business-hours.js";
import { WEEKDAYS, type Tenant } from "../tenants/tenant-document.js";
import {
  addDays,
  atMidnight,
  daysBetween,
  formatIsoDate,
  fromLocalTime,
  parseIsoDate,
  startOfLocalDate,
  startOfNextLocalDate,
  toLocalParts,
  weekdayOf,
  zoneOffsetMinutes,
  type CalendarDate,
} from "./local-time.js";

/** Appointment length when the tenant document does not set `booking.slotMinutes`. */
export const DEFAULT_SLOT_MINUTES = 60;
/** The longest range check_availability answers at once (keeps the answer speakable). */
export const MAX_RANGE_DAYS = 14;

const MINUTE_MS = 60_000;

/** What slot computation needs from a tenant; pure data, so the module is testable alone. */
export interface SlotRules {
  timezone: string;
  hours: Tenant["hours"];
  /** Local dates (YYYY-MM-DD) with no appointments. */
  closedDates: ReadonlySet<string>;
  slotMinutes: number;
  leadTimeMinutes: number;
}

/** A half-open interval [startMs, endMs) in epoch milliseconds. */
export interface Interval {
  startMs: number;
  endMs: number;
}

export function slotRulesFor(tenant: Tenant): SlotRules {
  return {
    timezone: tenant.timezone,
    hours: tenant.hours,
    closedDates: new Set(tenant.closures.map((closure) => closure.date)),
    slotMinutes: tenant.booking?.slotMinutes ?? DEFAULT_SLOT_MINUTES,
    leadTimeMinutes: tenant.booking?.leadTimeMinutes ?? 0,
  };
}

/**
 * Every appointment slot on one local date, ignoring bookings and the current time.
 *
 * Slots start at each opening time and follow each other in *elapsed* time, not wall-clock
 * time: on a day when clocks spring forward a 01:00–05:00 opening holds three one-hour slots
 * (01:00, 03:00, 04:00), and on the day they fall back it holds five (02:00 occurs twice).
 * Opening times that fall inside a DST gap move forward, as luxon does.
 */
export function slotsOnDate(rules: SlotRules, isoDate: string): Interval[] {
  const date = parseIsoDate(isoDate);
  if (date === undefined || rules.closedDates.has(isoDate)) return [];
  const weekday = WEEKDAYS[weekdayOf(date) - 1];
  if (weekday === undefined) return [];
  const ranges = rules.hours[weekday];
  if (ranges.length === 0) return [];
  const day = localDay(rules.timezone, date);
  const lengthMs = rules.slotMinutes * MINUTE_MS;
  const starts = new Set<number>();
  const slots: Interval[] = [];
  for (const value of ranges) {
    const range = parseRange(value);
    const openMs = atLocalMinutes(day, range.startMinutes);
    const closeMs = atLocalMinutes(day, range.endMinutes);
    for (let startMs = openMs; startMs + lengthMs <= closeMs; startMs += lengthMs) {
      // Overlapping opening ranges would offer the same start twice.
      if (starts.has(startMs)) continue;
      starts.add(startMs);
      slots.push({ startMs, endMs: startMs + lengthMs });
    }
  }
  return slots.sort((a, b) => a.startMs - b.startMs);
}

export interface FreeSlotsQuery {
  /** First local date, YYYY-MM-DD. */
  fromDate: string;
  /** Last local date (inclusive), YYYY-MM-DD. */
  toDate: string;
  nowMs: number;
  /** Existing bookings; a slot overlapping any of them is not free. */
  busy: readonly Interval[];
}

/** Free slots between two local dates: open, not booked, and not before now plus lead time. */
export function computeFreeSlots(rules: SlotRules, query: FreeSlotsQuery): Interval[] {
  const earliestMs = earliestBookableMs(rules, query.nowMs);
  const free: Interval[] = [];
  for (const date of localDates(rules.timezone, query.fromDate, query.toDate)) {
    for (const slot of slotsOnDate(rules, date)) {
      if (slot.startMs < earliestMs) continue;
      if (query.busy.some((busy) => overlaps(slot, busy))) continue;
      free.push(slot);
    }
  }
  return free;
}

/** The earliest instant a slot may start: now plus the tenant's lead time. */
export function earliestBookableMs(rules: SlotRules, nowMs: number): number {
  return nowMs + rules.leadTimeMinutes * MINUTE_MS;
}

export function overlaps(a: Interval, b: Interval): boolean {
  return a.startMs < b.endMs && b.startMs < a.endMs;
}

/** Local dates from `fromDate` to `toDate` inclusive (empty when reversed). */
export function localDates(_timezone: string, fromDate: string, toDate: string): string[] {
  const first = parseIsoDate(fromDate);
  const last = parseIsoDate(toDate);
  if (first === undefined || last === undefined) return [];
  const dates: string[] = [];
  const count = daysBetween(first, last);
  for (let index = 0; index <= count; index += 1) dates.push(formatIsoDate(addDays(first, index)));
  return dates;
}

/** Whole local days from `fromDate` to `toDate` inclusive (1 for the same day). */
export function daysInclusive(_timezone: string, fromDate: string, toDate: string): number {
  const first = parseIsoDate(fromDate);
  const last = parseIsoDate(toDate);
  if (first === undefined || last === undefined) return Number.NaN;
  return daysBetween(first, last) + 1;
}

/** The UTC instants bounding whole local dates, for querying bookings. */
export function localDatesToInterval(timezone: string, fromDate: string, toDate: string): Interval {
  const first = parseIsoDate(fromDate);
  const last = parseIsoDate(toDate);
  return {
    startMs: first === undefined ? Number.NaN : startOfLocalDate(timezone, first),
    endMs: last === undefined ? Number.NaN : startOfNextLocalDate(timezone, last),
  };
}

export function localDateOf(timezone: string, epochMs: number): string {
  return formatIsoDate(toLocalParts(timezone, epochMs));
}

const LOCAL_TIME =
  /^(\d{4}-\d{2}-\d{2})[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(am|pm|a\.m\.|p\.m\.)?$/i;
const HAS_OFFSET = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;

/**
 * Reads a slot start as the model sends it: ISO 8601 with an offset (`2026-11-25T11:00:00+11:00`,
 * `...Z`) is an instant; `2026-11-25 11:00`, `2026-11-25T11:00` or `2026-11-25 11:00 am` are
 * local times in the tenant's zone. Returns epoch ms, or undefined when unreadable.
 */
export function parseSlotStart(input: string, timezone: string): number | undefined {
  const text = input.trim();
  if (HAS_OFFSET.test(text) && text.includes("T")) {
    const instant = DateTime.fromISO(text, { setZone: true });
    return instant.isValid ? instant.toMillis() : undefined;
  }
  const match = LOCAL_TIME.exec(text);
  if (match === null) return undefined;
  const [, date = "", hourText = "", minuteText = "", secondText, meridiem] = match;
  let hour = Number(hourText);
  const minute = Number(minuteText);
  if (meridiem !== undefined) {
    if (hour < 1 || hour > 12) return undefined;
    const pm = meridiem.toLowerCase().startsWith("p");
    hour = (hour % 12) + (pm ? 12 : 0);
  }
  const day = parseIsoDate(date);
  if (day === undefined || hour > 23 || minute > 59) return undefined;
  // As luxon's `set` on the date's midnight: its offset is the guess for the local time, and
  // seconds past 59 carry into the next minute.
  const second = Number(secondText ?? 0);
  const midnight = localDay(timezone, day);
  const local = { year: day.year, month: day.month, day: day.day, hour, minute, second };
  return fromLocalTime(timezone, local, midnight.offsetMinutes).epochMs;
}

/** A local date's midnight, as luxon's `DateTime.fromISO(date, { zone })` resolves it. */
interface LocalDay {
  timezone: string;
  date: CalendarDate;
  startMs: number;
  offsetMinutes: number;
}

function localDay(timezone: string, date: CalendarDate): LocalDay {
  const start = fromLocalTime(timezone, atMidnight(date), zoneOffsetMinutes(timezone, Date.now()));
  return { timezone, date, startMs: start.epochMs, offsetMinutes: start.offsetMinutes };
}

/** Epoch ms of a wall-clock time on a local date; 24:00 is the next day's midnight. */
function atLocalMinutes(day: LocalDay, minutes: number): number {
  const { year, month, day: date } = day.date;
  const local =
    minutes >= 24 * 60
      ? atMidnight(addDays(day.date, 1))
      : { year, month, day: date, hour: Math.floor(minutes / 60), minute: minutes % 60 };
  return fromLocalTime(day.timezone, local, day.offsetMinutes).epochMs;
}
