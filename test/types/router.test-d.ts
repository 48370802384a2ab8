import type { Vapi } from "@vapi-ai/server-sdk";
import { describe, expectTypeOf, it } from "vitest";
import type { CallReportRecord } from "../../src/calls/call-repo.js";
import type { HandlerContext } from "../../src/vapi/handler-context.js";
import type { MessageOf, MessageType, ToolCallItem } from "../../src/vapi/messages.js";
import {
  createMessageRouter,
  PreSerialized,
  type EmptyResponse,
  type FunctionCallResponse,
  type HandlerResult,
  type MessageHandler,
  type MessageRouter,
  type ResponseOf,
} from "../../src/vapi/router.js";

const router = createMessageRouter();

describe("router.on narrows the message to the registered type", () => {
  it("gives an assistant-request handler the assistant-request message and the context", () => {
    router.on("assistant-request", (message, ctx) => {
      expectTypeOf(message).toEqualTypeOf<MessageOf<"assistant-request">>();
      expectTypeOf(message.type).toEqualTypeOf<"assistant-request">();
      expectTypeOf(message.type).not.toEqualTypeOf<"tool-calls">();
      expectTypeOf(ctx).toEqualTypeOf<HandlerContext>();
      return { assistantId: "asst_1" };
    });
  });

  it("gives a tool-calls handler the typed tool-call lists", () => {
    router.on("tool-calls", (message) => {
      expectTypeOf(message.type).toEqualTypeOf<"tool-calls">();
      expectTypeOf(message.toolCallList).toEqualTypeOf<ToolCallItem[] | undefined>();
      return { results: [] };
    });
  });

  it("gives a function-call handler a required functionCall", () => {
    router.on("function-call", (message) => {
      expectTypeOf(message.functionCall.name).toEqualTypeOf<string>();
      return { result: "ok" };
    });
  });

  it("types the handler parameter from the type argument", () => {
    expectTypeOf<Parameters<MessageHandler<"assistant-request">>[0]>().toEqualTypeOf<
      MessageOf<"assistant-request">
    >();
    expectTypeOf<
      Parameters<MessageHandler<"status-update">>[0]["type"]
    >().toEqualTypeOf<"status-update">();
    // The report's handler takes the record to store, prepared where the body was read.
    expectTypeOf<Parameters<MessageHandler<"end-of-call-report">>[0]>().toEqualTypeOf<{
      report: CallReportRecord;
    }>();
  });

  it("accepts only known message types as the first argument", () => {
    expectTypeOf<Parameters<MessageRouter["on"]>[0]>().toEqualTypeOf<MessageType>();
    // @ts-expect-error not a Vapi message type
    router.on("assistant-requests", () => ({}));
    // @ts-expect-error not a Vapi message type
    router.on("toString", () => ({}));
  });

  it("returns the router for chaining", () => {
    expectTypeOf(router.on("hang", () => ({}))).toEqualTypeOf<MessageRouter>();
  });
});

describe("router.on requires each type's response", () => {
  it("maps each type to its response", () => {
    expectTypeOf<
      ResponseOf<"assistant-request">
    >().toEqualTypeOf<Vapi.ServerMessageResponseAssistantRequest>();
    expectTypeOf<ResponseOf<"tool-calls">>().toEqualTypeOf<Vapi.ServerMessageResponseToolCalls>();
    expectTypeOf<ResponseOf<"function-call">>().toEqualTypeOf<FunctionCallResponse>();
    expectTypeOf<ResponseOf<"end-of-call-report">>().toEqualTypeOf<EmptyResponse>();
    expectTypeOf<ResponseOf<"status-update">>().toEqualTypeOf<EmptyResponse>();
    expectTypeOf<HandlerResult<"assistant-request">>().toEqualTypeOf<
      | Vapi.ServerMessageResponseAssistantRequest
      | PreSerialized<Vapi.ServerMessageResponseAssistantRequest>
    >();
  });

  it("accepts the assistant-request response, sync, async or pre-serialized", () => {
    const response: Vapi.ServerMessageResponseAssistantRequest = { error: "Not in service." };
    router.on("assistant-request", () => response);
    router.on("assistant-request", async () => ({ assistantId: "asst_1" }));
    router.on(
      "assistant-request",
      () => new PreSerialized<Vapi.ServerMessageResponseAssistantRequest>("{}"),
    );
  });

  it("rejects a response of the wrong shape for assistant-request", () => {
    // @ts-expect-error assistantId must be a string
    router.on("assistant-request", () => ({ assistantId: 42 }));
    // @ts-expect-error a plain string is not a response
    router.on("assistant-request", () => "asst_1");
    // @ts-expect-error the function-call answer has nothing in common with an assistant response
    router.on("assistant-request", (): FunctionCallResponse => ({ result: "ok" }));
    // @ts-expect-error nothing is not an answer to assistant-request
    router.on("assistant-request", () => undefined);
  });

  it("rejects an assistant-request handler registered for another type", () => {
    const assistantHandler: MessageHandler<"assistant-request"> = () => ({ assistantId: "a" });
    // @ts-expect-error the handler expects an assistant-request message
    router.on("tool-calls", assistantHandler);
    // @ts-expect-error the handler expects an assistant-request message
    router.on("end-of-call-report", assistantHandler);
  });

  it("rejects a handler registered under assistant-request for another message", () => {
    const toolHandler: MessageHandler<"tool-calls"> = () => ({ results: [] });
    // @ts-expect-error the handler expects a tool-calls message
    router.on("assistant-request", toolHandler);
  });

  it("requires tool results to name their call", () => {
    // @ts-expect-error each result needs toolCallId and name
    router.on("tool-calls", () => ({ results: [{ result: "ok" }] }));
    // @ts-expect-error a function-call answer is not a tool-calls answer
    router.on("tool-calls", (): FunctionCallResponse => ({ result: "ok" }));
  });

  it("requires an empty answer from informational types", () => {
    router.on("end-of-call-report", () => ({}));
    router.on("status-update", async () => ({}));
    // @ts-expect-error informational messages answer {}
    router.on("end-of-call-report", () => ({ assistantId: "a" }));
  });
});
