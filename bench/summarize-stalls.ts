import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { StallFile, StallRecord } from "./stall-recorder.js";

interface CauseTally {
  count: number;
  maxMs: number;
}

export interface StallSummary {
  /** Event-loop gaps over 6 ms in the window, all processes together. */
  gaps: CauseTally & { totalMs: number };
  /** The same gaps by what overlapped them. */
  byCause: { sqlite: CauseTally; gc: CauseTally; other: CauseTally };
  /** SQLite calls over 3 ms in the window: count, and the slowest few. */
  slowSql: { count: number; slowest: { sql: string; ms: number }[] };
  /** GC pauses over 3 ms in the window, by kind. */
  gcPauses: Record<string, CauseTally>;
}

/**
 * Reads what the server's processes recorded (stall-recorder.ts) and keeps what happened between
 * `from` and `to` (epoch ms). A gap is put down to a slow SQLite call or a GC pause when one
 * started inside it, else to "other": the loop running many requests back to back, or the
 * process waiting for a core.
 */
export async function summarizeStalls(
  dir: string,
  window: { from: number; to: number },
): Promise<StallSummary> {
  const files = (await readdir(dir)).filter((name) => name.endsWith(".json"));
  const inWindow = <T extends StallRecord>(records: T[]) =>
    records.filter((record) => record.at >= window.from && record.at <= window.to);
  const summary: StallSummary = {
    gaps: { count: 0, maxMs: 0, totalMs: 0 },
    byCause: { sqlite: tally(), gc: tally(), other: tally() },
    slowSql: { count: 0, slowest: [] },
    gcPauses: {},
  };
  const slowSql: { sql: string; ms: number }[] = [];
  for (const name of files) {
    const file = JSON.parse(await readFile(join(dir, name), "utf8")) as StallFile;
    const sql = inWindow(file.slowSql);
    const gc = inWindow(file.gcPauses);
    slowSql.push(...sql.map(({ sql: text, ms }) => ({ sql: text, ms })));
    for (const pause of gc) add((summary.gcPauses[pause.kind] ??= tally()), pause.ms);
    for (const gap of inWindow(file.gaps)) {
      add(summary.gaps, gap.ms);
      summary.gaps.totalMs += gap.ms;
      // The recorder notes a gap at the last tick before it; what held the loop started after.
      const within = (record: StallRecord) =>
        record.at >= gap.at - 1 && record.at <= gap.at + gap.ms;
      const cause = sql.some(within) ? "sqlite" : gc.some(within) ? "gc" : "other";
      add(summary.byCause[cause], gap.ms);
    }
  }
  summary.slowSql = {
    count: slowSql.length,
    slowest: slowSql.sort((a, b) => b.ms - a.ms).slice(0, 3),
  };
  return summary;
}

export function formatStallSummary(summary: StallSummary): string {
  const ms = (value: number) => value.toFixed(1);
  const cause = (label: string, entry: CauseTally) =>
    `${label} ${entry.count}${entry.count > 0 ? ` (max ${ms(entry.maxMs)} ms)` : ""}`;
  const { gaps, byCause } = summary;
  const gc = Object.entries(summary.gcPauses)
    .map(([kind, entry]) => `${kind} ${entry.count} (max ${ms(entry.maxMs)} ms)`)
    .join(", ");
  const slowest = summary.slowSql.slowest
    .map((entry) => `${ms(entry.ms)} ms ${entry.sql}`)
    .join("; ");
  return [
    `- event-loop gaps over 6 ms (--stalls, measured window): ${gaps.count}, ${ms(gaps.totalMs)} ms in all${gaps.count > 0 ? `, max ${ms(gaps.maxMs)} ms` : ""}; while ${cause("a slow SQLite call ran", byCause.sqlite)}, ${cause("a GC pause ran", byCause.gc)}, ${cause("neither", byCause.other)}`,
    `- SQLite calls over 3 ms: ${summary.slowSql.count}${slowest === "" ? "" : `; slowest: ${slowest}`}; GC pauses over 3 ms: ${gc || "none"}`,
  ].join("\n");
}

function tally(): CauseTally {
  return { count: 0, maxMs: 0 };
}

function add(entry: CauseTally, ms: number): void {
  entry.count += 1;
  entry.maxMs = Math.max(entry.maxMs, ms);
}
