import { createHash } from "node:crypto";
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
    // Legacy calls carry no tool-call id. A retry of the same call repeats name and arguments, so
    // together with the call id (and the timestamp when present) they identify it for run-once.
    const fingerprint = createHash("sha256")
      .update(JSON.stringify([name, args.ok ? args.value : null, message.timestamp ?? null]))
      .digest("hex")
      .slice(0, 32);
    const id = `function-call:${ctx.callId ?? "no-call"}:${fingerprint}`;
    const outcome = await runOne({ id, name, args }, ctx, deps);
    ctx.annotate({ outcome: outcome.ok ? "function-result" : "function-error", tools: [name] });
    return { result: toSingleLine(outcome.ok ? outcome.result : outcome.error, "Done.") };
  };
}
