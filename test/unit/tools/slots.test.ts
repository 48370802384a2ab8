import { describe, expect, it } from "vitest";
import { describeFreeSlots } from "../../../src/tools/describe-slots.js";
import {
  computeFreeSlots,
  daysInclusive,
  localDates,
  parseSlotStart,
  slotsOnDate,
  type SlotRules,
} from "../../../src/tools/slots.js";

const SYDNEY = "Australia/Sydney";

function rules(overrides: Partial<SlotRules> = {}): SlotRules {
  return {
    timezone: SYDNEY,
    hours: {
      mon: ["07:00-17:00"],
      tue: ["07:00-17:00"],
      wed: ["07:00-17:00"],
      thu: ["07:00-17:00"],
      fri: ["07:00-17:00"],
      sat: ["08:00-12:00"],
      sun: [],
    },
    closedDates: new Set(["2026-12-25"]),
    slotMinutes: 60,
    leadTimeMinutes: 0,
    ...overrides,
  };
}

const iso = (ms: number) => new Date(ms).toISOString();
const startsOf = (slots: { startMs: number }[]) => slots.map((slot) => iso(slot.startMs));

describe("slotsOnDate", () => {
  it("cuts a weekday's opening hours into back-to-back slots in local time", () => {
    // Wednesday 25 November 2026, AEDT (UTC+11).
    const slots = slotsOnDate(rules(), "2026-11-25");
    expect(slots).toHaveLength(10);
    expect(iso(slots[0]?.startMs ?? 0)).toBe("2026-11-24T20:00:00.000Z"); // 07:00 local
    expect(iso(slots[9]?.endMs ?? 0)).toBe("2026-11-25T06:00:00.000Z"); // 17:00 local
  });

  it("offers nothing on a closure date or a day without hours", () => {
    expect(slotsOnDate(rules(), "2026-12-25")).toEqual([]);
    expect(slotsOnDate(rules(), "2026-11-29")).toEqual([]); // Sunday
  });

  it("drops a trailing slot that would run past closing time", () => {
    const slots = slotsOnDate(rules({ slotMinutes: 90 }), "2026-11-25");
    // 07:00, 08:30, 10:00, 11:30, 13:00, 14:30 (ends 16:00); 16:00 would end at 17:30.
    expect(slots).toHaveLength(6);
  });

  it("treats 24:00 as midnight and does not repeat starts of overlapping ranges", () => {
    const slots = slotsOnDate(
      rules({ hours: { ...rules().hours, wed: ["20:00-24:00", "21:00-23:00"] } }),
      "2026-11-25",
    );
    expect(startsOf(slots)).toEqual([
      "2026-11-25T09:00:00.000Z",
      "2026-11-25T10:00:00.000Z",
      "2026-11-25T11:00:00.000Z",
      "2026-11-25T12:00:00.000Z",
    ]);
  });

  it("keeps one-hour slots one real hour long when clocks spring forward (Sydney, 4 Oct 2026)", () => {
    // 02:00 AEST jumps to 03:00 AEDT: six wall-clock hours hold five real ones.
    const night = rules({ hours: { ...rules().hours, sun: ["00:00-06:00"] } });
    const slots = slotsOnDate(night, "2026-10-04");
    expect(startsOf(slots)).toEqual([
      "2026-10-03T14:00:00.000Z", // 00:00 AEST
      "2026-10-03T15:00:00.000Z", // 01:00 AEST
      "2026-10-03T16:00:00.000Z", // 03:00 AEDT
      "2026-10-03T17:00:00.000Z", // 04:00 AEDT
      "2026-10-03T18:00:00.000Z", // 05:00 AEDT
    ]);
    for (const slot of slots) expect(slot.endMs - slot.startMs).toBe(3_600_000);
  });

  it("moves an opening time inside the spring-forward gap to the first real minute", () => {
    const gap = rules({ hours: { ...rules().hours, sun: ["02:30-05:00"] } });
    // 02:30 does not exist on 4 Oct 2026; it becomes 03:30 AEDT, leaving one slot before 05:00.
    expect(startsOf(slotsOnDate(gap, "2026-10-04"))).toEqual(["2026-10-03T16:30:00.000Z"]);
  });

  it("offers the repeated hour when clocks fall back (Sydney, 4 Apr 2027)", () => {
    // 03:00 AEDT falls back to 02:00 AEST: six wall-clock hours hold seven real ones.
    const night = rules({ hours: { ...rules().hours, sun: ["00:00-06:00"] } });
    const slots = slotsOnDate(night, "2027-04-04");
    expect(startsOf(slots)).toEqual([
      "2027-04-03T13:00:00.000Z", // 00:00 AEDT
      "2027-04-03T14:00:00.000Z", // 01:00 AEDT
      "2027-04-03T15:00:00.000Z", // 02:00 AEDT
      "2027-04-03T16:00:00.000Z", // 02:00 AEST
      "2027-04-03T17:00:00.000Z", // 03:00 AEST
      "2027-04-03T18:00:00.000Z", // 04:00 AEST
      "2027-04-03T19:00:00.000Z", // 05:00 AEST
    ]);
  });

  it("keeps business-hours slots at their wall-clock times across the DST change", () => {
    // Monday 5 Oct 2026 is the first weekday on AEDT; Friday 2 Oct is the last on AEST.
    expect(iso(slotsOnDate(rules(), "2026-10-02")[0]?.startMs ?? 0)).toBe(
      "2026-10-01T21:00:00.000Z",
    );
    expect(iso(slotsOnDate(rules(), "2026-10-05")[0]?.startMs ?? 0)).toBe(
      "2026-10-04T20:00:00.000Z",
    );
  });
});

