import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { StallFile } from "../../../bench/stall-recorder.js";
import { formatStallSummary, summarizeStalls } from "../../../bench/summarize-stalls.js";

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function recordedBy(...files: StallFile[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "frontdesk-stalls-test-"));
  dirs.push(dir);
  await Promise.all(
    files.map((file, index) => writeFile(join(dir, `${1000 + index}.json`), JSON.stringify(file))),
  );
  return dir;
}

describe("summarizeStalls", () => {
  it("puts each gap down to the slow SQLite call or GC pause that started inside it, else to neither", async () => {
    const dir = await recordedBy(
      {
        gaps: [
          { at: 10_000, ms: 15 }, // a COMMIT started 2 ms in
          { at: 10_100, ms: 8 }, // a major GC started 1 ms in
          { at: 10_200, ms: 7 }, // nothing recorded inside
          { at: 10_300, ms: 9 }, // the GC pause started after it: not its cause
        ],
        slowSql: [{ at: 10_002, ms: 12, sql: "commit" }],
        gcPauses: [
          { at: 10_101, ms: 6, kind: "major" },
          { at: 10_310, ms: 4, kind: "minor" },
        ],
      },
      // A second process (a cluster worker): counted together.
      {
        gaps: [{ at: 10_400, ms: 20 }],
        slowSql: [{ at: 10_405, ms: 4, sql: "insert" }],
        gcPauses: [],
      },
    );

    const summary = await summarizeStalls(dir, { from: 9_000, to: 11_000 });

    expect(summary.gaps).toEqual({ count: 5, maxMs: 20, totalMs: 59 });
    expect(summary.byCause).toEqual({
      sqlite: { count: 2, maxMs: 20 },
      gc: { count: 1, maxMs: 8 },
      other: { count: 2, maxMs: 9 },
    });
    expect(summary.slowSql).toEqual({
      count: 2,
      slowest: [
        { sql: "commit", ms: 12 },
        { sql: "insert", ms: 4 },
      ],
    });
    expect(summary.gcPauses).toEqual({
      major: { count: 1, maxMs: 6 },
      minor: { count: 1, maxMs: 4 },
    });
    expect(formatStallSummary(summary)).toContain(
      "5, 59.0 ms in all, max 20.0 ms; while a slow SQLite call ran 2 (max 20.0 ms), a GC pause ran 1 (max 8.0 ms), neither 2 (max 9.0 ms)",
    );
  });

  it("keeps only what started inside the measured window", async () => {
    const dir = await recordedBy({
      gaps: [
        { at: 500, ms: 300 }, // start-up
        { at: 5_000, ms: 7 },
      ],
      slowSql: [{ at: 600, ms: 250, sql: "create table" }],
      gcPauses: [{ at: 700, ms: 10, kind: "major" }],
    });

    const summary = await summarizeStalls(dir, { from: 1_000, to: 9_000 });

    expect(summary.gaps).toEqual({ count: 1, maxMs: 7, totalMs: 7 });
    expect(summary.slowSql.count).toBe(0);
    expect(summary.gcPauses).toEqual({});
  });
});
