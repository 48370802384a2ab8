import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { ticksPerSecond } from "./child-server.js";

/**
 * CPU time all processes on the machine have used since boot (user, nice, system, irq,
 * softirq, steal from /proc/stat), in ms. The difference over a run, minus the server's and the
 * load generator's own CPU time, is what other processes took from the shared cores.
 */
export function readMachineBusyCpuMs(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0] ?? "";
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  const ticks = [user, nice, system, irq, softirq, steal].reduce<number>(
    (sum, value) => sum + (value ?? 0),
    0,
  );
  return (ticks * 1000) / ticksPerSecond();
}

export interface QuietWaitOptions {
  /** Give up waiting after this long and run anyway. */
  maxWaitMs: number;
  /** "Quiet" means the whole machine used less than this much CPU per second (ms/s). */
  busyThresholdMsPerSecond: number;
}

// Test runs start in bursts; two quiet seconds in a row are a better sign than one.
const QUIET_SECONDS_NEEDED = 2;

/**
 * Waits until the machine has been quiet for a couple of seconds, so other work (a test run, a
 * build) does not share the cores with the benchmark. Returns the busy CPU of the last second,
 * in ms/s (above the threshold when it gave up).
 */
export async function waitForQuietMachine(options: QuietWaitOptions): Promise<number> {
  const giveUpAt = Date.now() + options.maxWaitMs;
  let quietSeconds = 0;
  for (;;) {
    const before = readMachineBusyCpuMs();
    await sleep(1000);
    const busy = readMachineBusyCpuMs() - before;
    quietSeconds = busy < options.busyThresholdMsPerSecond ? quietSeconds + 1 : 0;
    if (quietSeconds >= QUIET_SECONDS_NEEDED || Date.now() >= giveUpAt) return busy;
  }
}
