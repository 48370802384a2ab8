import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "../../../src/clock.js";
import { assistantRequest } from "../../fixtures/vapi/builders.js";
import { signHmac } from "../../helpers/sign.js";
import { startTestServer, type TestServer } from "../../helpers/start-server.js";

/*
 * Does a wrong credential's answer time depend on how close it was to the right one?
 *
 * The real guarantee is in the code, not here: verify-signature.ts compares shared secrets with
 * a branch-free loop whose work depends only on the accepted secret's length, against every
 * accepted secret without an early return, and HMAC signatures with timingSafeEqual over
 * equal-length digests (a signature of another length is refused by a length check on a public
 * size). The comparison itself takes microseconds; a request over loopback takes a millisecond
 * or more, with scheduling noise on a busy 2-core machine far larger than any byte-by-byte
 * leak. So this measurement can only catch a gross difference: a code path that answers some
 * wrong secrets early (before the tenant lookup, say) or does visibly more work for a near miss.
 * It interleaves the variants in a shuffled order every round and divides each time by the
 * median of its own round, so drift in machine load (other test files on the same cores) hits
 * all of them alike; then it compares the medians of those ratios, which ignore the long tail of
 * scheduling stalls, with a generous 1.5x bound. STYLE.md keeps timing claims in bench/; this is a guard, not a claim.
 */

const NOW_MS = Date.parse("2026-11-24T23:30:00Z");
const SECRET = "timing-secret-Qm7Vx2Kp9Lr4Tz8W"; // 32 characters
const HMAC_KEY = "timing-hmac-key-Hd3Jf6Ns1Pw5Yc9B";
const WARMUP_ROUNDS = 20;
const ROUNDS = 120;
const MAX_MEDIAN_RATIO = 1.5;

const BODY = JSON.stringify(assistantRequest({ number: "+61255500000" }));
const signed = signHmac(BODY, { secret: HMAC_KEY, timestamp: NOW_MS / 1000 });
const signature = signed["x-signature"] ?? "";
const timestamp = signed["x-timestamp"] ?? "";

const replaceAt = (text: string, at: number, by: string) =>
  `${text.slice(0, at)}${text[at] === by ? "0" : by}${text.slice(at + 1)}`;

const VARIANTS: Record<"secret" | "hmac", Record<string, Record<string, string>>> = {
  secret: {
    "same length, all different": { "x-vapi-secret": "Z".repeat(SECRET.length) },
    "wrong first byte": { "x-vapi-secret": replaceAt(SECRET, 0, "X") },
    "wrong last byte": { "x-vapi-secret": replaceAt(SECRET, SECRET.length - 1, "X") },
    "shorter (8)": { "x-vapi-secret": SECRET.slice(0, 8) },
    "longer (256)": { "x-vapi-secret": SECRET.padEnd(256, "x") },
  },
  hmac: {
    "signature, wrong first byte": {
      "x-signature": replaceAt(signature, 0, "f"),
      "x-timestamp": timestamp,
    },
    "signature, wrong last byte": {
      "x-signature": replaceAt(signature, signature.length - 1, "f"),
      "x-timestamp": timestamp,
    },
    "signature, half length": { "x-signature": signature.slice(0, 32), "x-timestamp": timestamp },
  },
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

describe("webhook authentication timing", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      // Only errors: every rejection writes the same warn line, but nothing to the sink is
      // cheaper and quieter for the measurement.
      env: { LOG_LEVEL: "error", VAPI_SECRET: SECRET, VAPI_HMAC_SECRET: HMAC_KEY },
      clock: fixedClock(NOW_MS),
    });
  });
  afterAll(async () => {
    await server.close();
  });

  async function timeOne(headers: Record<string, string>): Promise<number> {
    const started = performance.now();
    const response = await server.postWebhook(BODY, headers);
    await response.arrayBuffer();
    const elapsed = performance.now() - started;
    expect(response.status).toBe(401);
    return elapsed;
  }

  it(
    "answers every kind of wrong credential in about the same median time",
    { timeout: 120_000 },
    async ({ annotate }) => {
      const all = Object.values(VARIANTS).flatMap((group) => Object.entries(group));
      const samples = new Map<string, number[]>(all.map(([name]) => [name, []]));
      for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round += 1) {
        const times = new Map<string, number>();
        for (const [name, headers] of shuffle([...all])) times.set(name, await timeOne(headers));
        if (round < WARMUP_ROUNDS) continue;
        const roundMedian = median([...times.values()]);
        for (const [name, elapsed] of times) samples.get(name)?.push(elapsed / roundMedian);
      }

      for (const [group, variants] of Object.entries(VARIANTS)) {
        const medians = Object.keys(variants).map((name) => ({
          name,
          relativeMedian: median(samples.get(name) ?? []),
        }));
        const fastest = Math.min(...medians.map((entry) => entry.relativeMedian));
        const slowest = Math.max(...medians.map((entry) => entry.relativeMedian));
        await annotate(
          `${group}: ${medians.map((entry) => `${entry.name} ${entry.relativeMedian.toFixed(3)}× the round's median`).join(", ")}; ratio ${(slowest / fastest).toFixed(2)}`,
        );
        expect(slowest / fastest, JSON.stringify(medians)).toBeLessThanOrEqual(MAX_MEDIAN_RATIO);
      }
    },
  );
});
