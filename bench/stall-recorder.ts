/*
 * Preloaded into the frontdesk server by `npm run bench -- --stalls` (NODE_OPTIONS `--import`):
 * records what held the event loop up, so a run's p99 can be read against its causes.
 *
 * - Gaps: a 1 ms interval timer notes every time it fired more than 6 ms after the last time
 *   (the loop was busy, or the process was not running).
 * - Slow SQLite calls: every better-sqlite3 statement, pragma and exec that took over 3 ms
 *   (a COMMIT that ran SQLite's automatic checkpoint, typically).
 * - GC pauses over 3 ms, from the `gc` performance entries.
 *
 * Each process writes `<pid>.json` into BENCH_STALLS_DIR when it exits. Timestamps are epoch ms,
 * so the harness can keep only those inside the measured window. The timer costs the server a
 * wake-up per millisecond: runs with --stalls are for reading causes, not for comparing CPU.
 */
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { PerformanceObserver, performance, type PerformanceEntry } from "node:perf_hooks";
import type BetterSqlite3 from "better-sqlite3";

export interface StallRecord {
  /** Epoch ms when it started. */
  at: number;
  ms: number;
}

export interface StallFile {
  gaps: StallRecord[];
  slowSql: (StallRecord & { sql: string })[];
  gcPauses: (StallRecord & { kind: string })[];
}

const GAP_MS = 6;
const SLOW_MS = 3;

function start(dir: string): void {
  const file: StallFile = { gaps: [], slowSql: [], gcPauses: [] };
  // performance.now() is cheaper to read than Date.now() and monotonic; converted once.
  const toEpoch = (now: number) => Math.round(performance.timeOrigin + now);

  const require = createRequire(join(process.cwd(), "package.json"));
  const Database = require("better-sqlite3") as typeof BetterSqlite3;
  const timed = <T extends object>(
    target: T,
    name: keyof T,
    sqlOf: (self: T, args: unknown[]) => string,
  ) => {
    const original = target[name] as (...args: unknown[]) => unknown;
    target[name] = function (this: T, ...args: unknown[]) {
      const started = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        const ms = performance.now() - started;
        if (ms > SLOW_MS)
          file.slowSql.push({ at: toEpoch(started), ms, sql: sqlOf(this, args).slice(0, 60) });
      }
    } as T[keyof T];
  };
  // Taken off the prototype to be called with each database as `this`.
  const prepare = Reflect.get(Database.prototype, "prepare") as (
    this: BetterSqlite3.Database,
    source: string,
  ) => BetterSqlite3.Statement;
  let statementsTimed = false;
  Database.prototype.prepare = function (this: BetterSqlite3.Database, source: string) {
    const statement = prepare.call(this, source);
    if (!statementsTimed) {
      statementsTimed = true;
      const proto = Object.getPrototypeOf(statement) as BetterSqlite3.Statement;
      for (const name of ["run", "get", "all"] as const) timed(proto, name, (self) => self.source);
    }
    return statement;
  } as BetterSqlite3.Database["prepare"];
  timed(Database.prototype, "pragma", (_self, args) => `pragma ${String(args[0])}`);
  timed(Database.prototype, "exec", (_self, args) => String(args[0]));

  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.duration <= SLOW_MS) continue;
      const { detail } = entry as PerformanceEntry & { detail?: { kind?: number } };
      const kind = detail?.kind;
      file.gcPauses.push({ at: toEpoch(entry.startTime), ms: entry.duration, kind: gcKind(kind) });
    }
  }).observe({ entryTypes: ["gc"] });

  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    if (now - last > GAP_MS) file.gaps.push({ at: toEpoch(last), ms: now - last });
    last = now;
  }, 1).unref();

  process.on("exit", () => {
    writeFileSync(join(dir, `${process.pid}.json`), JSON.stringify(file));
  });
}

function gcKind(kind: number | undefined): string {
  // perf_hooks constants NODE_PERFORMANCE_GC_*.
  switch (kind) {
    case 1:
      return "minor";
    case 4:
      return "major";
    case 8:
      return "incremental";
    case 16:
      return "weak callbacks";
    default:
      return "other";
  }
}

const dir = process.env.BENCH_STALLS_DIR;
// Only the server itself: the tenant import the harness runs first shares its environment.
if (dir !== undefined && process.argv.includes("serve")) start(dir);
