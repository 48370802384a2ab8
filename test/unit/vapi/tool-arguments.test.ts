import { describe, expect, it } from "vitest";
import { MESSAGE_SCHEMAS } from "../../../src/vapi/messages.js";
import {
  extractToolCalls,
  parseArguments,
  toSingleLine,
} from "../../../src/vapi/tool-arguments.js";

describe("parseArguments", () => {
  it("takes an object as-is", () => {
    expect(parseArguments({ date: "2026-12-01", party: 2 })).toEqual({
      ok: true,
      value: { date: "2026-12-01", party: 2 },
    });
  });

  it("parses a JSON string", () => {
    expect(parseArguments('{"name":"Ana","nested":{"a":[1,2]}}')).toEqual({
      ok: true,
      value: { name: "Ana", nested: { a: [1, 2] } },
    });
  });

  it("treats missing, null and empty-string arguments as no arguments", () => {
    for (const raw of [undefined, null, "", "   ", "\n"]) {
      expect(parseArguments(raw)).toEqual({ ok: true, value: {} });
    }
  });

  it("reports invalid JSON as a failure the model can act on", () => {
    const result = parseArguments('{"name": "Ana"');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/not valid JSON/);
  });

  it("rejects arguments that are not an object", () => {
    for (const raw of ["[1,2]", '"text"', "42", "null", "true", [1, 2], 42, true]) {
      expect(parseArguments(raw)).toEqual({
        ok: false,
        error: "The tool arguments must be a JSON object.",
      });
    }
  });

  it("drops prototype keys from string arguments without polluting Object.prototype", () => {
    const result = parseArguments(
      '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"name":"Ana"}',
    );
    expect(result).toEqual({ ok: true, value: { name: "Ana" } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    if (result.ok) expect(Object.getPrototypeOf(result.value)).toBe(Object.prototype);
  });
});

describe("extractToolCalls", () => {
  const item = (id: string | undefined, name: string, args: unknown) => ({
    ...(id === undefined ? {} : { id }),
    type: "function",
    function: { name, arguments: args },
  });

  it("reads toolCallList", () => {
    const { calls, skipped } = extractToolCalls({
      toolCallList: [item("a", "check_hours", {}), item("b", "take_message", '{"name":"Ana"}')],
    });
    expect(skipped).toBe(0);
    expect(calls).toEqual([
      { id: "a", name: "check_hours", args: { ok: true, value: {} } },
      { id: "b", name: "take_message", args: { ok: true, value: { name: "Ana" } } },
    ]);
  });

  it("falls back to toolWithToolCallList, taking the name from the tool when the call lacks it", () => {
    const { calls } = extractToolCalls({
      toolWithToolCallList: [
        { function: { name: "check_hours" }, toolCall: { id: "a", arguments: { day: "mon" } } },
        { function: { name: "take_message" }, toolCall: item("b", "take_message", "") },
        { function: { name: "orphan" } },
      ],
    });
    expect(calls).toEqual([
      { id: "a", name: "check_hours", args: { ok: true, value: { day: "mon" } } },
      { id: "b", name: "take_message", args: { ok: true, value: {} } },
    ]);
  });

  it("falls back to the OpenAI-style toolCalls list", () => {
    const { calls } = extractToolCalls({ toolCalls: [item("a", "check_hours", '{"day":"tue"}')] });
    expect(calls).toEqual([
      { id: "a", name: "check_hours", args: { ok: true, value: { day: "tue" } } },
    ]);
  });

  it("prefers toolCallList when several lists are present", () => {
    const { calls } = extractToolCalls({
      toolCallList: [item("from-list", "x", {})],
      toolWithToolCallList: [{ toolCall: item("from-with", "y", {}) }],
      toolCalls: [item("from-openai", "z", {})],
    });
    expect(calls.map((call) => call.id)).toEqual(["from-list"]);
  });

  it("uses the next list when the preferred one is empty", () => {
    const { calls } = extractToolCalls({
      toolCallList: [],
      toolWithToolCallList: [],
      toolCalls: [item("from-openai", "z", {})],
    });
    expect(calls.map((call) => call.id)).toEqual(["from-openai"]);
  });

  it("answers a repeated id once and skips items without an id", () => {
    const { calls, skipped } = extractToolCalls({
      toolCallList: [
        item("a", "first", {}),
        item("a", "again", {}),
        item(undefined, "no-id", {}),
        item("", "empty-id", {}),
        item("b", "second", {}),
      ],
    });
    expect(calls.map((call) => [call.id, call.name])).toEqual([
      ["a", "first"],
      ["b", "second"],
    ]);
    expect(skipped).toBe(3);
  });

  it("accepts flattened items and the `parameters` spelling", () => {
    const { calls } = extractToolCalls({
      toolCallList: [
        { id: "a", name: "flat", arguments: '{"x":1}' },
        { id: "b", name: "flat-params", parameters: { y: 2 } },
        { id: "c", function: { name: "fn-params", parameters: { z: 3 } } },
      ],
    });
    expect(calls).toEqual([
      { id: "a", name: "flat", args: { ok: true, value: { x: 1 } } },
      { id: "b", name: "flat-params", args: { ok: true, value: { y: 2 } } },
      { id: "c", name: "fn-params", args: { ok: true, value: { z: 3 } } },
    ]);
  });

  it("keeps a call with invalid arguments so it can be answered with an error", () => {
    const { calls } = extractToolCalls({ toolCallList: [item("a", "take_message", "{oops")] });
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args.ok).toBe(false);
  });

  it("returns nothing for a message without any list", () => {
    expect(extractToolCalls({})).toEqual({ calls: [], skipped: 0 });
  });

  it("works on a message validated by the tool-calls schema", () => {
    const message = MESSAGE_SCHEMAS["tool-calls"].parse({
      type: "tool-calls",
      toolCallList: [item("a", "check_hours", '{"day":"wed"}')],
    });
    expect(extractToolCalls(message).calls).toEqual([
      { id: "a", name: "check_hours", args: { ok: true, value: { day: "wed" } } },
    ]);
  });
});

describe("toSingleLine", () => {
  it("joins lines and collapses whitespace", () => {
    expect(toSingleLine("Open\r\nuntil 5 pm\u2028today.  Thanks", "x")).toBe(
      "Open until 5 pm today. Thanks",
    );
  });

  it("uses the fallback for blank text", () => {
    expect(toSingleLine(" \n ", "Done.")).toBe("Done.");
  });
});
