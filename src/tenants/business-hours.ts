import { DateTime } from "luxon";
import {
  MONTH_NAMES,
  WEEKDAY_NAMES as WEEKDAY_LONG_NAMES,
  atLocalTimeOn,
  formatClockTime,
  formatIsoDate,
  isSameLocalDay,
  plusLocalDays,
  startOfLocalDay,
  toLocalParts,
} from "../tools/local-time.js";
import { WEEKDAY_NAMES, WEEKDAYS, type Tenant, type Weekday } from "./tenant-document.js";

/**
 * Open or closed at one instant, in the tenant's zone. The instants are epoch numbers; the luxon
 * views (`localNow`, `closesAt`, `nextOpensAt`) are built only when read (the dashboard), since
 * the per-call prompt text needs none of them.
 */
export interface OpenState {
  /** The tenant's IANA zone, as its document spells it. */
  timezone: string;
  /** The moment asked about (epoch ms). */
  nowMs: number;
  isOpen: boolean;
  /** When the current opening ends (only when open), epoch ms. */
  closesAtMs: number | undefined;
  /** The next opening after now (only when closed), within the next two weeks, epoch ms. */
  nextOpensAtMs: number | undefined;
  /** Set when today is a listed closure. */
  closureReason: string | undefined;
  /** The tenant's local time at the moment asked about. */
  readonly localNow: DateTime;
  readonly closesAt: DateTime | undefined;
  readonly nextOpensAt: DateTime | undefined;
}

interface Range {
  startMinutes: number;
  endMinutes: number;
}

// Far enough to skip a long holiday shutdown, short enough to stay cheap on every call.
const LOOKAHEAD_DAYS = 14;
const DAY_MINUTES = 24 * 60;

/**
 * Weekly hours and closures evaluated in the tenant's own time zone, DST-aware, with luxon's
 * rules (`local-time.ts`) on plain epoch numbers: luxon's DateTimes cost an `Intl` call per
 * step, and this runs for every tenant a call reaches.
 */
export function getOpenState(tenant: Tenant, nowMs: number): OpenState {
  const zone = tenant.timezone;
  const local = toLocalParts(zone, nowMs);
  const closureReason = closureReasonOn(tenant, formatIsoDate(local));

  let closesAtMs: number | undefined;
  if (closureReason === undefined) {
    const minutes = local.hour * 60 + local.minute;
    const current = rangesFor(tenant, weekdayAt(local.weekday)).find(
      (range) => range.startMinutes <= minutes && minutes < range.endMinutes,
    );
    if (current !== undefined) closesAtMs = atMinutes(zone, nowMs, current.endMinutes);
  }
  const isOpen = closesAtMs !== undefined;
  return new ZonedOpenState(
    zone,
    nowMs,
    isOpen,
    closesAtMs,
    isOpen ? undefined : findNextOpening(tenant, nowMs),
    closureReason,
  );
}

class ZonedOpenState implements OpenState {
  #localNow: DateTime | undefined;

  constructor(
    readonly timezone: string,
    readonly nowMs: number,
    readonly isOpen: boolean,
    readonly closesAtMs: number | undefined,
    readonly nextOpensAtMs: number | undefined,
    readonly closureReason: string | undefined,
  ) {}

  get localNow(): DateTime {
    this.#localNow ??= this.inZone(this.nowMs);
    return this.#localNow;
  }

  get closesAt(): DateTime | undefined {
    return this.closesAtMs === undefined ? undefined : this.inZone(this.closesAtMs);
  }

  get nextOpensAt(): DateTime | undefined {
    return this.nextOpensAtMs === undefined ? undefined : this.inZone(this.nextOpensAtMs);
  }

  private inZone(epochMs: number): DateTime {
    return DateTime.fromMillis(epochMs, { zone: this.timezone });
  }
}

/** The reason of a closure on that local date ("closed" without one); the last listing wins. */
function closureReasonOn(tenant: Tenant, isoDate: string): string | undefined {
  let reason: string | undefined;
  for (const closure of tenant.closures) {
    if (closure.date === isoDate) reason = closure.reason ?? "closed";
  }
  return reason;
}

function isClosureDate(tenant: Tenant, isoDate: string): boolean {
  return tenant.closures.some((closure) => closure.date === isoDate);
}

// Step for step as it was written with luxon (`localNow.startOf("day").plus({ days })`, then
// `set` on that day), so a day whose midnight falls in a DST gap resolves the same way.
function findNextOpening(tenant: Tenant, nowMs: number): number | undefined {
  const zone = tenant.timezone;
  const todayStart = startOfLocalDay(zone, nowMs);
  for (let offset = 0; offset <= LOOKAHEAD_DAYS; offset += 1) {
    const dayMs = plusLocalDays(zone, todayStart, offset);
    const day = toLocalParts(zone, dayMs);
    if (isClosureDate(tenant, formatIsoDate(day))) continue;
    for (const range of rangesFor(tenant, weekdayAt(day.weekday))) {
      const opening = atMinutes(zone, dayMs, range.startMinutes);
      if (opening > nowMs) return opening;
    }
  }
  return undefined;
}

