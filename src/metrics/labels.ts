import { isKnownMessageType } from "../vapi/messages.js";

/*
 * Every label value comes from a closed set. A value taken from a request as-is (a message type,
 * a tool name the model made up) would create one time series per distinct string, and anyone who
 * can reach the webhook could grow the metrics page without bound.
 */

export const UNKNOWN = "unknown";

/** A message type we model, else "unknown" (the raw type is in the log line). */
export function messageTypeLabel(value: unknown): string {
  return typeof value === "string" && isKnownMessageType(value) ? value : UNKNOWN;
}

// Outcomes are written by our own code ("tool-results", "fallback-timeout"); the pattern is a
// guard against a future outcome built from input, not the normal path.
const CODE_WORD = /^[a-z][a-z0-9-]{0,47}$/;

/** A webhook outcome as our handlers name it; "none" when absent, "other" when not a code word. */
export function outcomeLabel(value: unknown): string {
  if (value === undefined || value === null) return "none";
  return typeof value === "string" && CODE_WORD.test(value) ? value : "other";
}

/** "2xx", "4xx", "5xx". */
export function statusClassLabel(statusCode: unknown): string {
  return typeof statusCode === "number" && statusCode >= 100 && statusCode < 600
    ? `${Math.floor(statusCode / 100)}xx`
    : UNKNOWN;
}

const CACHE_TIERS = new Set(["memory", "stale", "redis", "database", "none", "timeout", "error"]);

/** Where the tenant came from (see CacheTier), plus "error" when the lookup threw. */
export function cacheTierLabel(value: unknown): string {
  return typeof value === "string" && CACHE_TIERS.has(value) ? value : UNKNOWN;
}

/**
 * Which fallback an assistant-request got: "none" (the tenant's own assistant), "unknown-number",
 * "timeout", "error", or "rejected" when it was not answered with 200 at all.
 */
export function fallbackLabel(outcome: unknown, statusCode: unknown): string {
  if (statusCode !== 200) return "rejected";
  switch (outcome) {
    case "unknown-number":
      return "unknown-number";
    case "fallback-timeout":
      return "timeout";
    case "fallback-error":
      return "error";
    default:
      return "none";
  }
}

// Queue and channel names are chosen in code; anything else collapses into "other".
const NAME = /^[A-Za-z][A-Za-z0-9_.:-]{0,47}$/;

/** A queue or delivery-channel name given by our own code. */
export function nameLabel(value: string): string {
  return NAME.test(value) ? value : "other";
}
