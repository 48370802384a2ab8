import { DateTime } from "luxon";
import { WEEKDAY_NAMES, WEEKDAYS, type Tenant, type Weekday } from "./tenant-document.js";

export interface OpenState {
  /** The tenant's local time at the moment asked about. */
  localNow: DateTime;
  isOpen: boolean;
  /** When the current opening ends (only when open). */
  closesAt: DateTime | undefined;
  /** The next opening after now (only when closed), within the next two weeks. */
  nextOpensAt: DateTime | undefined;
  /** Set when today is a listed closure. */
  closureReason: string | undefined;
}

interface Range {
  startMinutes: number;
  endMinutes: number;
}

// Far enough to skip a long holiday shutdown, short enough to stay cheap on every call.
const LOOKAHEAD_DAYS = 14;

/** Weekly hours and closures evaluated in the tenant's own time zone (DST-aware via luxon). */
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

export function parseRange(value: string): Range {
  const [start = "00:00", end = "00:00"] = value.split("-");
  const toMinutes = (hhmm: string) => {
    const [h = "0", m = "0"] = hhmm.split(":");
    return Number(h) * 60 + Number(m);
  };
  return { startMinutes: toMinutes(start), endMinutes: toMinutes(end) };
}

function weekdayOf(date: DateTime): Weekday {
  // luxon: 1 = Monday … 7 = Sunday.
  return WEEKDAYS[date.weekday - 1] ?? "mon";
}

/** The wall-clock time on that local date; luxon moves times inside a DST gap forward. */
function atMinutes(date: DateTime, minutes: number): DateTime {
  if (minutes >= 24 * 60) return date.startOf("day").plus({ days: 1 });
  return date.set({
    hour: Math.floor(minutes / 60),
    minute: minutes % 60,
    second: 0,
    millisecond: 0,
  });
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
  if (minutes >= 24 * 60) return "midnight";
  return DateTime.fromObject({ hour: Math.floor(minutes / 60), minute: minutes % 60 })
    .toFormat("h:mm a")
    .toLowerCase();
}

/** One or two sentences about now, for the per-call part of the prompt. */
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
