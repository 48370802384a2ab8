import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { fixedClock } from "../../../src/clock.js";
import { WebhookContext } from "../../../src/vapi/webhook-context.js";

function webhookContext(): WebhookContext {
  return new WebhookContext(
    "req-1",
    undefined,
    "call-1",
    undefined,
    fixedClock(0),
    "tool-calls",
    pino({ level: "silent" }),
  );
}

describe("WebhookContext.aborted", () => {
  it("is false until the webhook is aborted, then true", () => {
    const ctx = webhookContext();
    expect(ctx.aborted).toBe(false);
    ctx.abort(new Error("budget exceeded"));
    expect(ctx.aborted).toBe(true);
  });

  it("agrees with a signal built before the abort", () => {
    const ctx = webhookContext();
    const signal = ctx.signal;
    expect(ctx.aborted).toBe(signal.aborted);
    ctx.abort(new Error("client closed the connection"));
    expect(signal.aborted).toBe(true);
    expect(ctx.aborted).toBe(true);
  });

  it("agrees with a signal first built after the abort, which carries the first reason", () => {
    const ctx = webhookContext();
    const first = new Error("budget exceeded");
    ctx.abort(first);
    ctx.abort(new Error("webhook finished"));
    expect(ctx.aborted).toBe(true);
    expect(ctx.signal.aborted).toBe(true);
    expect(ctx.signal.reason).toBe(first);
  });
});
