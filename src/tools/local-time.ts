/**
 * Wall-clock arithmetic in IANA time zones with plain epoch numbers: the slot and description
 * code runs on every tool call, and luxon's per-operation `Intl` formatting was a fifth of a
 * tool call's CPU. The rules are luxon's, so results are identical: offsets as luxon's
 * `IANAZone.offset` computes them, local times resolved with its `fixOffset` (a time inside a
 * spring-forward gap moves forward; an ambiguous fall-back time takes the offset of the guess).
 */

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
// No zone changes its offset twice within this, so equal offsets at both ends of a bucket hold
// for all of it. A UTC day is tried first (one lookup per day), then the quarter hour.
const QUARTER_HOUR_MS = 15 * MINUTE_MS;
// Bounds the offset cache (a few entries per zone and day in use).
const MAX_CACHED_OFFSETS = 50_000;

/** A local calendar date and wall-clock time; `weekday` is 1 (Monday) to 7 (Sunday). */
export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  weekday: number;
  /** The zone's offset from UTC at that instant, in minutes. */
  offsetMinutes: number;
}

/** A wall-clock time of day. */
export interface TimeOfDay {
  hour: number;
  minute: number;
  second?: number;
  millisecond?: number;
}

const MIDNIGHT: TimeOfDay = { hour: 0, minute: 0 };

/** A calendar date without a time or zone. */
export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

/** A wall-clock reading on a calendar date. */
export interface LocalTime extends CalendarDate {
  hour: number;
  minute: number;
  second?: number;
  millisecond?: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
// Per zone: UTC day (or quarter hour) number → its offset, or null when it changes inside.
const dayOffsets = new Map<string, Map<number, number | null>>();
const quarterOffsets = new Map<string, Map<number, number | null>>();

/** The zone's offset from UTC in minutes at an instant (luxon's `IANAZone#offset`). */
export function zoneOffsetMinutes(zone: string, epochMs: number): number {
  const days = cacheFor(dayOffsets, zone);
  const day = Math.floor(epochMs / DAY_MS);
  let whole = days.get(day);
  if (whole === undefined) {
    whole = constantOffset(zone, day * DAY_MS, DAY_MS);
    remember(days, day, whole);
  }
  if (whole !== null) return whole;
  const quarters = cacheFor(quarterOffsets, zone);
  const quarter = Math.floor(epochMs / QUARTER_HOUR_MS);
  let part = quarters.get(quarter);
  if (part === undefined) {
    part = constantOffset(zone, quarter * QUARTER_HOUR_MS, QUARTER_HOUR_MS);
    remember(quarters, quarter, part);
  }
  return part ?? computeOffset(zone, epochMs);
}

/** The local date and time of an instant in a zone. */
export function toLocalParts(zone: string, epochMs: number): LocalParts {
  const offsetMinutes = zoneOffsetMinutes(zone, epochMs);
  const local = new Date(epochMs + offsetMinutes * MINUTE_MS);
  const weekday = local.getUTCDay();
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
    millisecond: local.getUTCMilliseconds(),
    weekday: weekday === 0 ? 7 : weekday,
    offsetMinutes,
  };
}

/**
 * The instant of a local wall-clock time (luxon's `fixOffset`), starting from a guessed offset:
 * luxon guesses the offset of the DateTime being changed, or the current one when parsing.
 * @returns epoch ms and the offset in force then.
 */
