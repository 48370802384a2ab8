import { describe, expect, it } from "vitest";
import { scrubReport } from "../../../src/jobs/workers/purge-expired-content.js";

describe("scrubReport", () => {
  it("drops conversation content and recording links at the top, in artifact and in call", () => {
    const report = {
      endedReason: "customer-ended-call",
      summary: "kept",
      transcript: "AI: Hello",
      recordingUrl: "https://storage.example/r.wav",
      stereoRecordingUrl: "https://storage.example/s.wav",
      analysis: { summary: "kept", structuredData: { urgent: true } },
      compliance: { recordingConsent: { type: "implicit" } },
      artifact: {
        recording: { stereoUrl: "https://storage.example/s.wav" },
        recordingUrl: "https://storage.example/r.wav",
        logUrl: "https://logs.example/l.gz",
        pcapUrl: null,
        performanceMetrics: { turnLatencyAverage: 812 },
      },
      call: { id: "c1", artifact: { messages: [] }, transcript: "AI: Hello" },
    };

    expect(JSON.parse(scrubReport(JSON.stringify(report)) ?? "null")).toEqual({
      endedReason: "customer-ended-call",
      summary: "kept",
      analysis: { summary: "kept", structuredData: { urgent: true } },
      compliance: { recordingConsent: { type: "implicit" } },
      artifact: { performanceMetrics: { turnLatencyAverage: 812 } },
      call: { id: "c1", artifact: {} },
    });
  });

  it("keeps null as null and drops text that is not a JSON object", () => {
    expect(scrubReport(null)).toBeNull();
    expect(scrubReport("not json")).toBeNull();
    expect(scrubReport("[1,2]")).toBeNull();
  });
});
