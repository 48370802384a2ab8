import { describe, expect, it } from "vitest";
import {
  findEmergencyTriggers,
  findFreeSlot,
  findServices,
  isoDateAfter,
  pickEmergencyTrigger,
  pickService,
} from "../../../src/simulator/conversation-hints.js";
import { buildStaticPrompt } from "../../../src/tenants/system-prompt.js";
import { buildTenant } from "../../helpers/factories.js";

describe("findFreeSlot", () => {
  it("takes the first time listed under a day, in 24-hour form", () => {
    const text =
      "Free one-hour appointments (Australia/Sydney time): Thursday 26 November (2026-11-26): 1:00 pm, 2:00 pm; Friday 27 November (2026-11-27): 7:00 am.";
    expect(findFreeSlot(text)).toBe("2026-11-26 13:00");
  });

  it("reads noon and midnight correctly", () => {
    expect(findFreeSlot("Monday (2026-11-30): 12:00 pm")).toBe("2026-11-30 12:00");
    expect(findFreeSlot("Monday (2026-11-30): 12:30 am")).toBe("2026-11-30 00:30");
  });

  it("prefers an explicit bookable slot such as the next free time", () => {
    expect(
      findFreeSlot(
        "There are no free appointments on Sunday. The next free time is Monday 30 November at 7:00 am (2026-11-30 07:00).",
      ),
    ).toBe("2026-11-30 07:00");
  });

  it("finds nothing in an answer without times", () => {
    expect(
      findFreeSlot(
        "There are no free appointments between Monday and Friday, nor in the two weeks after.",
      ),
    ).toBeUndefined();
  });
});

describe("hints from the system prompt", () => {
  const tenant = buildTenant();
  const prompt = buildStaticPrompt(tenant, ["create_lead"]);

  it("lists the escalation triggers and services our prompt names", () => {
    expect(findEmergencyTriggers(prompt)).toEqual(["gas smell", "burst pipe", "flooding"]);
    expect(findServices(prompt)).toEqual(tenant.services);
    expect(pickEmergencyTrigger(prompt)).toBe("gas smell");
    expect(pickService(prompt, "blocked drains")).toBe("Blocked drains");
  });

  it("falls back when the prompt is unknown (a saved assistant)", () => {
    expect(pickEmergencyTrigger(undefined)).toBe("gas smell");
    expect(pickService(undefined, "blocked drains")).toBeUndefined();
  });
});

describe("isoDateAfter", () => {
  it("counts whole days from the UTC date", () => {
    expect(isoDateAfter(Date.parse("2026-11-24T23:30:00Z"), 10)).toBe("2026-12-04");
  });
});