export function fromLocalTime(
  zone: string,
  local: LocalTime,
  guessOffsetMinutes: number,
): { epochMs: number; offsetMinutes: number } {
  const localTs = utcMillis(
    local.year,
    local.month,
    local.day,
    local.hour,
    local.minute,
    local.second ?? 0,
    local.millisecond ?? 0,
  );
  let utcGuess = localTs - guessOffsetMinutes * MINUTE_MS;
  const o2 = zoneOffsetMinutes(zone, utcGuess);
  if (o2 === guessOffsetMinutes) return { epochMs: utcGuess, offsetMinutes: o2 };
  utcGuess -= (o2 - guessOffsetMinutes) * MINUTE_MS;
  const o3 = zoneOffsetMinutes(zone, utcGuess);
  if (o2 === o3) return { epochMs: utcGuess, offsetMinutes: o2 };
  // A time in a gap: keep the wall-clock reading under the earlier offset (it moves forward).
  return { epochMs: localTs - Math.min(o2, o3) * MINUTE_MS, offsetMinutes: Math.max(o2, o3) };
}

/**
 * The instant of another wall-clock time on an instant's local date, as luxon's `set` computes
 * it: the instant's own offset is the guess (a time in a DST gap moves forward).
 */
export function atLocalTimeOn(zone: string, epochMs: number, time: TimeOfDay): number {
  const local = toLocalParts(zone, epochMs);
  return fromLocalTime(
    zone,
    {
      year: local.year,
      month: local.month,
      day: local.day,
      hour: time.hour,
      minute: time.minute,
      second: time.second ?? 0,
      millisecond: time.millisecond ?? 0,
    },
    local.offsetMinutes,
  ).epochMs;
}

/** luxon's `startOf("day")`: the first instant of an instant's local date. */
export function startOfLocalDay(zone: string, epochMs: number): number {
  return atLocalTimeOn(zone, epochMs, MIDNIGHT);
}

/**
 * luxon's `plus({ days })`: the same wall-clock reading `days` local dates later, resolved with
 * the instant's own offset as the guess.
 */
export function plusLocalDays(zone: string, epochMs: number, days: number): number {
  const local = toLocalParts(zone, epochMs);
  return fromLocalTime(
    zone,
    {
      year: local.year,
      month: local.month,
      day: local.day + days,
      hour: local.hour,
      minute: local.minute,
      second: local.second,
      millisecond: local.millisecond,
    },
    local.offsetMinutes,
  ).epochMs;
}

/**
 * luxon's `a.hasSame(b, "day")` for two instants in one zone: `b` lies between the start and
 * the end of `a`'s local day (the end as luxon's `endOf`: a day later, its start, less 1 ms).
 */
export function isSameLocalDay(zone: string, epochMs: number, otherMs: number): boolean {
  if (otherMs < startOfLocalDay(zone, epochMs)) return false;
  return otherMs <= startOfLocalDay(zone, plusLocalDays(zone, epochMs, 1)) - 1;
}

/** The first instant of a local date (as luxon's `DateTime.fromISO(date, { zone })`). */
export function startOfLocalDate(zone: string, date: CalendarDate): number {
  return fromLocalTime(zone, atMidnight(date), zoneOffsetMinutes(zone, Date.now())).epochMs;
}

/** The first instant of the day after a local date, from that date's start (luxon's `plus`). */
export function startOfNextLocalDate(zone: string, date: CalendarDate): number {
  const start = startOfLocalDate(zone, date);
  return fromLocalTime(zone, atMidnight(addDays(date, 1)), zoneOffsetMinutes(zone, start)).epochMs;
}

