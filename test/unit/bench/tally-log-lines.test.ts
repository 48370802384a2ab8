import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { tallyCanonicalLines } from "../../../bench/tally-log-lines.js";

let directory: string | undefined;
afterEach(async () => {
  if (directory !== undefined) await rm(directory, { recursive: true, force: true });
  directory = undefined;
});

async function logFile(lines: unknown[]): Promise<string> {
  directory = await mkdtemp(join(tmpdir(), "frontdesk-tally-"));
  const file = join(directory, "server.log");
  await writeFile(file, lines.map((line) => JSON.stringify(line)).join("\n") + "\nnot json\n");
  return file;
}

describe("tallyCanonicalLines", () => {
  it("counts canonical lines by outcome, cache tier and whether a thread read the body", async () => {
    const file = await logFile([
      { msg: "vapi webhook", outcome: "tool-results", cacheTier: "memory", bodyRead: "thread" },
      { msg: "vapi webhook", outcome: "tool-results", cacheTier: "memory", bodyRead: "thread" },
      { msg: "vapi webhook", outcome: "tool-results", cacheTier: "memory" },
      { msg: "vapi webhook", outcome: "call-report-stored" },
      { msg: "something else", outcome: "tool-results" },
    ]);
    expect(await tallyCanonicalLines(file)).toEqual({
      "tool-results (cache memory) [read on a thread]": 2,
      "tool-results (cache memory)": 1,
      "call-report-stored": 1,
    });
  });
});
