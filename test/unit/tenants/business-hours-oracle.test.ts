import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import {
  describeOpenState,
  describeWeeklyHours,
  getOpenState,
} from "../../../src/tenants/business-hours.js";
import type { TenantInput } from "../../../src/tenants/tenant-document.js";
import { buildTenant } from "../../helpers/factories.js";
import * as LuxonOracle from "../../helpers/luxon-business-hours.js";

// business-hours.ts computes on epoch numbers with luxon's rules; every state and text is
// compared with the luxon implementation it replaced.

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

// Zones with DST at 02:00 or 03:00, half-hour and two-hour shifts, changes at midnight (whose
// day then starts at 01:00), a skipped calendar day (Apia, 30 December 2011), none at all, and
// the spellings luxon treats as its own UTC zone.
const ZONES = [
  "Australia/Sydney",
  "Australia/Lord_Howe",
  "America/New_York",
  "Europe/London",
  "America/Santiago",
  "America/Havana",
  "Asia/Beirut",
  "America/Asuncion",
  "Pacific/Apia",
  "Pacific/Chatham",
  "Antarctica/Troll",
  "Asia/Kathmandu",
  "Asia/Tehran",
  "America/St_Johns",
  "Africa/Casablanca",
  "UTC",
  "utc",
  "GMT",
  "Etc/GMT-14",
];

const CLOSED_WEEK = { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] };

// Hours that touch midnight, ranges inside DST gaps and repeated hours, several unsorted ranges
// in a day, and closures on and around transition dates.
const TENANT_SHAPES: Partial<TenantInput>[] = [
  {},
  {
    hours: {
      mon: ["00:00-24:00"],
      tue: ["00:00-01:00", "23:00-24:00"],
      wed: ["02:30-04:00", "01:00-02:00"],
      thu: ["00:30-02:30"],
      fri: ["09:00-17:00"],
      sat: [],
      sun: ["02:00-02:45", "00:00-00:30", "22:15-24:00"],
    },
    closures: [],
  },
  {
    hours: {
      ...CLOSED_WEEK,
      sat: ["00:00-03:00"],
      sun: ["01:30-03:30", "12:00-12:01"],
    },
    closures: [
      { date: "2026-10-04", reason: "Daylight saving" },
      { date: "2026-10-11" },
      { date: "2027-04-04" },
      { date: "2026-03-08" },
      { date: "2026-09-06", reason: "Chile" },
    ],
  },
  { hours: CLOSED_WEEK, closures: [] },
  {
    hours: { ...CLOSED_WEEK, wed: ["23:59-24:00"] },
    closures: [{ date: "2026-11-25", reason: "first" }, { date: "2026-11-25" }],
  },
];

/** Instants around every offset change of the zone in the years, plus a seeded random spread. */
function instantsFor(zone: string, fromYear: number, toYear: number, random: () => number) {
  const start = Date.UTC(fromYear, 0, 1);
  const end = Date.UTC(toYear, 0, 1);
  const instants: number[] = [];
  let previous = DateTime.fromMillis(start, { zone }).offset;
  for (let ms = start; ms < end; ms += HOUR_MS) {
    const offset = DateTime.fromMillis(ms, { zone }).offset;
    if (offset !== previous) {
      // Every 71 minutes for two days either side, so each day's hours are crossed at many points.
      for (let t = ms - 2 * DAY_MS; t < ms + 2 * DAY_MS; t += 71 * 60_000) instants.push(t);
      instants.push(ms - 1, ms, ms + HOUR_MS - 1);
    }
    previous = offset;
  }
  // A fortnight in late December (closures, year end) for zones without changes too.
  const december = Date.UTC(fromYear, 11, 20);
  for (let t = december; t < december + 15 * DAY_MS; t += 97 * 60_000) instants.push(t);
  for (let i = 0; i < 40; i += 1) instants.push(start + Math.floor(random() * (end - start)));
  return instants;
}

function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

const toMs = (value: DateTime | undefined) => value?.toMillis();

describe("business hours against the luxon implementation they replaced", () => {
  const random = seededRandom(20_261_206);

  for (const zone of ZONES) {
    it(`gives the same state and text for every instant tried in ${zone}`, () => {
      const years: [number, number][] = zone === "Pacific/Apia" ? [[2011, 2013]] : [[2026, 2028]];
      const instants = years.flatMap(([from, to]) => instantsFor(zone, from, to, random));
      let compared = 0;
      for (const shape of TENANT_SHAPES) {
        const tenant = buildTenant({ ...shape, timezone: zone });
        for (const nowMs of instants) {
          const expected = LuxonOracle.getOpenState(tenant, nowMs);
          const actual = getOpenState(tenant, nowMs);
          const where = `${zone} at ${new Date(nowMs).toISOString()}`;
          expect(
            {
              isOpen: actual.isOpen,
              closesAt: actual.closesAtMs,
              nextOpensAt: actual.nextOpensAtMs,
              closureReason: actual.closureReason,
            },
            where,
          ).toEqual({
            isOpen: expected.isOpen,
            closesAt: toMs(expected.closesAt),
            nextOpensAt: toMs(expected.nextOpensAt),
            closureReason: expected.closureReason,
          });
          expect(describeOpenState(actual), where).toBe(LuxonOracle.describeOpenState(expected));
          compared += 1;
        }
      }
      expect(compared).toBeGreaterThan(TENANT_SHAPES.length * 200);
    });
  }

  it("keeps the luxon views of the state equal to luxon's own", () => {
    const tenant = buildTenant({ timezone: "America/Santiago" });
    // Saturday 5 September 2026, 13:00 local: closed, opening Monday after the midnight change.
    const nowMs = Date.parse("2026-09-05T17:00:00Z");
    const expected = LuxonOracle.getOpenState(tenant, nowMs);
    const actual = getOpenState(tenant, nowMs);
    expect(actual.localNow.toISO()).toBe(expected.localNow.toISO());
    expect(actual.localNow.zoneName).toBe(expected.localNow.zoneName);
    expect(actual.nextOpensAt?.toISO()).toBe(expected.nextOpensAt?.toISO());
    expect(actual.closesAt).toBeUndefined();
  });

  it("describes the same weekly hours", () => {
    for (const shape of TENANT_SHAPES) {
      const tenant = buildTenant(shape);
      expect(describeWeeklyHours(tenant)).toBe(LuxonOracle.describeWeeklyHours(tenant));
    }
    const everyMinute = buildTenant({
      hours: {
        ...CLOSED_WEEK,
        mon: Array.from(
          { length: 8 },
          (_, i) => `${String(i * 3).padStart(2, "0")}:07-${String(i * 3 + 1).padStart(2, "0")}:59`,
        ),
        tue: ["11:59-12:00", "12:00-12:01", "00:00-00:01", "23:59-24:00"],
      },
    });
    expect(describeWeeklyHours(everyMinute)).toBe(LuxonOracle.describeWeeklyHours(everyMinute));
  });
});
