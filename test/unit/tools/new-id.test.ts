import { describe, expect, it } from "vitest";
import { newId, speakableReference } from "../../../src/tools/new-id.js";

const CROCKFORD = "[0-9A-HJKMNP-TV-Z]";

describe("newId", () => {
  it("is the prefix, nine characters of time and twelve random ones", () => {
    expect(newId("ld", Date.UTC(2026, 11, 6))).toMatch(new RegExp(`^ld_${CROCKFORD}{21}$`));
  });

  it("sorts by creation time, whatever the random part", () => {
    const times = [
      0,
      1,
      31,
      32,
      1_000,
      Date.UTC(2026, 0, 1),
      Date.UTC(2026, 0, 1) + 1,
      2 ** 45 - 1,
    ];
    const ids = times.map((time) => newId("bk", time));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids.map((id) => id.slice(3, 12))).size).toBe(times.length);
  });

  it("gives distinct ids and references within one millisecond", () => {
    const ids = Array.from({ length: 1000 }, () => newId("msg", 1_765_000_000_000));
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids.map(speakableReference)).size).toBeGreaterThan(990);
  });
});

describe("speakableReference", () => {
  it("reads six characters of the random part, not the time", () => {
    const id = newId("ld", 1_765_000_000_000);
    expect(speakableReference(id)).toBe(id.slice(12, 18));
    expect(speakableReference(id)).toMatch(new RegExp(`^${CROCKFORD}{6}$`));
  });

  it("keeps the first six characters for ids made before the time prefix", () => {
    expect(speakableReference("ld_7F2KX9QD3M1P")).toBe("7F2KX9");
  });
});
