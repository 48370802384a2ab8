import type { Vapi } from "@vapi-ai/server-sdk";
import type { HandlerContext } from "./handler-context.js";
import { isKnownMessageType, type MessageType } from "./messages.js";
import type { PreparedOf } from "./prepared-messages.js";

/** Legacy `function-call` (model.functions) answer; the current SDK no longer types it. */
export interface FunctionCallResponse {
  result: string;
}

/** What each message type answers with; informational types answer `{}`. */
export interface ResponseTable {
  "assistant-request": Vapi.ServerMessageResponseAssistantRequest;
  "tool-calls": Vapi.ServerMessageResponseToolCalls;
  "function-call": FunctionCallResponse;
  "transfer-destination-request": Vapi.ServerMessageResponseTransferDestinationRequest;
  "knowledge-base-request": Vapi.ServerMessageResponseKnowledgeBaseRequest;
}

export type EmptyResponse = Record<string, never>;
export type ResponseOf<TType extends MessageType> = TType extends keyof ResponseTable
  ? ResponseTable[TType]
  : EmptyResponse;

/**
 * A response serialized ahead of time (the assistant-request hot path keeps each tenant's
 * assistant as JSON text). The phantom type keeps it tied to the response it stands for.
 */
export class PreSerialized<TResponse> {
  declare readonly _response: TResponse;
  constructor(readonly json: string) {}
}

export type HandlerResult<TType extends MessageType> =
  ResponseOf<TType> | PreSerialized<ResponseOf<TType>>;

export type MessageHandler<TType extends MessageType> = (
  message: PreparedOf<TType>,
  ctx: HandlerContext,
) => Promise<HandlerResult<TType>> | HandlerResult<TType>;

export type DispatchResult =
  | { handled: true; type: MessageType; response: unknown }
  | { handled: false; type: string; response: EmptyResponse };

export interface MessageRouter {
  /** Registers the handler for one type. Registering a type twice, or an unknown type, throws. */
  // NoInfer: the type comes from `type` alone; otherwise a handler written for another message
  // widens TType to a union and is accepted.
  on<TType extends MessageType>(
    type: TType,
    handler: MessageHandler<NoInfer<TType>>,
  ): MessageRouter;
  has(type: string): boolean;
  /** Runs the handler for an already-validated message; unhandled types answer `{}`. */
  dispatch(type: MessageType, message: unknown, ctx: HandlerContext): Promise<DispatchResult>;
  /**
   * Like `dispatch`, but answers without a promise when the handler does (the cached
   * assistant-request): the caller then needs no promise and no budget timer. A handler that
   * throws synchronously throws here.
   */
  dispatchNow(
    type: MessageType,
    message: unknown,
    ctx: HandlerContext,
  ): DispatchResult | Promise<DispatchResult>;
}

/** Framework-free router from message type to handler (octokit's event-handler shape). */
export function createMessageRouter(): MessageRouter {
  const handlers = new Map<MessageType, MessageHandler<MessageType>>();
  const router: MessageRouter = {
    on(type, handler) {
      if (!isKnownMessageType(type)) throw new Error(`unknown Vapi message type: ${String(type)}`);
      if (handlers.has(type)) throw new Error(`a handler for "${type}" is already registered`);
      handlers.set(type, handler);
      return router;
    },
    has(type) {
      return isKnownMessageType(type) && handlers.has(type);
    },
    async dispatch(type, message, ctx) {
      return router.dispatchNow(type, message, ctx);
    },
    dispatchNow(type, message, ctx) {
      const handler = handlers.get(type);
      if (handler === undefined) return { handled: false, type, response: {} };
      const response = handler(message as PreparedOf<MessageType>, ctx);
      if (isPromiseLike(response)) {
        return Promise.resolve(response).then((settled) => ({
          handled: true,
          type,
          response: settled,
        }));
      }
      return { handled: true, type, response };
    },
  };
  return router;
}

export function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return (
    value !== null &&
    typeof value === "object" &&
    typeof (value as { then?: unknown }).then === "function"
  );
}
