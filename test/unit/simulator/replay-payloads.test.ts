import { describe, expect, it } from "vitest";
import { parseCapturedPayloads } from "../../../src/simulator/replay-payloads.js";
import { resolveWebhookUrl } from "../../../src/simulator/webhook-client.js";

describe("parseCapturedPayloads", () => {
  it("sends a single envelope with the file's own bytes", () => {
    const text = '{ "message": { "type": "hang", "call": { "id": "c1" } } }\n';
    const { payloads, problems } = parseCapturedPayloads(text, "hang.json");
    expect(problems).toEqual([]);
    expect(payloads).toEqual([
      {
        source: "hang.json",
        payload: { message: { type: "hang", call: { id: "c1" } } },
        rawBody: text.trim(),
      },
    ]);
  });

  it("wraps a bare message as the Vapi dashboard shows it", () => {
    const { payloads } = parseCapturedPayloads(
      '{"type":"status-update","status":"ended"}',
      "status.json",
    );
    expect(payloads[0]?.payload).toEqual({ message: { type: "status-update", status: "ended" } });
    expect(payloads[0]?.rawBody).toBe('{"message":{"type":"status-update","status":"ended"}}');
  });

  it("reads a JSON array and NDJSON, naming each entry", () => {
    const array = parseCapturedPayloads(
      JSON.stringify([{ type: "hang" }, { message: { type: "transcript" } }]),
      "a.json",
    );
    expect(array.payloads.map((entry) => entry.source)).toEqual(["a.json[0]", "a.json[1]"]);
    const lines = parseCapturedPayloads(
      '{"type":"hang"}\n\n{"message":{"type":"transcript"}}\n',
      "log.ndjson",
    );
    expect(lines.payloads.map((entry) => [entry.source, entry.payload.message.type])).toEqual([
      ["log.ndjson:1", "hang"],
      ["log.ndjson:3", "transcript"],
    ]);
  });

  it("accepts a tool-calls message without a type, as Vapi's SDK allows", () => {
    const { payloads } = parseCapturedPayloads('{"message":{"toolCallList":[]}}', "t.json");
    expect(payloads).toHaveLength(1);
  });

  it("reports what is not a payload", () => {
    expect(parseCapturedPayloads('{"hello":1}', "x.json").problems).toEqual([
      'x.json: not a Vapi payload (expected {"message": {"type": …}})',
    ]);
    expect(parseCapturedPayloads("[1]", "y.json").problems).toHaveLength(1);
    expect(parseCapturedPayloads("not json\n{}", "z.log").problems).toEqual([
      "z.log: neither JSON nor one JSON document per line",
    ]);
    expect(parseCapturedPayloads("", "empty.json").problems).toHaveLength(1);
  });
});

describe("resolveWebhookUrl", () => {
  it("adds the webhook path to a bare base URL and keeps any other path", () => {
    expect(resolveWebhookUrl("http://127.0.0.1:3000")).toBe("http://127.0.0.1:3000/vapi/webhook");
    expect(resolveWebhookUrl("https://fd.example/")).toBe("https://fd.example/vapi/webhook");
    expect(resolveWebhookUrl("https://fd.example/hooks/vapi")).toBe(
      "https://fd.example/hooks/vapi",
    );
  });
});
