import { describe, expect, it } from "vitest";
import { checkAnswer, requestedToolCalls } from "../../../src/simulator/protocol-checks.js";

const toolCalls = (...calls: { id: string; name: string }[]) => ({
  message: {
    type: "tool-calls",
    toolCallList: calls.map((call) => ({
      id: call.id,
      type: "function",
      function: { name: call.name, arguments: "{}" },
    })),
  },
});

function check(payload: unknown, body: unknown, status = 200, durationMs = 5): string[] {
  return checkAnswer({
    payload,
    status,
    body: typeof body === "string" ? body : JSON.stringify(body),
    durationMs,
  });
}

const assistantRequest = { message: { type: "assistant-request" } };

describe("checkAnswer: assistant-request", () => {
  it("accepts an inline assistant with tools under model.tools", () => {
    const answer = {
      assistant: {
        firstMessage: "Hi",
        model: {
          provider: "openai",
          model: "gpt-4o-mini",
          tools: [{ type: "function", function: { name: "x" } }],
        },
      },
    };
    expect(check(assistantRequest, answer)).toEqual([]);
  });

  it("accepts a saved assistant id, a transfer and a refusal", () => {
    expect(check(assistantRequest, { assistantId: "b6e2a9d4" })).toEqual([]);
    expect(
      check(assistantRequest, { destination: { type: "number", number: "+61491570157" } }),
    ).toEqual([]);
    expect(check(assistantRequest, { error: "Not in service." })).toEqual([]);
  });

  it("rejects an answer with none of the keys Vapi reads", () => {
    expect(check(assistantRequest, { assistantOverrides: {} })).toEqual([
      expect.stringMatching(/^body: must contain one of assistant, assistantId/),
    ]);
  });

  it("rejects tools at the assistant's top level", () => {
    const answer = { assistant: { model: { provider: "openai", model: "m" }, tools: [] } };
    expect(check(assistantRequest, answer)).toEqual([
      "assistant.tools: tools must be under assistant.model.tools (Vapi ignores assistant.tools)",
    ]);
  });

  it("rejects an empty error, a destination without a number, and a non-200 status", () => {
    expect(check(assistantRequest, { error: "  " })).toEqual(["error: must be a non-empty string"]);
    expect(check(assistantRequest, { destination: { type: "number" } })[0]).toMatch(
      /^destination\.number: /,
    );
    expect(check(assistantRequest, { assistantId: "a" }, 201)).toEqual([
      "status 201: Vapi only reads a assistant-request answer sent with 200",
    ]);
  });

  it("rejects a body that is not JSON", () => {
    expect(check(assistantRequest, "<html>")).toEqual(["the body is not JSON"]);
  });

  it("flags an answer slower than Vapi's 7.5 s assistant-request limit", () => {
    expect(check(assistantRequest, { assistantId: "a" }, 200, 7600)).toEqual([
      "answered after 7600 ms; Vapi gives up after 7500 ms",
    ]);
  });
});

describe("checkAnswer: tool-calls", () => {
  const request = toolCalls(
    { id: "call_a", name: "create_lead" },
    { id: "call_b", name: "take_message" },
  );

  it("accepts one result or error per call, in order", () => {
    const body = {
      results: [
        { toolCallId: "call_a", name: "create_lead", result: "Lead saved." },
        { toolCallId: "call_b", name: "take_message", error: "Please give a message." },
      ],
    };
    expect(check(request, body)).toEqual([]);
  });

  it("names every way the results break the rules", () => {
    const body = {
      results: [
        { toolCallId: "call_b", name: "take_message", result: "ok" },
        { toolCallId: "call_a", name: "wrong_name", result: "a\nb", error: "" },
        { toolCallId: "call_c", error: "extra" },
      ],
    };
    expect(check(request, body)).toEqual([
      "results has 3 entries for 2 tool calls",
      'results[0].toolCallId is "call_b", expected "call_a" (same order as the calls)',
      'results[0].name is "take_message", expected "create_lead"',
      'results[1].toolCallId is "call_a", expected "call_b" (same order as the calls)',
      'results[1].name is "wrong_name", expected "take_message"',
      "results[1] must have exactly one of result and error",
      "results[1].error is empty",
      "results[1].result contains a line break",
    ]);
  });

  it("requires string results and a results array", () => {
    expect(check(request, { results: [{ toolCallId: "call_a", result: { ok: true } }] })).toEqual([
      expect.stringMatching(/^results\[0\]\.result: /),
    ]);
    expect(check(request, {})).toEqual([expect.stringMatching(/^results: /)]);
  });

  it("still wants 200 when a tool failed", () => {
    expect(check(request, { error: { code: "INTERNAL" } }, 500)).toEqual([
      "status 500: Vapi only reads a tool-calls answer sent with 200",
    ]);
  });
});

describe("requestedToolCalls", () => {
  it("reads toolWithToolCallList when toolCallList is absent, with the tool's name", () => {
    const message = {
      toolWithToolCallList: [
        { function: { name: "create_lead" }, toolCall: { id: "call_x", parameters: {} } },
      ],
    };
    expect(requestedToolCalls(message)).toEqual([{ id: "call_x", name: "create_lead" }]);
  });

  it("answers a repeated id once and skips calls without an id", () => {
    const message = {
      toolCallList: [
        { id: "call_1", function: { name: "a" } },
        { function: { name: "no-id" } },
        { id: "call_1", function: { name: "a" } },
        { id: "call_2", name: "b" },
      ],
    };
    expect(requestedToolCalls(message)).toEqual([
      { id: "call_1", name: "a" },
      { id: "call_2", name: "b" },
    ]);
  });
});

describe("checkAnswer: other types", () => {
  it("accepts transfer destinations and refusals, rejects neither", () => {
    const transfer = { message: { type: "transfer-destination-request" } };
    expect(
      check(transfer, { destination: { type: "sip", sipUri: "sip:desk@pbx.example" } }),
    ).toEqual([]);
    expect(check(transfer, { error: "No one is available." })).toEqual([]);
    expect(check(transfer, { message: { type: "request-start" } })).toEqual([
      "body: must contain destination or error",
    ]);
  });

  it("accepts knowledge-base documents or a direct message", () => {
    const kb = { message: { type: "knowledge-base-request" } };
    expect(check(kb, { documents: [] })).toEqual([]);
    expect(check(kb, { documents: [{ content: "a", similarity: 0.9, uuid: "1" }] })).toEqual([]);
    expect(check(kb, { message: { type: "custom-message", content: "Hi" } })).toEqual([]);
    expect(check(kb, { documents: [{ content: "a" }] })[0]).toMatch(
      /^documents\[0\]\.similarity: /,
    );
  });

  it("wants a single-line result for the legacy function-call", () => {
    const legacy = { message: { type: "function-call" } };
    expect(check(legacy, { result: "ok" })).toEqual([]);
    expect(check(legacy, { result: "a\nb" })).toEqual(["result contains a line break"]);
  });

  it("accepts any 2xx for informational and unknown types, nothing else", () => {
    for (const type of ["status-update", "end-of-call-report", "something-new"]) {
      expect(check({ message: { type } }, "", 204)).toEqual([]);
      expect(check({ message: { type } }, "whatever", 200)).toEqual([]);
      expect(check({ message: { type } }, {}, 503)).toEqual([
        "status 503: informational messages must get a 2xx",
      ]);
    }
  });

  it("treats a message with a tool-call list and no type as tool-calls", () => {
    const untyped = { message: { toolCallList: [{ id: "call_1", function: { name: "a" } }] } };
    expect(check(untyped, {})).toEqual([expect.stringMatching(/^results: /)]);
  });
});
