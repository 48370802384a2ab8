import { describe, expect, it } from "vitest";
import { HEAP_GROWING_PERCENT, heapGrowthFlag } from "../../src/memory-settings.js";

describe("heapGrowthFlag", () => {
  it("limits the old generation's growth when the operator set nothing", () => {
    expect(heapGrowthFlag(undefined, [])).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    expect(heapGrowthFlag("--max-old-space-size=512", ["--enable-source-maps"])).toBe(
      "--heap-growing-percent=20",
    );
  });

  it("leaves the operator's own setting alone, in NODE_OPTIONS or on the command line", () => {
    expect(heapGrowthFlag("--heap-growing-percent=70", [])).toBeUndefined();
    expect(heapGrowthFlag(undefined, ["--heap-growing-percent=35"])).toBeUndefined();
  });
});
