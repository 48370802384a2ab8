import { describe, expect, it } from "vitest";
import {
  chooseTransferDestination,
  findEscalationTrigger,
} from "../../../src/transfers/choose-transfer-destination.js";

const TRIGGERS = ["gas smell", "burst pipe", "flooding", "smoke"];

describe("findEscalationTrigger", () => {
  it.each([
    ["I can smell gas in the kitchen", "gas smell"],
    ["a pipe has burst under the house", "burst pipe"],
    ["Two pipes burst overnight", "burst pipe"],
    ["the laundry flooded", "flooding"],
    ["there's smoke coming from the heater", "smoke"],
    ["it's smoking!", "smoke"],
  ])("finds a trigger in %j", (text, trigger) => {
    expect(findEscalationTrigger(TRIGGERS, [text])).toBe(trigger);
  });

  it.each(["my tap drips", "What's your gas fitting price?", "the pipe is fine, nothing smells"])(
    "finds nothing in %j",
    (text) => {
      expect(findEscalationTrigger(TRIGGERS, [text])).toBeUndefined();
    },
  );

  it("needs every word of a trigger in the same turn", () => {
    expect(findEscalationTrigger(TRIGGERS, ["the gas bill", "a weird smell"])).toBeUndefined();
  });
});

describe("chooseTransferDestination", () => {
  const escalation = { number: "+61491570157", triggers: TRIGGERS };
  const transfer = { number: "+61255501299", message: "Connecting you to the office." };

  it("sends an emergency to the escalation number with the matched trigger", () => {
    expect(chooseTransferDestination({ escalation, transfer }, ["water is flooding in"])).toEqual({
      kind: "emergency",
      number: "+61491570157",
      message: "Putting you through to our emergency line now.",
      reason: "flooding",
    });
  });

  it("sends anything else to the front desk with the tenant's message", () => {
    expect(chooseTransferDestination({ escalation, transfer }, ["can I talk to someone"])).toEqual({
      kind: "front-desk",
      number: "+61255501299",
      message: "Connecting you to the office.",
      reason: undefined,
    });
  });

  it("falls back to the escalation number, and to nothing without either", () => {
    expect(chooseTransferDestination({ escalation, transfer: undefined }, ["hello"])?.number).toBe(
      "+61491570157",
    );
    expect(
      chooseTransferDestination({ escalation: undefined, transfer: undefined }, ["gas smell"]),
    ).toBeUndefined();
  });
});
