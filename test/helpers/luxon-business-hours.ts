import { DateTime } from "luxon";
import { parseRange } from "../../src/tenants/business-hours.js";
import {
  WEEKDAY_NAMES,
  WEEKDAYS,
  type Tenant,
  type Weekday,
} from "../../src/tenants/tenant-document.js";

/**
 * The luxon implementation of src/tenants/business-hours.ts that the epoch-number one replaced,
 * kept verbatim (except where noted) as the oracle its tests compare every text against.
 */
interface OpenState {
  localNow: DateTime;
  isOpen: boolean;
  closesAt: DateTime | undefined;
  nextOpensAt: DateTime | undefined;
  closureReason: string | undefined;
}
interface Range {
  startMinutes: number;
  endMinutes: number;
}
const LOOKAHEAD_DAYS = 14;

export function getOpenState(tenant: Tenant, nowMs: number): OpenState {
  const localNow = DateTime.fromMillis(nowMs, { zone: tenant.timezone });
  const closures = new Map(
    tenant.closures.map((closure) => [closure.date, closure.reason ?? "closed"]),
  );
  const todayKey = localNow.toISODate() ?? "";
  const closureReason = closures.get(todayKey);
  let closesAt: DateTime | undefined;
  if (closureReason === undefined) {
    const minutes = localNow.hour * 60 + localNow.minute;
    const current = rangesFor(tenant, weekdayOf(localNow)).find(
      (range) => range.startMinutes <= minutes && minutes < range.endMinutes,
    );
    if (current !== undefined) closesAt = atMinutes(localNow, current.endMinutes);
  }
  const isOpen = closesAt !== undefined;
  return {
    localNow,
    isOpen,
    closesAt,
    nextOpensAt: isOpen ? undefined : findNextOpening(tenant, localNow, closures),
    closureReason,
  };
}

function findNextOpening(
  tenant: Tenant,
  localNow: DateTime,
  closures: Map<string, string>,
): DateTime | undefined {
  for (let offset = 0; offset <= LOOKAHEAD_DAYS; offset += 1) {
    const day = localNow.startOf("day").plus({ days: offset });
    if (closures.has(day.toISODate() ?? "")) continue;
    for (const range of rangesFor(tenant, weekdayOf(day))) {
      const opening = atMinutes(day, range.startMinutes);
      if (opening > localNow) return opening;
    }
  }
  return undefined;
}

function rangesFor(tenant: Tenant, day: Weekday): Range[] {
  return tenant.hours[day].map(parseRange).sort((a, b) => a.startMinutes - b.startMinutes);
}

function weekdayOf(date: DateTime): Weekday {
  return WEEKDAYS[date.weekday - 1] ?? "mon";
}

function atMinutes(date: DateTime, minutes: number): DateTime {
  if (minutes >= 24 * 60) return date.startOf("day").plus({ days: 1 });
  return date.set({
    hour: Math.floor(minutes / 60),
    minute: minutes % 60,
    second: 0,
    millisecond: 0,
  });
}

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
  if (minutes >= 24 * 60) return "midnight";
  // The original read the time in the server's zone (UTC in production); a zone with DST
  // would move a time inside its gap on the day it springs forward.
  return DateTime.fromObject(
    { hour: Math.floor(minutes / 60), minute: minutes % 60 },
    { zone: "UTC" },
  )
    .toFormat("h:mm a")
    .toLowerCase();
}

export function describeOpenState(state: OpenState): string {
  const now = state.localNow
    .toFormat("cccc d LLLL yyyy, h:mm a")
    .replace(/ (AM|PM)$/, (m) => m.toLowerCase());
  const parts = [`Current local date and time: ${now} (${state.localNow.zoneName ?? ""}).`];
  if (state.isOpen && state.closesAt !== undefined) {
    parts.push(`The business is open now, until ${formatTime(state.closesAt)} today.`);
  } else {
    const reason =
      state.closureReason === undefined ? "" : ` (today is a closure day: ${state.closureReason})`;
    const next =
      state.nextOpensAt === undefined
        ? "No opening is scheduled in the next two weeks."
        : `It next opens ${formatDayTime(state.nextOpensAt, state.localNow)}.`;
    parts.push(`The business is closed now${reason}. ${next}`);
  }
  return parts.join(" ");
}

function formatTime(time: DateTime): string {
  return time.toFormat("h:mm a").toLowerCase();
}

function formatDayTime(time: DateTime, now: DateTime): string {
  if (time.hasSame(now, "day")) return `today at ${formatTime(time)}`;
  if (time.hasSame(now.plus({ days: 1 }), "day")) return `tomorrow at ${formatTime(time)}`;
  return `${time.toFormat("cccc d LLLL")} at ${formatTime(time)}`;
}
