import { describe, expect, it } from "vitest";
import {
  E164Schema,
  normalizeE164,
  TenantDocumentSchema,
  TimeRangeSchema,
  toFieldIssues,
  type FieldIssue,
} from "../../../src/tenants/tenant-document.js";

const minimal = {
  id: "harbourside-plumbing",
  name: "Harbourside Plumbing",
  timezone: "Australia/Sydney",
  hours: { mon: ["07:00-17:00"] },
};

function issuesOf(document: unknown): FieldIssue[] {
  const parsed = TenantDocumentSchema.safeParse(document);
  if (parsed.success) throw new Error("expected the document to be rejected");
  return toFieldIssues(parsed.error);
}

const pathsOf = (document: unknown) => issuesOf(document).map((issue) => issue.path);

describe("TenantDocumentSchema", () => {
  it("accepts a minimal document and fills defaults", () => {
    const tenant = TenantDocumentSchema.parse(minimal);
    expect(tenant).toEqual({
      ...minimal,
      phoneNumbers: [],
      hours: { mon: ["07:00-17:00"], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] },
      services: [],
      closures: [],
      faq: [],
      assistant: {},
    });
  });

  it("names the path of every bad field at once", () => {
    const paths = pathsOf({
      id: "Bad Id",
      name: "",
      timezone: "Mars/Olympus_Mons",
      phoneNumbers: [{ number: "+61255501234" }, { number: "0255501234" }],
      hours: { mon: ["07:00-17:00", "17:00-07:00"], fri: ["9-5"] },
      closures: [{ date: "2026-02-30" }, { date: "25/12/2026" }],
      escalation: { number: "call Bob", triggers: [] },
      faq: [{ question: "Fee?", answer: "" }],
      assistant: {
        voice: { provider: "deepgram", voiceId: "nobody" },
        model: { provider: "openai", model: "gpt-2" },
      },
    });
    expect(paths).toEqual(
      expect.arrayContaining([
        "id",
        "name",
        "timezone",
        "phoneNumbers.1.number",
        "hours.mon.1",
        "hours.fri.0",
        "closures.0.date",
        "closures.1.date",
        "escalation.number",
        "faq.0.answer",
        "assistant.voice.voiceId",
        "assistant.model.model",
      ]),
    );
    expect(paths).not.toContain("phoneNumbers.0.number");
    expect(paths).not.toContain("hours.mon.0");
  });

  it("reports missing required fields by name", () => {
    expect(pathsOf({})).toEqual(expect.arrayContaining(["id", "name", "timezone", "hours"]));
  });

  it("rejects unknown keys so typos surface, naming the key", () => {
    const issues = issuesOf({ ...minimal, hour: {} });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.message).toContain("hour");
    const nested = issuesOf({
      ...minimal,
      phoneNumbers: [{ number: "+61255501234", nmuber: "x" }],
    });
    expect(nested[0]?.path).toBe("phoneNumbers.0");
    expect(nested[0]?.message).toContain("nmuber");
    expect(pathsOf({ ...minimal, hours: { mon: [], funday: [] } })).toEqual(["hours"]);
  });

  it("normalises phone numbers to E.164", () => {
    const tenant = TenantDocumentSchema.parse({
      ...minimal,
      phoneNumbers: [
        { number: "+61 2 5550 1234" },
        { number: "+1 (212) 555-0199", vapiPhoneNumberId: "pn-1" },
        { number: "+44.20.7946.0958" },
      ],
      escalation: { number: " +61 491 570 157 " },
      transfer: { number: "+61-2-5550-1299" },
    });
    expect(tenant.phoneNumbers.map((phone) => phone.number)).toEqual([
      "+61255501234",
      "+12125550199",
      "+442079460958",
    ]);
    expect(tenant.escalation?.number).toBe("+61491570157");
    expect(tenant.transfer?.number).toBe("+61255501299");
  });

  it("rejects a number listed twice once normalised, and a repeated Vapi id", () => {
    const issues = issuesOf({
      ...minimal,
      phoneNumbers: [
        { number: "+61255501234", vapiPhoneNumberId: "pn-1" },
        { number: "+61 2 5550 1234" },
        { number: "+61255509999", vapiPhoneNumberId: "pn-1" },
      ],
    });
    expect(issues).toEqual([
      { path: "phoneNumbers.1.number", message: "is listed twice" },
      { path: "phoneNumbers.2.vapiPhoneNumberId", message: "is listed twice" },
    ]);
  });

  it("accepts valid IANA zones only", () => {
    for (const timezone of ["America/New_York", "Europe/London", "UTC", "Australia/Perth"]) {
      expect(TenantDocumentSchema.safeParse({ ...minimal, timezone }).success).toBe(true);
    }
    for (const timezone of ["AEST+10", "Sydney", ""]) {
      expect(pathsOf({ ...minimal, timezone })).toEqual(["timezone"]);
    }
  });

  it("keeps voice choices to the provider's list for Deepgram", () => {
    expect(
      TenantDocumentSchema.safeParse({
        ...minimal,
        assistant: { voice: { provider: "deepgram", voiceId: "hyperion", model: "aura-2" } },
      }).success,
    ).toBe(true);
    expect(
      TenantDocumentSchema.safeParse({
        ...minimal,
        assistant: { voice: { provider: "11labs", voiceId: "any-custom-voice" } },
      }).success,
    ).toBe(true);
    expect(
      pathsOf({ ...minimal, assistant: { voice: { provider: "polly", voiceId: "x" } } }),
    ).toEqual(["assistant.voice.provider"]);
  });

  it("bounds model temperature", () => {
    expect(
      pathsOf({
        ...minimal,
        assistant: { model: { provider: "openai", model: "gpt-4o", temperature: 3 } },
      }),
    ).toEqual(["assistant.model.temperature"]);
  });
});

