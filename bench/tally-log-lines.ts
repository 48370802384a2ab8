import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";

/**
 * Counts the server's canonical "vapi webhook" log lines by outcome, cache tier and where the
 * body was read, so an info-level run shows what the server did with each request (e.g. every
 * report stored, and read on a thread with WEBHOOK_READ_THREADS), not only that it answered
 * 200. Read after the run, so it costs the measurement nothing.
 */
export async function tallyCanonicalLines(file: string): Promise<Record<string, number>> {
  const counts = new Map<string, number>();
  const lines = createInterface({ input: createReadStream(file, "utf8"), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.includes('"vapi webhook"')) continue;
    let entry: { msg?: unknown; outcome?: unknown; cacheTier?: unknown; bodyRead?: unknown };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue;
    }
    if (entry.msg !== "vapi webhook") continue;
    const tier = typeof entry.cacheTier === "string" ? ` (cache ${entry.cacheTier})` : "";
    const thread = entry.bodyRead === "thread" ? " [read on a thread]" : "";
    const key = `${typeof entry.outcome === "string" ? entry.outcome : "?"}${tier}${thread}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return Object.fromEntries(counts);
}
