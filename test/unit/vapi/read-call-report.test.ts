import { describe, expect, it } from "vitest";
import { MESSAGE_SCHEMAS } from "../../../src/vapi/messages.js";
import { toIsoTime } from "../../../src/vapi/read-call-parties.js";
import { readCallReport } from "../../../src/vapi/read-call-report.js";
import { endOfCallReport } from "../../fixtures/vapi/end-of-call-report.js";

const parse = (message: Record<string, unknown>) =>
  MESSAGE_SCHEMAS["end-of-call-report"].parse({ type: "end-of-call-report", ...message });

describe("readCallReport", () => {
  it("never fails validation because of an odd field: the field is dropped, the rest is read", () => {
    const result = MESSAGE_SCHEMAS["end-of-call-report"].safeParse({
      type: "end-of-call-report",
      endedReason: 42,
      cost: "0.31",
      costs: "none",
      durationSeconds: null,
      analysis: { summary: ["not", "text"], successEvaluation: { score: 8 } },
      artifact: "missing",
      startedAt: 1763504045100,
      call: { id: "call-1" },
      transcript: "AI: Hello\n",
    });
    if (!result.success) throw result.error;
    const report = readCallReport(result.data, "call-1");
    expect(report).toMatchObject({
      endedReason: undefined,
      cost: undefined,
      summary: undefined,
      successEvaluation: undefined,
      transcript: "AI: Hello\n",
    });
  });

  it("drops a stored-only list or record of the wrong shape and keeps the rest as sent", () => {
    const history = [{ role: "user", message: "Hi", time: 1 }, "odd entry", 7];
    const report = readCallReport(
      parse({
        artifact: { messages: { role: "user" } },
        messages: history,
        costs: [{ type: "model", cost: 0.1 }],
        costBreakdown: [1, 2],
        call: { id: "call-1" },
      }),
      "call-1",
    );
    // The legacy top-level history stands in for the unusable nested one, element for element.
    expect(report.messages).toEqual(history);
    expect(report.costBreakdown).toEqual({
      costs: [{ type: "model", cost: 0.1 }],
      costBreakdown: undefined,
    });
  });

  it("keeps which assistant ran but not the configuration frontdesk built for it", () => {
    const withEcho = readCallReport(
      parse({
        assistant: {
          name: "Harbourside Plumbing Receptionist",
          metadata: { tenantId: "t-1" },
          model: { messages: [{ role: "system", content: "You are Mia." }] },
          voice: { provider: "deepgram" },
        },
        call: { id: "call-1" },
      }),
      "call-1",
    );
    expect((withEcho.report as Record<string, unknown>).assistant).toEqual({
      name: "Harbourside Plumbing Receptionist",
      metadata: { tenantId: "t-1" },
    });

    const withoutEcho = readCallReport(parse({ call: { id: "call-1" } }), "call-1");
    expect(withoutEcho.report).not.toHaveProperty("assistant");
  });

  it("keeps transcripts far longer than ordinary strings", () => {
    const transcript = "User: drip\n".repeat(20_000);
    expect(readCallReport(parse({ artifact: { transcript } }), "c").transcript).toBe(transcript);
  });

  it("reads successEvaluation given as a boolean or number as text", () => {
    expect(
      readCallReport(parse({ analysis: { successEvaluation: true } }), "c").successEvaluation,
    ).toBe("true");
    expect(
      readCallReport(parse({ analysis: { successEvaluation: 8 } }), "c").successEvaluation,
    ).toBe("8");
  });

  it("prefers the call's cost breakdown, then the top-level copy, and takes the cost from its total last", () => {
    const nested = { total: 0.5, stt: 0.1 };
    const topLevel = { total: 0.4 };
    expect(
      readCallReport(
        parse({ call: { id: "c", costBreakdown: nested }, costBreakdown: topLevel }),
        "c",
      ),
    ).toMatchObject({ cost: 0.5, costBreakdown: { costBreakdown: nested } });
    expect(readCallReport(parse({ costBreakdown: topLevel }), "c").cost).toBe(0.4);
    expect(readCallReport(parse({ cost: 0.3, costBreakdown: topLevel }), "c").cost).toBe(0.3);
  });

  it("takes recording URLs from artifact.recording when the flat artifact URLs are missing", () => {
    const report = readCallReport(
      parse({
        artifact: {
          recording: {
            stereoUrl: "https://r/stereo.wav",
            mono: { combinedUrl: "https://r/mono.wav" },
          },
        },
        recordingUrl: "https://legacy/mono.wav",
      }),
      "c",
    );
    expect(report).toMatchObject({
      recordingUrl: "https://r/mono.wav",
      stereoRecordingUrl: "https://r/stereo.wav",
    });
  });

  it("leaves the duration unknown when the end is before the start", () => {
    const report = readCallReport(
      parse({ startedAt: "2026-11-24T23:16:00.000Z", endedAt: "2026-11-24T23:14:00.000Z" }),
      "c",
    );
    expect(report.durationSeconds).toBeUndefined();
  });

  it("does not change the message it reads", () => {
    const message = parse(endOfCallReport().message);
    const copy = structuredClone(message);
    readCallReport(message, "c");
    expect(message).toEqual(copy);
  });
});

describe("toIsoTime", () => {
  it("reads fractional epoch milliseconds and ISO strings, and rejects anything else", () => {
    expect(toIsoTime(1763504055418.999)).toBe("2025-11-18T22:14:15.418Z");
    expect(toIsoTime("2025-11-18T22:14:05.1Z")).toBe("2025-11-18T22:14:05.100Z");
    expect(toIsoTime("yesterday")).toBeUndefined();
    expect(toIsoTime(1e20)).toBeUndefined();
    expect(toIsoTime("")).toBeUndefined();
    expect(toIsoTime(null)).toBeUndefined();
  });
});
