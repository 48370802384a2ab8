import { describe, expect, it } from "vitest";
import { checkKeptToolResults, keepToolCalls } from "../../../bench/keep-tools.js";

const call = (id: string, name: string) => ({
  id,
  type: "function",
  function: { name, arguments: { date: "2026-12-08" } },
});

const body = JSON.stringify({
  message: {
    type: "tool-calls",
    call: { id: "c-1" },
    artifact: { messages: [{ role: "user", message: "hello" }] },
    toolCallList: [call("t1", "create_lead"), call("t2", "check_availability")],
    toolWithToolCallList: [
      { type: "function", function: { name: "create_lead" }, toolCall: call("t1", "create_lead") },
      {
        type: "function",
        function: { name: "check_availability" },
        toolCall: call("t2", "check_availability"),
      },
    ],
  },
});

describe("keepToolCalls", () => {
  it("keeps the named tool calls in both lists and leaves the rest of the message alone", () => {
    const kept = keepToolCalls(body, new Set(["check_availability"]));
    const message = (JSON.parse(kept.body) as { message: Record<string, unknown> }).message;
    expect(kept.expected).toEqual(["t2"]);
    expect(message.toolCallList).toEqual([call("t2", "check_availability")]);
    expect(message.toolWithToolCallList).toEqual([
      {
        type: "function",
        function: { name: "check_availability" },
        toolCall: call("t2", "check_availability"),
      },
    ]);
    expect(message.call).toEqual({ id: "c-1" });
    expect(message.artifact).toEqual({ messages: [{ role: "user", message: "hello" }] });
  });

  it("keeps none when no name matches, and refuses a body that is not tool-calls", () => {
    const kept = keepToolCalls(body, new Set());
    const message = (JSON.parse(kept.body) as { message: Record<string, unknown> }).message;
    expect(kept.expected).toEqual([]);
    expect(message.toolCallList).toEqual([]);
    expect(message.toolWithToolCallList).toEqual([]);
    expect(() =>
      keepToolCalls(JSON.stringify({ message: { type: "status-update" } }), new Set()),
    ).toThrow("not a tool-calls message");
  });
});

describe("checkKeptToolResults", () => {
  it("wants one successful result per kept call, in order", () => {
    const answer = (results: unknown[]) => JSON.stringify({ results });
    expect(
      checkKeptToolResults(200, answer([{ toolCallId: "t2", result: "Free" }]), ["t2"]),
    ).toEqual({ ok: true });
    expect(checkKeptToolResults(200, answer([]), [])).toEqual({ ok: true });
    expect(checkKeptToolResults(200, answer([{ toolCallId: "t1", result: "x" }]), ["t2"]).ok).toBe(
      false,
    );
    expect(checkKeptToolResults(200, answer([{ toolCallId: "t2", error: "No." }]), ["t2"]).ok).toBe(
      false,
    );
    expect(checkKeptToolResults(200, answer([]), ["t2"]).ok).toBe(false);
    expect(checkKeptToolResults(500, "{}", []).ok).toBe(false);
  });
});