describe("computeFreeSlots", () => {
  const wednesday = { fromDate: "2026-11-25", toDate: "2026-11-25", busy: [] };

  it("never offers a slot that has started or passed", () => {
    // 10:30 local: 07:00–10:00 starts are gone, 11:00 is the first.
    const nowMs = Date.parse("2026-11-24T23:30:00Z");
    const free = computeFreeSlots(rules(), { ...wednesday, nowMs });
    expect(iso(free[0]?.startMs ?? 0)).toBe("2026-11-25T00:00:00.000Z");
    expect(free).toHaveLength(6);
  });

  it("applies the lead time on top of now", () => {
    const nowMs = Date.parse("2026-11-24T23:30:00Z");
    const free = computeFreeSlots(rules({ leadTimeMinutes: 120 }), { ...wednesday, nowMs });
    expect(iso(free[0]?.startMs ?? 0)).toBe("2026-11-25T02:00:00.000Z"); // 13:00 local
  });

  it("leaves out every slot that overlaps a booking", () => {
    const nowMs = Date.parse("2026-11-01T00:00:00Z");
    const busy = [
      // 09:00–10:00 exactly, and a 90-minute booking 13:30–15:00 covering two slots partly.
      { startMs: Date.parse("2026-11-24T22:00:00Z"), endMs: Date.parse("2026-11-24T23:00:00Z") },
      { startMs: Date.parse("2026-11-25T02:30:00Z"), endMs: Date.parse("2026-11-25T04:00:00Z") },
    ];
    const free = computeFreeSlots(rules(), { ...wednesday, nowMs, busy });
    const starts = startsOf(free);
    expect(starts).not.toContain("2026-11-24T22:00:00.000Z");
    expect(starts).not.toContain("2026-11-25T02:00:00.000Z");
    expect(starts).not.toContain("2026-11-25T03:00:00.000Z");
    expect(starts).toContain("2026-11-25T04:00:00.000Z");
    expect(free).toHaveLength(7);
  });

  it("spans several local days and skips closures", () => {
    const nowMs = Date.parse("2026-12-01T00:00:00Z");
    const free = computeFreeSlots(rules(), {
      fromDate: "2026-12-24",
      toDate: "2026-12-26",
      nowMs,
      busy: [],
    });
    // Thursday 24th: 10, Friday 25th: closed, Saturday 26th: 4.
    expect(free).toHaveLength(14);
  });
});

describe("date helpers", () => {
  it("lists local dates inclusively and counts days across a DST change", () => {
    expect(localDates(SYDNEY, "2026-10-03", "2026-10-05")).toEqual([
      "2026-10-03",
      "2026-10-04",
      "2026-10-05",
    ]);
    expect(daysInclusive(SYDNEY, "2026-10-01", "2026-10-14")).toBe(14);
    expect(daysInclusive(SYDNEY, "2027-04-01", "2027-04-15")).toBe(15);
  });
});

describe("parseSlotStart", () => {
  const oneOClock = Date.parse("2026-11-25T02:00:00Z");

  it.each([
    "2026-11-25 13:00",
    "2026-11-25T13:00",
    "2026-11-25 1:00 pm",
    "2026-11-25 1:00PM",
    "2026-11-25T13:00:00+11:00",
    "2026-11-25T02:00:00Z",
    "2026-11-25T02:00:00.000Z",
  ])("reads %s as 1 pm Sydney time", (input) => {
    expect(parseSlotStart(input, SYDNEY)).toBe(oneOClock);
  });

  it.each([
    "tomorrow at one",
    "2026-11-25",
    "2026-13-01 10:00",
    "2026-11-25 25:00",
    "2026-11-25 13:00 pm",
  ])("rejects %s", (input) => {
    expect(parseSlotStart(input, SYDNEY)).toBeUndefined();
  });
});

describe("describeFreeSlots", () => {
  it("groups times by day with the ISO date, on one line", () => {
    const nowMs = Date.parse("2026-11-01T00:00:00Z");
    const free = computeFreeSlots(rules(), {
      fromDate: "2026-11-27",
      toDate: "2026-11-28",
      nowMs,
      busy: [],
    });
    const text = describeFreeSlots(free, SYDNEY, nowMs);
    expect(text).toContain("Friday 27 November (2026-11-27): 7:00 am, 8:00 am");
    expect(text).toContain("1:00 pm, 2:00 pm, plus 2 later times;");
    expect(text).toContain(
      "Saturday 28 November (2026-11-28): 8:00 am, 9:00 am, 10:00 am and 11:00 am",
    );
    expect(text).not.toMatch(/\n/);
  });

  it("tells the two 2:00 am slots apart on the day clocks fall back", () => {
    const night = rules({ hours: { ...rules().hours, sun: ["01:00-04:00"] } });
    const text = describeFreeSlots(
      slotsOnDate(night, "2027-04-04"),
      SYDNEY,
      Date.parse("2027-01-01"),
    );
    expect(text).toContain("2:00 am daylight time, 2:00 am standard time");
  });
});