describe("normalizeE164", () => {
  it("strips spaces, dots, dashes and brackets", () => {
    expect(normalizeE164("+61 (2) 5550-1234")).toBe("+61255501234");
  });

  it("refuses numbers without a country code or with letters", () => {
    for (const value of [
      "0255501234",
      "(02) 5550 1234",
      "61255501234",
      "+0255501234",
      "+61 2 CALL NOW",
      "+123",
      "+1234567890123456",
      "",
    ]) {
      expect(normalizeE164(value)).toBeUndefined();
    }
  });

  it("gives a readable message through the schema", () => {
    const parsed = E164Schema.safeParse("02 5550 1234");
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toBe(
      "must be an E.164 phone number like +61255501234",
    );
  });
});

describe("TimeRangeSchema", () => {
  it.each(["07:00-17:00", "00:00-24:00", "23:00-23:59", "09:15-09:16", "00:00-00:01"])(
    "accepts %s",
    (value) => {
      expect(TimeRangeSchema.safeParse(value).success).toBe(true);
    },
  );

  it.each([
    ["17:00-07:00", "end before start (overnight)"],
    ["09:00-09:00", "empty range"],
    ["7:00-17:00", "single-digit hour"],
    ["07:00 - 17:00", "spaces"],
    ["24:00-24:00", "start at 24:00"],
    ["07:00-24:30", "past midnight"],
    ["07:60-17:00", "minute 60"],
    ["25:00-26:00", "hour 25"],
    ["07:00", "no end"],
    ["07:00-17:00-18:00", "three parts"],
  ])("rejects %s (%s)", (value) => {
    const parsed = TimeRangeSchema.safeParse(value);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toMatch(/HH:MM-HH:MM/);
  });
});

describe("toFieldIssues", () => {
  it("joins paths with dots, prefixes them, and names the root", () => {
    const root = TenantDocumentSchema.safeParse("not an object");
    expect(root.success).toBe(false);
    if (root.success) return;
    expect(toFieldIssues(root.error)[0]?.path).toBe("(root)");
    expect(toFieldIssues(root.error, [3])[0]?.path).toBe("3");

    const nested = TenantDocumentSchema.safeParse({ ...minimal, hours: { tue: ["bad"] } });
    if (nested.success) throw new Error("expected failure");
    expect(toFieldIssues(nested.error, [2])).toEqual([
      { path: "2.hours.tue.0", message: expect.stringMatching(/HH:MM-HH:MM/) },
    ]);
  });
});

describe("normalizeE164 with a bracketed trunk prefix", () => {
  it("drops the (0) after the country code", () => {
    expect(normalizeE164("+61 (0)2 5550 1234")).toBe("+61255501234");
    expect(normalizeE164("+44 (0)20 7946 0958")).toBe("+442079460958");
  });
});
