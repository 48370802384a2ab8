import { parseArguments, toSingleLine } from "../tool-arguments.js";
import type { MessageHandler } from "../router.js";
import { runOne, type ToolCallsDeps } from "./tool-calls.js";

/**
 * Legacy `model.functions[]` call: same tools, answered as `{result}` (the legacy shape has no
 * error field, so a failure is returned as the sentence the assistant should say).
 */
export function createFunctionCallHandler(deps: ToolCallsDeps): MessageHandler<"function-call"> {
  return async (message, ctx) => {
    const { name } = message.functionCall;
    const args = parseArguments(message.functionCall.parameters ?? message.functionCall.arguments);
    const id = `function-call:${ctx.callId ?? "no-call"}:${name}:${String(message.timestamp ?? "")}`;
    const outcome = await runOne({ id, name, args }, ctx, deps);
    ctx.annotate({ outcome: outcome.ok ? "function-result" : "function-error", tools: [name] });
    return { result: toSingleLine(outcome.ok ? outcome.result : outcome.error, "Done.") };
  };
}
