import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import {
  addDays,
  daysBetween,
  atLocalTimeOn,
  formatClockTime,
  fromLocalTime,
  isSameLocalDay,
  parseIsoDate,
  plusLocalDays,
  startOfLocalDay,
  startOfLocalDate,
  startOfNextLocalDate,
  toLocalParts,
  weekdayOf,
  zoneOffsetMinutes,
} from "../../../src/tools/local-time.js";

const SYDNEY = "Australia/Sydney";
const LORD_HOWE = "Australia/Lord_Howe"; // half-hour DST shift
const iso = (ms: number) => new Date(ms).toISOString();

describe("zoneOffsetMinutes", () => {
  it("agrees with luxon around DST changes, including half-hour ones", () => {
    const zones = [SYDNEY, LORD_HOWE, "America/New_York", "Asia/Kathmandu", "Europe/London", "UTC"];
    // Every 7.5 minutes across both 2026/27 Sydney and Lord Howe transitions.
    const starts = [Date.parse("2026-10-03T12:00:00Z"), Date.parse("2027-04-03T12:00:00Z")];
    for (const zone of zones) {
      for (const start of starts) {
        for (let ms = start; ms < start + 8 * 3_600_000; ms += 450_000) {
          expect(zoneOffsetMinutes(zone, ms)).toBe(DateTime.fromMillis(ms, { zone }).offset);
        }
      }
    }
  });
});

describe("toLocalParts", () => {
  it("reads the wall clock and weekday of an instant", () => {
    const parts = toLocalParts(SYDNEY, Date.parse("2026-11-24T20:30:00Z"));
    expect(parts).toMatchObject({
      year: 2026,
      month: 11,
      day: 25,
      hour: 7,
      minute: 30,
      weekday: 3,
      offsetMinutes: 660,
    });
  });
});

describe("fromLocalTime", () => {
  it("moves a time inside the spring-forward gap forward, as luxon does", () => {
    const local = { year: 2026, month: 10, day: 4, hour: 2, minute: 30 };
    expect(iso(fromLocalTime(SYDNEY, local, 600).epochMs)).toBe("2026-10-03T16:30:00.000Z");
    expect(iso(fromLocalTime(SYDNEY, local, 660).epochMs)).toBe("2026-10-03T16:30:00.000Z");
  });

  it("resolves a repeated fall-back time with the guessed offset", () => {
    const local = { year: 2027, month: 4, day: 4, hour: 2, minute: 30 };
    expect(iso(fromLocalTime(SYDNEY, local, 660).epochMs)).toBe("2027-04-03T15:30:00.000Z");
    expect(iso(fromLocalTime(SYDNEY, local, 600).epochMs)).toBe("2027-04-03T16:30:00.000Z");
  });
});

describe("calendar dates", () => {
  it("accepts real dates only", () => {
    expect(parseIsoDate("2028-02-29")).toEqual({ year: 2028, month: 2, day: 29 });
    expect(parseIsoDate("2027-02-29")).toBeUndefined();
    expect(parseIsoDate("2100-02-29")).toBeUndefined();
    expect(parseIsoDate("2026-13-01")).toBeUndefined();
    expect(parseIsoDate("2026-1-01")).toBeUndefined();
  });

  it("adds and counts days across months, years and DST changes", () => {
    expect(addDays({ year: 2026, month: 12, day: 31 }, 1)).toEqual({
      year: 2027,
      month: 1,
      day: 1,
    });
    expect(daysBetween({ year: 2027, month: 4, day: 1 }, { year: 2027, month: 4, day: 15 })).toBe(
      14,
    );
    expect(weekdayOf({ year: 2026, month: 11, day: 29 })).toBe(7);
  });

  it("ends a day whose midnight does not exist at the next real midnight", () => {
    // Chile moves clocks from 24:00 to 01:00: 6 September 2026 starts at 01:00 and is 23 hours.
    const day = { year: 2026, month: 9, day: 6 };
    expect(iso(startOfLocalDate("America/Santiago", day))).toBe("2026-09-06T04:00:00.000Z");
    expect(iso(startOfNextLocalDate("America/Santiago", day))).toBe("2026-09-07T03:00:00.000Z");
  });

  it("bounds a local day that is 25 hours long", () => {
    const day = { year: 2027, month: 4, day: 4 };
    expect(iso(startOfLocalDate(SYDNEY, day))).toBe("2027-04-03T13:00:00.000Z");
    expect(iso(startOfNextLocalDate(SYDNEY, day))).toBe("2027-04-04T14:00:00.000Z");
  });
});

describe("luxon's DateTime steps on epoch numbers", () => {
  // Chile (midnight gap), Sydney (02:00 gap and repeated hour) and Lord Howe (half-hour change).
  const zones = ["America/Santiago", SYDNEY, LORD_HOWE, "America/Havana"];
  const starts = [
    Date.parse("2026-09-04T12:00:00Z"),
    Date.parse("2026-10-02T12:00:00Z"),
    Date.parse("2027-04-02T12:00:00Z"),
    Date.parse("2026-03-06T12:00:00Z"),
    Date.parse("2026-11-29T12:00:00Z"),
  ];

  it("startOf, set, plus and hasSame agree with luxon every 37 minutes over three days", () => {
    for (const zone of zones) {
      for (const start of starts) {
        for (let ms = start; ms < start + 3 * 86_400_000; ms += 37 * 60_000) {
          const dt = DateTime.fromMillis(ms, { zone });
          const day = startOfLocalDay(zone, ms);
          expect(day).toBe(dt.startOf("day").toMillis());
          expect(atLocalTimeOn(zone, ms, { hour: 2, minute: 30 })).toBe(
            dt.set({ hour: 2, minute: 30, second: 0, millisecond: 0 }).toMillis(),
          );
          for (const days of [0, 1, 2]) {
            expect(plusLocalDays(zone, day, days)).toBe(
              dt.startOf("day").plus({ days }).toMillis(),
            );
            expect(plusLocalDays(zone, ms, days)).toBe(dt.plus({ days }).toMillis());
          }
          const other = ms + 20 * 3_600_000;
          expect(isSameLocalDay(zone, ms, other)).toBe(
            dt.hasSame(DateTime.fromMillis(other, { zone }), "day"),
          );
        }
      }
    }
  });

  it("formats the clock as luxon's h:mm a, lower-cased", () => {
    for (let minutes = 0; minutes < 24 * 60; minutes += 1) {
      const hour = Math.floor(minutes / 60);
      const minute = minutes % 60;
      expect(formatClockTime({ hour, minute })).toBe(
        DateTime.fromObject({ hour, minute }, { zone: "UTC" }).toFormat("h:mm a").toLowerCase(),
      );
    }
  });
});