/** 00:00 on a date. */
export function atMidnight(date: CalendarDate): LocalTime {
  return { year: date.year, month: date.month, day: date.day, hour: 0, minute: 0 };
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `YYYY-MM-DD` as a real calendar date, else undefined ("2026-02-30" is not one). */
export function parseIsoDate(text: string): CalendarDate | undefined {
  const match = ISO_DATE.exec(text);
  if (match === null) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return { year, month, day };
}

/** `YYYY-MM-DD`. */
export function formatIsoDate(date: CalendarDate): string {
  return `${pad(date.year, 4)}-${pad(date.month, 2)}-${pad(date.day, 2)}`;
}

/** The calendar date `days` after (or before) `date`. */
export function addDays(date: CalendarDate, days: number): CalendarDate {
  const next = new Date(utcMillis(date.year, date.month, date.day, 0, 0, 0, 0) + days * DAY_MS);
  return { year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() };
}

/** Calendar days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: CalendarDate, to: CalendarDate): number {
  const fromMs = utcMillis(from.year, from.month, from.day, 0, 0, 0, 0);
  const toMs = utcMillis(to.year, to.month, to.day, 0, 0, 0, 0);
  return Math.round((toMs - fromMs) / DAY_MS);
}

/** 1 (Monday) to 7 (Sunday). */
export function weekdayOf(date: CalendarDate): number {
  const weekday = new Date(utcMillis(date.year, date.month, date.day, 0, 0, 0, 0)).getUTCDay();
  return weekday === 0 ? 7 : weekday;
}

// English names, as luxon prints them: its `toFormat` is en-US unless a locale is set, and the
// assistant speaks English.
export const WEEKDAY_NAMES = [
  "Monday",
  "Tuesday",
  "Wednesday",
  "Thursday",
  "Friday",
  "Saturday",
  "Sunday",
] as const;
export const MONTH_NAMES = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
] as const;

/** "9:00 am", "12:30 pm": luxon's `h:mm a`, lower-cased. */
export function formatClockTime(time: TimeOfDay): string {
  const hour12 = time.hour % 12 === 0 ? 12 : time.hour % 12;
  return `${hour12}:${pad(time.minute, 2)} ${time.hour < 12 ? "am" : "pm"}`;
}

export function pad(value: number, width: number): string {
  return String(value).padStart(width, "0");
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Date.UTC, without its mapping of years 0–99 to 1900–1999. */
function utcMillis(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  millisecond: number,
): number {
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, millisecond);
  if (year >= 100 || year < 0) return ms;
  const date = new Date(ms);
  date.setUTCFullYear(year, month - 1, day);
  return date.getTime();
}

/** The offset if it is the same at both ends of [startMs, startMs + lengthMs), else null. */
function constantOffset(zone: string, startMs: number, lengthMs: number): number | null {
  const first = computeOffset(zone, startMs);
  // luxon reads offsets at whole seconds: the last one inside the bucket is the end.
  return computeOffset(zone, startMs + lengthMs / 2) === first &&
    computeOffset(zone, startMs + lengthMs - 1000) === first
    ? first
    : null;
}

function computeOffset(zone: string, epochMs: number): number {
  const date = new Date(epochMs);
  if (Number.isNaN(date.getTime())) return Number.NaN;
  let year = 0;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let bc = false;
  for (const { type, value } of formatterFor(zone).formatToParts(date)) {
    if (type === "year") year = Number.parseInt(value, 10);
    else if (type === "month") month = Number.parseInt(value, 10);
    else if (type === "day") day = Number.parseInt(value, 10);
    else if (type === "hour") hour = Number.parseInt(value, 10);
    else if (type === "minute") minute = Number.parseInt(value, 10);
    else if (type === "second") second = Number.parseInt(value, 10);
    else if (type === "era") bc = value === "BC";
  }
  if (bc) year = -Math.abs(year) + 1;
  const asUtc = utcMillis(year, month, day, hour === 24 ? 0 : hour, minute, second, 0);
  let asTs = epochMs;
  const over = asTs % 1000;
  asTs -= over >= 0 ? over : 1000 + over;
  return (asUtc - asTs) / MINUTE_MS;
}

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat("en-US", {
      hour12: false,
      timeZone: zone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      era: "short",
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

function cacheFor(
  caches: Map<string, Map<number, number | null>>,
  zone: string,
): Map<number, number | null> {
  let cache = caches.get(zone);
  if (cache === undefined) {
    cache = new Map();
    caches.set(zone, cache);
  }
  return cache;
}

function remember(cache: Map<number, number | null>, key: number, value: number | null): void {
  if (cache.size >= MAX_CACHED_OFFSETS) cache.clear();
  cache.set(key, value);
}
