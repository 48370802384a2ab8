import { describe, expect, it } from "vitest";
import { mapIssuesToFields } from "../../../src/dashboard/tenant-editor.js";

describe("mapIssuesToFields", () => {
  it("puts each schema issue next to the form field it concerns", () => {
    const { byField, general } = mapIssuesToFields([
      { path: "name", message: "too long" },
      { path: "hours.mon.1", message: "bad range" },
      { path: "services.2", message: "too long" },
      { path: "escalation.triggers.0", message: "empty" },
      { path: "transfer.number", message: "not E.164" },
      { path: "retentionDays", message: "too big" },
    ]);
    expect(Object.fromEntries(byField)).toEqual({
      name: ["too long"],
      "hours.mon": ["range 2: bad range"],
      services: ["line 3: too long"],
      "escalation.triggers": ["line 1: empty"],
      "transfer.number": ["not E.164"],
    });
    expect(general).toEqual(["retentionDays: too big"]);
  });
});
