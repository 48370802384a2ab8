/**
 * A call's lifecycle, in order (protocol reference §7). Vapi does not document that separate
 * status-update requests arrive in order, so a call keeps the highest status seen and ignores
 * regressions. Other statuses Vapi sends (`not-found`, `deletion-failed`, future ones) are not
 * steps in this order: they are recorded as events but never become the call's status.
 */
export const CALL_LIFECYCLE = [
  "scheduled",
  "queued",
  "ringing",
  "in-progress",
  "forwarding",
  "ended",
] as const;

export type CallLifecycleStatus = (typeof CALL_LIFECYCLE)[number];

export function isCallLifecycleStatus(status: string): status is CallLifecycleStatus {
  return (CALL_LIFECYCLE as readonly string[]).includes(status);
}
