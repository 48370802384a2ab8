import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { fixedClock } from "../../../src/clock.js";
import type { HandlerContext } from "../../../src/vapi/handler-context.js";
import { MESSAGE_SCHEMAS, MESSAGE_TYPES, type MessageType } from "../../../src/vapi/messages.js";
import { createMessageRouter, PreSerialized } from "../../../src/vapi/router.js";

function context(): HandlerContext {
  return {
    requestId: "req-1",
    tenant: undefined,
    callId: "call-1",
    callerNumber: undefined,
    log: pino({ level: "silent" }),
    clock: fixedClock(0),
    signal: new AbortController().signal,
    aborted: false,
    annotate: () => undefined,
  };
}

describe("createMessageRouter", () => {
  it("throws when a type is registered twice", () => {
    const router = createMessageRouter().on("assistant-request", () => ({ assistantId: "a" }));
    expect(() => router.on("assistant-request", () => ({ assistantId: "b" }))).toThrow(
      /already registered/,
    );
  });

  it("throws when registering a type Vapi does not send", () => {
    const router = createMessageRouter();
    expect(() => router.on("assistant-requests" as MessageType, () => ({}))).toThrow(
      /unknown Vapi message type/,
    );
    expect(() => router.on("__proto__" as MessageType, () => ({}))).toThrow(/unknown/);
    expect(() => router.on("toString" as MessageType, () => ({}))).toThrow(/unknown/);
  });

  it("chains registrations and reports which types have handlers", () => {
    const router = createMessageRouter()
      .on("assistant-request", () => ({}))
      .on("status-update", () => ({}));
    expect(router.has("assistant-request")).toBe(true);
    expect(router.has("status-update")).toBe(true);
    expect(router.has("tool-calls")).toBe(false);
    expect(router.has("not-a-type")).toBe(false);
    expect(router.has("constructor")).toBe(false);
  });

  it("dispatches to the handler of the message's type with the message and context", async () => {
    const seen: { type: string; requestId: string }[] = [];
    const router = createMessageRouter()
      .on("assistant-request", (message, ctx) => {
        seen.push({ type: message.type, requestId: ctx.requestId });
        return { assistantId: "asst-1" };
      })
      .on("tool-calls", async (message) => {
        await Promise.resolve();
        return {
          results: (message.toolCallList ?? []).map((c) => ({
            toolCallId: c.id ?? "",
            name: c.function?.name ?? "",
            result: "ok",
          })),
        };
      });

    const ctx = context();
    await expect(
      router.dispatch("assistant-request", { type: "assistant-request" }, ctx),
    ).resolves.toEqual({
      handled: true,
      type: "assistant-request",
      response: { assistantId: "asst-1" },
    });
    expect(seen).toEqual([{ type: "assistant-request", requestId: "req-1" }]);

    await expect(
      router.dispatch(
        "tool-calls",
        { type: "tool-calls", toolCallList: [{ id: "t1", function: { name: "check_hours" } }] },
        ctx,
      ),
    ).resolves.toEqual({
      handled: true,
      type: "tool-calls",
      response: { results: [{ toolCallId: "t1", name: "check_hours", result: "ok" }] },
    });
  });

  it("answers {} for a known type without a handler", async () => {
    const router = createMessageRouter();
    await expect(
      router.dispatch("end-of-call-report", { type: "end-of-call-report" }, context()),
    ).resolves.toEqual({ handled: false, type: "end-of-call-report", response: {} });
  });

  it("passes pre-serialized responses through untouched", async () => {
    const json = '{"assistantId":"precomputed"}';
    const router = createMessageRouter().on("assistant-request", () => new PreSerialized(json));
    const result = await router.dispatch(
      "assistant-request",
      { type: "assistant-request" },
      context(),
    );
    expect(result.response).toBeInstanceOf(PreSerialized);
    expect((result.response as PreSerialized<unknown>).json).toBe(json);
  });

  it("propagates a handler's failure to the caller", async () => {
    const router = createMessageRouter().on("tool-calls", () => {
      throw new Error("boom");
    });
    await expect(router.dispatch("tool-calls", { type: "tool-calls" }, context())).rejects.toThrow(
      "boom",
    );
  });

  it("keeps registrations separate between routers", () => {
    createMessageRouter().on("assistant-request", () => ({}));
    expect(createMessageRouter().has("assistant-request")).toBe(false);
  });
});

describe("message type list", () => {
  it("is derived from the schemas: one entry per schema, each schema's literal matching its key", () => {
    expect(MESSAGE_TYPES).toEqual(Object.keys(MESSAGE_SCHEMAS));
    for (const type of MESSAGE_TYPES) {
      expect(MESSAGE_SCHEMAS[type].shape.type.value).toBe(type);
    }
  });

  it("accepts registration of every listed type", () => {
    const router = createMessageRouter();
    for (const type of MESSAGE_TYPES) router.on(type, () => ({}));
    for (const type of MESSAGE_TYPES) expect(router.has(type)).toBe(true);
  });
});
