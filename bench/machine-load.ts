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

/**
 * Waits until the machine has been quiet for one second, so other work (a test run, a build)
 * does not share the cores with the benchmark. Returns the busy CPU of the last second, ms/s.
 */
export async function waitForQuietMachine(options: QuietWaitOptions): Promise<number> {
  const giveUpAt = Date.now() + options.maxWaitMs;
  for (;;) {
    const before = readMachineBusyCpuMs();
    await sleep(1000);
    const busy = readMachineBusyCpuMs() - before;
    if (busy < options.busyThresholdMsPerSecond || Date.now() >= giveUpAt) return busy;
  }
}