function rangesFor(tenant: Tenant, day: Weekday): Range[] {
  return tenant.hours[day].map(parseRange).sort((a, b) => a.startMinutes - b.startMinutes);
}

export function parseRange(value: string): Range {
  const [start = "00:00", end = "00:00"] = value.split("-");
  const toMinutes = (hhmm: string) => {
    const [h = "0", m = "0"] = hhmm.split(":");
    return Number(h) * 60 + Number(m);
  };
  return { startMinutes: toMinutes(start), endMinutes: toMinutes(end) };
}

/** 1 = Monday … 7 = Sunday. */
function weekdayAt(weekday: number): Weekday {
  return WEEKDAYS[weekday - 1] ?? "mon";
}

/** The wall-clock time on that instant's local date; a time inside a DST gap moves forward. */
function atMinutes(zone: string, epochMs: number, minutes: number): number {
  if (minutes >= DAY_MINUTES) return plusLocalDays(zone, startOfLocalDay(zone, epochMs), 1);
  return atLocalTimeOn(zone, epochMs, { hour: Math.floor(minutes / 60), minute: minutes % 60 });
}

/** "Monday: 7:00 am–5:00 pm; …; Sunday: closed", for the system prompt. */
export function describeWeeklyHours(tenant: Tenant): string {
  return WEEKDAYS.map((day) => {
    const ranges = rangesFor(tenant, day);
    const text =
      ranges.length === 0
        ? "closed"
        : ranges
            .map((r) => `${formatMinutes(r.startMinutes)} to ${formatMinutes(r.endMinutes)}`)
            .join(", ");
    return `${WEEKDAY_NAMES[day]}: ${text}`;
  }).join("; ");
}

function formatMinutes(minutes: number): string {
  if (minutes >= DAY_MINUTES) return "midnight";
  return formatClockTime({ hour: Math.floor(minutes / 60), minute: minutes % 60 });
}

/** One or two sentences about now, for the per-call part of the prompt. */
export function describeOpenState(state: OpenState): string {
  const zone = state.timezone;
  const now = toLocalParts(zone, state.nowMs);
  const parts = [
    `Current local date and time: ${describeDate(now)} ${padYear(now.year)}, ${formatClockTime(now)} (${zoneName(zone)}).`,
  ];
  if (state.isOpen && state.closesAtMs !== undefined) {
    parts.push(`The business is open now, until ${formatTime(zone, state.closesAtMs)} today.`);
  } else {
    const reason =
      state.closureReason === undefined ? "" : ` (today is a closure day: ${state.closureReason})`;
    const next =
      state.nextOpensAtMs === undefined
        ? "No opening is scheduled in the next two weeks."
        : `It next opens ${formatDayTime(zone, state.nextOpensAtMs, state.nowMs)}.`;
    parts.push(`The business is closed now${reason}. ${next}`);
  }
  return parts.join(" ");
}

function formatTime(zone: string, epochMs: number): string {
  return formatClockTime(toLocalParts(zone, epochMs));
}

function formatDayTime(zone: string, epochMs: number, nowMs: number): string {
  if (isSameLocalDay(zone, epochMs, nowMs)) return `today at ${formatTime(zone, epochMs)}`;
  if (isSameLocalDay(zone, epochMs, plusLocalDays(zone, nowMs, 1))) {
    return `tomorrow at ${formatTime(zone, epochMs)}`;
  }
  return `${describeDate(toLocalParts(zone, epochMs))} at ${formatTime(zone, epochMs)}`;
}

/** "Wednesday 25 November" (luxon's `cccc d LLLL`). */
function describeDate(local: { weekday: number; day: number; month: number }): string {
  return `${WEEKDAY_LONG_NAMES[local.weekday - 1] ?? ""} ${local.day} ${MONTH_NAMES[local.month - 1] ?? ""}`;
}

/** luxon's `yyyy`: at least four digits, a minus sign before a negative year. */
function padYear(year: number): string {
  return year < 0 ? `-${String(-year).padStart(4, "0")}` : String(year).padStart(4, "0");
}

/** The zone's name as luxon reports it: "utc" and "gmt" in any case are its UTC zone. */
function zoneName(zone: string): string {
  const lowered = zone.toLowerCase();
  return lowered === "utc" || lowered === "gmt" ? "UTC" : zone;
}
