import { setMaxListeners } from "node:events";
import type { Clock } from "../clock.js";
import type { ResolvedTenant } from "../tenants/resolve-tenant.js";
import type { PreparedAssistant } from "./build-assistant.js";
import type { HandlerContext, Logger } from "./handler-context.js";

/**
 * The HandlerContext of one webhook. A class rather than an object literal of closures and
 * getters: it is built on every webhook, and one object with its methods on the prototype
 * allocates far less than six closures (measurable on the cached assistant-request path).
 * The child logger, the AbortController and the annotations are created on first use: most
 * webhooks (the cached assistant-request among them) never touch the first two.
 */
export class WebhookContext implements HandlerContext {
  /** What handlers annotated, for the canonical line; undefined until the first annotation. */
  annotations: Record<string, unknown> | undefined;
  private childLog: Logger | undefined;
  private controller: AbortController | undefined;
  private abortReason: Error | undefined;

  constructor(
    readonly requestId: string,
    readonly tenant: ResolvedTenant<PreparedAssistant> | undefined,
    readonly callId: string | undefined,
    readonly callerNumber: string | undefined,
    readonly clock: Clock,
    private readonly messageType: string,
    private readonly parentLog: Logger,
  ) {}

  get log(): Logger {
    this.childLog ??= this.parentLog.child({
      messageType: this.messageType,
      callId: this.callId,
      tenantId: this.tenant?.tenant.id,
    });
    return this.childLog;
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      // One listener per tool call (up to 128 in a message) is expected, not a leak.
      setMaxListeners(256, this.controller.signal);
      if (this.abortReason !== undefined) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  get aborted(): boolean {
    return this.abortReason !== undefined;
  }

  annotate(fields: Record<string, unknown>): void {
    this.annotations = Object.assign(this.annotations ?? {}, fields);
  }

  /** Stops work the handlers started (budget exceeded, client gone, webhook finished). */
  abort(reason: Error): void {
    this.abortReason ??= reason;
    const controller = this.controller;
    if (controller !== undefined && !controller.signal.aborted) controller.abort(this.abortReason);
  }
}
