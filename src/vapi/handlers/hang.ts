import type { MessageHandler } from "../router.js";

/**
 * `hang`: the assistant has gone silent for several seconds (slow model or voice provider, or
 * a tool keeping it waiting). Nothing to store or answer; a warn line (which carries the call
 * and tenant ids) makes stalls visible to alerting.
 */
export function createHangHandler(): MessageHandler<"hang"> {
  return (_message, ctx) => {
    ctx.annotate({ outcome: "assistant-stalled" });
    ctx.log.warn("assistant stalled: Vapi reported a hang");
    return {};
  };
}
