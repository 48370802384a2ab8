import { describe, expect, it } from "vitest";
import {
  describeOpenState,
  describeWeeklyHours,
  getOpenState,
  parseRange,
} from "../../../src/tenants/business-hours.js";
import type { TenantInput } from "../../../src/tenants/tenant-document.js";
import { buildTenant } from "../../helpers/factories.js";

const at = (iso: string) => Date.parse(iso);
const iso = (value: { toUTC(): { toISO(): string | null } } | undefined) => value?.toUTC().toISO();

// Weekdays 07:00–17:00, Saturday 08:00–12:00, Sunday closed; Christmas Day closed.
const sydney = buildTenant({ timezone: "Australia/Sydney" });

function tenantWith(overrides: Partial<TenantInput>) {
  return buildTenant(overrides);
}

describe("getOpenState", () => {
  it("is open during hours, with the closing time in the tenant's zone", () => {
    // Wednesday 25 November 2026, 10:30 AEDT (UTC+11).
    const state = getOpenState(sydney, at("2026-11-24T23:30:00Z"));
    expect(state.isOpen).toBe(true);
    expect(state.localNow.toFormat("cccc HH:mm ZZ")).toBe("Wednesday 10:30 +11:00");
    expect(iso(state.closesAt)).toBe("2026-11-25T06:00:00.000Z");
    expect(state.nextOpensAt).toBeUndefined();
    expect(state.closureReason).toBeUndefined();
  });

  it("treats the opening minute as open and the closing minute as closed", () => {
    expect(getOpenState(sydney, at("2026-11-24T20:00:00Z")).isOpen).toBe(true); // 07:00
    expect(getOpenState(sydney, at("2026-11-24T19:59:59Z")).isOpen).toBe(false); // 06:59:59
    expect(getOpenState(sydney, at("2026-11-25T05:59:59Z")).isOpen).toBe(true); // 16:59:59
    expect(getOpenState(sydney, at("2026-11-25T06:00:00Z")).isOpen).toBe(false); // 17:00
  });

  it("is closed before opening and names the opening later that day", () => {
    // Wednesday 06:00 AEDT.
    const state = getOpenState(sydney, at("2026-11-24T19:00:00Z"));
    expect(state.isOpen).toBe(false);
    expect(state.closesAt).toBeUndefined();
    expect(iso(state.nextOpensAt)).toBe("2026-11-24T20:00:00.000Z");
    expect(describeOpenState(state)).toContain("It next opens today at 7:00 am.");
  });

  it("is closed after hours and names tomorrow's opening", () => {
    // Wednesday 18:00 AEDT → Thursday 07:00.
    const state = getOpenState(sydney, at("2026-11-25T07:00:00Z"));
    expect(state.isOpen).toBe(false);
    expect(iso(state.nextOpensAt)).toBe("2026-11-25T20:00:00.000Z");
    expect(describeOpenState(state)).toContain("tomorrow at 7:00 am");
  });

  it("skips a closed Sunday to Monday morning", () => {
    // Saturday 28 November 2026, 13:00 AEDT → Monday 30 November 07:00.
    const state = getOpenState(sydney, at("2026-11-28T02:00:00Z"));
    expect(state.isOpen).toBe(false);
    expect(iso(state.nextOpensAt)).toBe("2026-11-29T20:00:00.000Z");
    expect(describeOpenState(state)).toContain("Monday 30 November at 7:00 am");
  });

  it("is closed all day on a closure date and says why", () => {
    // Friday 25 December 2026, 10:00 AEDT: inside normal hours, but Christmas Day.
    const state = getOpenState(sydney, at("2026-12-24T23:00:00Z"));
    expect(state.isOpen).toBe(false);
    expect(state.closureReason).toBe("Christmas Day");
    expect(describeOpenState(state)).toContain("closure day: Christmas Day");
    // Saturday 26 December opens at 08:00 AEDT.
    expect(iso(state.nextOpensAt)).toBe("2026-12-25T21:00:00.000Z");
  });

  it("skips consecutive closures when looking for the next opening", () => {
    const tenant = tenantWith({
      closures: [
        { date: "2026-12-25", reason: "Christmas Day" },
        { date: "2026-12-26" },
        { date: "2026-12-28" },
      ],
    });
    // Thursday 24 December 18:00 AEDT → Tuesday 29 December 07:00.
    const state = getOpenState(tenant, at("2026-12-24T07:00:00Z"));
    expect(iso(state.nextOpensAt)).toBe("2026-12-28T20:00:00.000Z");
    // A closure without a reason still reads as closed.
    expect(getOpenState(tenant, at("2026-12-25T23:00:00Z")).closureReason).toBe("closed");
  });

  it("handles several ranges in a day, in any order", () => {
    const tenant = tenantWith({
      hours: {
        mon: ["13:00-17:00", "08:00-12:00"],
        tue: [],
        wed: [],
        thu: [],
        fri: [],
        sat: [],
        sun: [],
      },
    });
    // Monday 30 November 2026, 12:30 AEDT: lunch break.
    const lunch = getOpenState(tenant, at("2026-11-30T01:30:00Z"));
    expect(lunch.isOpen).toBe(false);
    expect(iso(lunch.nextOpensAt)).toBe("2026-11-30T02:00:00.000Z");
    // Monday 09:00 AEDT: morning range closes at noon.
    expect(iso(getOpenState(tenant, at("2026-11-29T22:00:00Z")).closesAt)).toBe(
      "2026-11-30T01:00:00.000Z",
    );
  });

  it("supports ranges that run to midnight", () => {
    const tenant = tenantWith({
      hours: {
        mon: ["00:00-24:00"],
        tue: ["00:00-24:00"],
        wed: [],
        thu: [],
        fri: [],
        sat: [],
        sun: [],
      },
    });
    // Monday 30 November 2026, 23:59 AEDT.
    const state = getOpenState(tenant, at("2026-11-30T12:59:00Z"));
    expect(state.isOpen).toBe(true);
    expect(iso(state.closesAt)).toBe("2026-11-30T13:00:00.000Z");
  });

  it("reports no opening when none falls in the next two weeks", () => {
    const tenant = tenantWith({
      hours: { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] },
    });
    const state = getOpenState(tenant, at("2026-11-24T23:30:00Z"));
    expect(state.isOpen).toBe(false);
    expect(state.nextOpensAt).toBeUndefined();
    expect(describeOpenState(state)).toContain("No opening is scheduled in the next two weeks.");
  });

  describe("Australia/Sydney daylight saving", () => {
    it("finds Monday's opening across the spring-forward weekend (2026-10-04)", () => {
      // Saturday 3 October 2026, 13:00 AEST (UTC+10) → Monday 5 October 07:00 AEDT (UTC+11).
      const state = getOpenState(sydney, at("2026-10-03T03:00:00Z"));
      expect(state.localNow.offset).toBe(600);
      expect(state.isOpen).toBe(false);
      expect(iso(state.nextOpensAt)).toBe("2026-10-04T20:00:00.000Z");
      expect(state.nextOpensAt?.offset).toBe(660);
    });

    it("is open at 07:00 local on the Monday after spring-forward", () => {
      expect(getOpenState(sydney, at("2026-10-04T20:00:00Z")).isOpen).toBe(true);
      expect(getOpenState(sydney, at("2026-10-04T19:30:00Z")).isOpen).toBe(false);
    });

    it("moves an opening inside the skipped hour forward on 2026-10-04", () => {
      const tenant = tenantWith({
        hours: { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: ["02:30-04:00"] },
        closures: [],
      });
      // Sunday 4 October, 01:30 AEST; 02:30 does not exist that night.
      const before = getOpenState(tenant, at("2026-10-03T15:30:00Z"));
      expect(before.isOpen).toBe(false);
      expect(before.nextOpensAt?.toFormat("HH:mm ZZ")).toBe("03:30 +11:00");
      expect(iso(before.nextOpensAt)).toBe("2026-10-03T16:30:00.000Z");
      // 03:15 AEDT is inside the range.
      const during = getOpenState(tenant, at("2026-10-03T16:15:00Z"));
      expect(during.isOpen).toBe(true);
      expect(iso(during.closesAt)).toBe("2026-10-03T17:00:00.000Z");
    });

    it("finds Monday's opening across the fall-back weekend (2027-04-04)", () => {
      // Saturday 3 April 2027, 13:00 AEDT (UTC+11) → Monday 5 April 07:00 AEST (UTC+10).
      const state = getOpenState(sydney, at("2027-04-03T02:00:00Z"));
      expect(state.localNow.offset).toBe(660);
      expect(iso(state.nextOpensAt)).toBe("2027-04-04T21:00:00.000Z");
      expect(state.nextOpensAt?.offset).toBe(600);
      expect(getOpenState(sydney, at("2027-04-04T21:00:00Z")).isOpen).toBe(true);
      expect(getOpenState(sydney, at("2027-04-04T20:30:00Z")).isOpen).toBe(false);
    });

    it("is open in both passes of the repeated hour on 2027-04-04", () => {
      const tenant = tenantWith({
        hours: { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: ["02:00-02:45"] },
        closures: [],
      });
      // 02:30 AEDT (first pass) and 02:30 AEST (second pass) are an hour apart in UTC.
      const first = getOpenState(tenant, at("2027-04-03T15:30:00Z"));
      const second = getOpenState(tenant, at("2027-04-03T16:30:00Z"));
      expect(first.localNow.toFormat("HH:mm ZZ")).toBe("02:30 +11:00");
      expect(second.localNow.toFormat("HH:mm ZZ")).toBe("02:30 +10:00");
      expect(first.isOpen).toBe(true);
      expect(second.isOpen).toBe(true);
      expect(iso(first.closesAt)).toBe("2027-04-03T15:45:00.000Z");
      expect(iso(second.closesAt)).toBe("2027-04-03T16:45:00.000Z");
    });
  });

  describe("a US zone (America/New_York)", () => {
    const newYork = tenantWith({
      timezone: "America/New_York",
      hours: {
        mon: ["09:00-17:00"],
        tue: ["09:00-17:00"],
        wed: ["09:00-17:00"],
        thu: ["09:00-17:00"],
        fri: ["09:00-17:00"],
        sat: [],
        sun: [],
      },
      closures: [{ date: "2026-11-26", reason: "Thanksgiving" }],
    });

    it("evaluates hours in Eastern time", () => {
      // Tuesday 24 November 2026, 10:00 EST (UTC-5).
      const state = getOpenState(newYork, at("2026-11-24T15:00:00Z"));
      expect(state.isOpen).toBe(true);
      expect(iso(state.closesAt)).toBe("2026-11-24T22:00:00.000Z");
      // The same instant is 02:00 Wednesday in Sydney: closed there.
      expect(getOpenState(sydney, at("2026-11-24T15:00:00Z")).isOpen).toBe(false);
    });

    it("skips Thanksgiving", () => {
      // Wednesday 25 November, 18:00 EST → Friday 27 November 09:00 EST.
      const state = getOpenState(newYork, at("2026-11-25T23:00:00Z"));
      expect(iso(state.nextOpensAt)).toBe("2026-11-27T14:00:00.000Z");
    });

    it("finds Monday's opening across spring-forward (2026-03-08)", () => {
      // Friday 6 March 2026, 18:00 EST (UTC-5) → Monday 9 March 09:00 EDT (UTC-4).
      const state = getOpenState(newYork, at("2026-03-06T23:00:00Z"));
      expect(iso(state.nextOpensAt)).toBe("2026-03-09T13:00:00.000Z");
    });

    it("finds Monday's opening across fall-back (2026-11-01)", () => {
      // Friday 30 October 2026, 18:00 EDT → Monday 2 November 09:00 EST (UTC-5).
      const state = getOpenState(newYork, at("2026-10-30T22:00:00Z"));
      expect(iso(state.nextOpensAt)).toBe("2026-11-02T14:00:00.000Z");
    });
  });
});

describe("parseRange", () => {
  it("turns HH:MM-HH:MM into minutes since midnight", () => {
    expect(parseRange("07:30-17:05")).toEqual({ startMinutes: 450, endMinutes: 1025 });
    expect(parseRange("00:00-24:00")).toEqual({ startMinutes: 0, endMinutes: 1440 });
  });
});

describe("describeWeeklyHours", () => {
  it("lists every day with its ranges, closed days included", () => {
    expect(describeWeeklyHours(sydney)).toBe(
      "Monday: 7:00 am to 5:00 pm; Tuesday: 7:00 am to 5:00 pm; Wednesday: 7:00 am to 5:00 pm; " +
        "Thursday: 7:00 am to 5:00 pm; Friday: 7:00 am to 5:00 pm; Saturday: 8:00 am to 12:00 pm; " +
        "Sunday: closed",
    );
  });
});

describe("describeOpenState", () => {
  it("states local time, zone and closing time when open", () => {
    const text = describeOpenState(getOpenState(sydney, at("2026-11-24T23:30:00Z")));
    expect(text).toBe(
      "Current local date and time: Wednesday 25 November 2026, 10:30 am (Australia/Sydney). " +
        "The business is open now, until 5:00 pm today.",
    );
  });
});
