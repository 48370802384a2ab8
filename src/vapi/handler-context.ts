import type { LogFn } from "pino";
import type { Clock } from "../clock.js";
import type { ResolvedTenant } from "../tenants/resolve-tenant.js";
import type { PreparedAssistant } from "./build-assistant.js";

/** Logger surface the protocol layer uses; pino's (and Fastify's) logger satisfies it. */
export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  child(bindings: Record<string, unknown>): Logger;
}

/** Everything a message handler may use for one webhook. Built by the HTTP route. */
export interface HandlerContext {
  requestId: string;
  /** The tenant owning the dialed number, when it could be resolved. */
  tenant: ResolvedTenant<PreparedAssistant> | undefined;
  callId: string | undefined;
  /** The caller's number from the message (never logged at info). */
  callerNumber: string | undefined;
  log: Logger;
  clock: Clock;
  /** Aborted when the message's time budget runs out or the client goes away. */
  signal: AbortSignal;
  /**
   * `signal.aborted`, read without building the signal: a check at a commit point should not
   * cost an AbortController per webhook.
   */
  readonly aborted: boolean;
  /** Annotations the handler adds to the canonical log line (outcome, cache tier, …). */
  annotate(fields: Record<string, unknown>): void;
}
